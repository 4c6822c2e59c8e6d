#!/usr/bin/env bash
# Fill a local provider mirror with hashicorp/aws 5.100.0 (CI, or a new machine with registry access),
# so the infra tests and `make plan` can `terraform init -plugin-dir=<dir>` offline afterwards.
#   scripts/infra-provider-mirror.sh [dir]   (default: $TF_PLUGIN_DIR or ./.tf-plugins)
set -euo pipefail
dir="${1:-${TF_PLUGIN_DIR:-$PWD/.tf-plugins}}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/main.tf.json" <<'JSON'
{ "terraform": { "required_providers": { "aws": { "source": "hashicorp/aws", "version": "5.100.0" } } } }
JSON
(cd "$work" && terraform providers mirror -platform=linux_amd64 "$dir")
echo "hashicorp/aws 5.100.0 mirrored into $dir"

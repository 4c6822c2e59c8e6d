#!/usr/bin/env bash
# The saved plan `make plan` leaves in cdktf.out/stacks/<stack>/tfplan, carried from the job that shows
# it to the job that applies it once reviewers approve (deploy workflow: plan-prod -> deploy-prod).
#
#   scripts/saved-plan.sh summary          plan.txt into the job summary ($GITHUB_STEP_SUMMARY), or stdout
#   scripts/saved-plan.sh pack <file>      the stack folder: tfplan, the provider lock file, the assets
#   scripts/saved-plan.sh apply <file>     terraform init + apply exactly that plan; terraform refuses a
#                                          plan whose state has changed since it was made ("stale plan")
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

stack_dir() {
  local plans=(cdktf.out/stacks/*/tfplan)
  [[ -e "${plans[0]}" ]] || { echo "No saved plan under cdktf.out/stacks/: run make plan first." >&2; exit 1; }
  [[ ${#plans[@]} -eq 1 ]] || { echo "Several saved plans under cdktf.out/stacks/: ${plans[*]}" >&2; exit 1; }
  dirname "${plans[0]}"
}

case "${1:-}" in
  summary)
    [[ -f plan.txt ]] || { echo "plan.txt is missing: run make plan first." >&2; exit 1; }
    {
      echo "### Plan for $(basename "$(stack_dir)")"
      grep -m1 -E '^(Plan: |No changes\.)' plan.txt || true
      echo '<details><summary>Full plan</summary>'
      echo
      echo '```'
      cat plan.txt
      echo '```'
      echo '</details>'
    } >> "${GITHUB_STEP_SUMMARY:-/dev/stdout}"
    ;;
  pack)
    out="${2:?usage: saved-plan.sh pack <file.tgz>}"
    dir="$(stack_dir)"
    # .terraform holds the provider binaries: the applying job installs them again from the lock file.
    tar -czf "$out" --exclude=.terraform -C "$(dirname "$dir")" "$(basename "$dir")"
    echo "Packed $dir (tfplan, .terraform.lock.hcl, assets) into $out"
    ;;
  apply)
    archive="${2:?usage: saved-plan.sh apply <file.tgz>}"
    work="$(mktemp -d)"
    # The state lives in the backend: once applied (or refused), nothing here is needed (.terraform may hold a copy of the provider).
    trap 'rm -rf "$work"' EXIT
    tar -xzf "$archive" -C "$work"
    dirs=("$work"/*)
    cd "${dirs[0]}"
    terraform init -input=false -no-color >/dev/null
    terraform apply -input=false -no-color tfplan
    ;;
  *)
    echo "usage: scripts/saved-plan.sh summary | pack <file.tgz> | apply <file.tgz>" >&2
    exit 2
    ;;
esac

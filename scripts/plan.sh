#!/usr/bin/env bash
# Synthesize the stack and write its Terraform plan as text (plan.txt) and JSON (plan.json).
#
# Offline (no AWS credentials in the environment, or TASK_API_OFFLINE=true): mock credentials, local
# state, providers from the local mirror, no refresh — a readable plan of everything the stack creates.
# Online (credentials present): the configured backend and a normal plan against the real account.
#
#   TF_PLUGIN_DIR   provider mirror (auto-detected: /opt/tf-plugins, ./.tf-plugins, ~/.terraform.d/plugins);
#                   a folder that does not hold hashicorp/aws 5.100.0 is ignored (the registry is used)
#
# A plan never takes the state lock (-lock=false): a PR plan must not fail while a deploy holds it, nor
# leave a stale lock when cancelled. A saved plan (tfplan) is still safe to apply: terraform refuses a
# plan whose state has changed since.
#   STAGE, AWS_REGION, ... see infra/config.ts and the README's Deploy section
set -euo pipefail
cd "$(dirname "$0")/.."

export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
STAGE="${STAGE:-dev}"
APP_NAME="${APP_NAME:-task-api}"
STACK="${APP_NAME}-${STAGE}"

if [[ -z "${TASK_API_OFFLINE:-}" ]]; then
  if [[ -n "${AWS_ACCESS_KEY_ID:-}${AWS_PROFILE:-}${AWS_WEB_IDENTITY_TOKEN_FILE:-}${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}" ]]; then
    TASK_API_OFFLINE=false
  else
    TASK_API_OFFLINE=true
    echo "No AWS credentials in the environment: planning offline (mock credentials, local state, no refresh)." >&2
  fi
fi
export TASK_API_OFFLINE STAGE APP_NAME

has_provider() { local aws="$1/registry.terraform.io/hashicorp/aws"; [[ -d "$aws/5.100.0" ]] || compgen -G "$aws/terraform-provider-aws_5.100.0_*" >/dev/null; }
if [[ -n "${TF_PLUGIN_DIR:-}" ]] && ! has_provider "$TF_PLUGIN_DIR"; then
  echo "TF_PLUGIN_DIR=$TF_PLUGIN_DIR holds no hashicorp/aws 5.100.0: ignoring it." >&2
  TF_PLUGIN_DIR=""
fi
if [[ -z "${TF_PLUGIN_DIR:-}" ]]; then
  for dir in /opt/tf-plugins "$PWD/.tf-plugins" "${HOME:-/nonexistent}/.terraform.d/plugins" /usr/share/terraform/plugins; do
    if has_provider "$dir"; then TF_PLUGIN_DIR="$dir"; break; fi
  done
fi

command -v terraform >/dev/null || { echo "terraform is not installed (https://developer.hashicorp.com/terraform/install)" >&2; exit 1; }

rm -rf "cdktf.out/stacks/$STACK"
npx tsx infra/main.ts
cd "cdktf.out/stacks/$STACK"

init_args=(-input=false -no-color)
if [[ -n "${TF_PLUGIN_DIR:-}" ]]; then
  init_args+=("-plugin-dir=$TF_PLUGIN_DIR")
elif [[ "$TASK_API_OFFLINE" == true ]]; then
  echo "No provider mirror found (set TF_PLUGIN_DIR); terraform init will try the registry." >&2
fi
terraform init "${init_args[@]}" >/dev/null

plan_args=(-input=false -no-color -lock=false -out=tfplan)
if [[ "$TASK_API_OFFLINE" == true ]]; then plan_args+=(-refresh=false); fi
terraform plan "${plan_args[@]}" >/dev/null

terraform show -no-color tfplan > ../../../plan.txt
terraform show -json tfplan > ../../../plan.json
cd ../../..
cat plan.txt
echo >&2
echo "Plan written to plan.txt and plan.json (stack $STACK, offline=$TASK_API_OFFLINE)." >&2

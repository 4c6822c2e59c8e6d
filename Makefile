# Task API. `make help` lists every target.
SHELL := bash
.DEFAULT_GOAL := help
STAGE ?= dev
export STAGE
# Terraform and cdktf ask checkpoint-api.hashicorp.com for news on every run: never (offline, CI, plans).
export CHECKPOINT_DISABLE := 1
# The SDK's notice that its 2027 releases need Node 22 (the README says which Node the project supports).
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED := true
VENV := .venv

.PHONY: help install tools build test bench openapi api-lint api-fuzz start stop smoke reshard synth plan deploy destroy clean rehearse policy

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

install: ## Install the pinned dependencies (npm ci)
	npm ci

tools: ## Install the pinned Python tools (moto, checkov, schemathesis: requirements-tools.txt) into .venv/
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "$$(grep -m1 '^uv==' requirements-tools.txt)"
	$(VENV)/bin/uv pip install --quiet --python $(VENV)/bin/python -r requirements-tools.txt
	@$(VENV)/bin/python -c "import moto, checkov, schemathesis" && echo "tools: moto, checkov and schemathesis installed in $(VENV)/"

rehearse: tools ## Deploy rehearsal: build, apply dev + prod to moto, re-plan (no changes), check the design, destroy
	npm run --silent rehearse

policy: tools ## checkov on the synthesized dev + prod stacks and the offline plan (skips listed in .checkov.yaml)
	npm run --silent policy

build: ## Bundle every route's handler into a deterministic dist/<handler>.zip
	npm run build

test: ## Type check, lint and run every suite (unit, infra, integration, end-to-end, deploy)
	npm test

bench: ## Bundle sizes, cold load times vs esbuild defaults, local and CLI start-up, each as a ratio to its baseline
	npm run bench

openapi: ## Regenerate docs/openapi.json from the route table (a test fails when it is stale)
	npm run openapi

api-lint: ## Spectral and Redocly on docs/openapi.json: zero errors, zero warnings (rules off only with a reason)
	npm run --silent api-lint

api-fuzz: tools ## schemathesis (all phases, two users) against a throw-away local mode: zero failures
	npm run --silent api-fuzz

start: ## Local mode: the whole API on http://localhost:3000
	npm start

stop: ## Stop the local stack of .local, wherever it was started (npm stop)
	npm stop

smoke: ## Walkthrough signup..delete via the CLI (local mode, or TARGET=dev [OUTPUTS=file.json])
	npx tsx scripts/smoke.ts

reshard: ## Move the status index to SHARDS=<n> shards, resumably (local mode's table; TABLE_NAME=<table> for a deployed one)
	npx tsx scripts/reshard.ts --shards "$(SHARDS)" $(if $(TABLE_NAME),--table "$(TABLE_NAME)")

synth: ## Synthesize the Terraform stack for STAGE into cdktf.out/ (needs `make build` first)
	npx cdktf synth

plan: build ## Build, synthesize and write the Terraform plan to plan.txt + plan.json (offline without AWS credentials)
	bash scripts/plan.sh

# --skip-provider-lock: `terraform init` records the provider this machine installs (registry or mirror);
# cdktf's extra `providers lock` would ask the registry even where a mirror serves the provider.
deploy: build ## Build, then `cdktf deploy` the STAGE stack (AUTO_APPROVE=1 skips the prompt)
	npx cdktf deploy --skip-provider-lock $(if $(AUTO_APPROVE),--auto-approve)

destroy: ## Destroy the STAGE stack; prod also needs CONFIRM_DESTROY_PROD=yes (and its deletion protection off)
	@if [ "$(STAGE)" = prod ] && [ "$(CONFIRM_DESTROY_PROD)" != yes ]; then \
	  echo "Refusing to destroy prod: run 'make destroy STAGE=prod CONFIRM_DESTROY_PROD=yes' if you really mean it." >&2; exit 1; fi
	npx cdktf destroy --skip-provider-lock $(if $(AUTO_APPROVE),--auto-approve)

clean: ## Remove build output and synthesized stacks (keeps local mode's data)
	rm -rf dist cdktf.out

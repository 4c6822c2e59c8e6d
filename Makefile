# Task API. `make help` lists every target.
SHELL := bash
.DEFAULT_GOAL := help
STAGE ?= dev
export STAGE

.PHONY: help install build test bench openapi start smoke synth plan deploy destroy clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

install: ## Install the pinned dependencies (npm ci)
	npm ci

build: ## Bundle every route's handler into a deterministic dist/<handler>.zip
	npm run build

test: ## Type check, lint and run every suite (unit, infra, integration, end-to-end)
	npm test

bench: ## Bundle sizes and cold load times against esbuild's defaults, with the budget
	npm run bench

openapi: ## Write the OpenAPI document derived from the route table to dist/openapi.json
	npm run openapi

start: ## Local mode: the whole API on http://localhost:3000
	npm start

smoke: ## Walkthrough signup..delete via the CLI (local mode, or TARGET=dev [OUTPUTS=file.json])
	npx tsx scripts/smoke.ts

clean: ## Remove build output and synthesized stacks (keeps local mode's data)
	rm -rf dist cdktf.out

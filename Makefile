# slmstack — run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT      ?= swift
PYTHON     ?= python3
CONFIG     ?= release
BIN        := .build/$(CONFIG)/slmstack
PROFILE    ?=
REGION     ?=
STACK      ?= slmstack
OUT        ?= out
PROMPT     ?= What is the capital of France?
DURATION   ?= 2h
# The release binary links the Swift runtime and Foundation statically: start-up is most of a synth.
STATIC     ?= --static-swift-stdlib
AWSFLAGS    = $(if $(PROFILE),--profile $(PROFILE)) $(if $(REGION),--region $(REGION)) --stack-name $(STACK)
TOOLS_VENV := .build/tools-venv
LOCALAWS_ENV ?= .localaws.env
LOCALAWS    = $(PYTHON) tools/localaws/localaws.py

.PHONY: help build deps test test-swift test-python check synth validate cost deploy destroy diff status invoke pause resume extend scan graph \
        sso-login demo local-up local-down local-status bench clean

help: ## Show the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "} {printf "  make %-13s %s\n", $$1, $$2}'
	@echo "  Variables: PROFILE=… REGION=… STACK=$(STACK) DURATION=$(DURATION) (e.g. make deploy PROFILE=ml-sage REGION=eu-west-2)"

build: ## Build the slmstack binary (release, static Swift runtime)
	$(SWIFT) build -c $(CONFIG) $(STATIC)

deps: ## Install the Python tools the tests use (moto, cfn-lint, pytest; checkov and troposphere in their own venv)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r tools/requirements-test.txt
	test -x $(TOOLS_VENV)/bin/checkov || { $(PYTHON) -m venv $(TOOLS_VENV) && \
	  $(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements-tools.txt; }

test: deps build ## Install the test tools, then run every test: Swift, the synth-and-diff check, pytest
	$(SWIFT) test 2>&1 | tee .build/swift-test.log | grep -vE '^\[[0-9]+/[0-9]+\]'; test $${PIPESTATUS[0]} -eq 0
	$(MAKE) --no-print-directory check
	$(PYTHON) -m pytest -q Tests

test-swift: ## Run only the Swift tests
	$(SWIFT) test

test-python: build ## Run only the pytest suites
	$(PYTHON) -m pytest -q Tests

check: build ## Re-synthesize and fail with a diff when templates/ drifts
	$(BIN) diff --against templates

synth: build ## Write the stack to $(OUT)/ (REGION=…, STACK=…)
	$(BIN) synth --out $(OUT) $(if $(REGION),--region $(REGION)) --stack-name $(STACK)

validate: build ## Validate the model without writing anything
	$(BIN) validate $(if $(REGION),--region $(REGION)) --stack-name $(STACK)

cost: build ## Estimate the monthly bill (REGION=…)
	$(BIN) cost $(if $(REGION),--region $(REGION)) --stack-name $(STACK)

deploy: build ## Deploy to AWS: make deploy PROFILE=ml-sage REGION=eu-west-2 (asks before applying)
	$(BIN) deploy $(AWSFLAGS)

destroy: build ## Delete the stack and check nothing is left billing (asks first)
	$(BIN) destroy $(AWSFLAGS)

diff: build ## Compare the deployed stack with the current model (change-set preview)
	$(BIN) diff $(AWSFLAGS)

status: build ## Stack, paused or running, time left, endpoint state and cost so far
	$(BIN) status $(AWSFLAGS)

pause: build ## Remove the endpoint and NAT gateway (the billable parts) until resume (asks first)
	$(BIN) pause $(AWSFLAGS)

resume: build ## Bring a paused stack's endpoint and NAT gateway back (asks first)
	$(BIN) resume $(AWSFLAGS)

extend: build ## Move the stack's expiry (deploy --ttl) later by DURATION=2h
	$(BIN) extend $(DURATION) $(AWSFLAGS)

scan: build ## Every SageMaker endpoint in the region: cost, use, owner; exit 3 on idle or unowned GPU ones
	$(BIN) scan $(if $(PROFILE),--profile $(PROFILE)) $(if $(REGION),--region $(REGION))

graph: build ## Redraw the architecture diagrams in templates/graph/ (Mermaid and DOT)
	$(BIN) graph --out templates/graph/slmstack.mmd
	$(BIN) graph --format dot --out templates/graph/slmstack.dot

invoke: build ## Send PROMPT="…" to the deployed API
	$(BIN) invoke "$(PROMPT)" $(AWSFLAGS)

sso-login: ## Log in to AWS SSO for PROFILE (needs the aws CLI)
	@if command -v aws >/dev/null 2>&1; then aws sso login $(if $(PROFILE),--profile $(PROFILE)); \
	else echo "the aws CLI is not installed: install it (pip install awscli, or AWS's installer) and run 'aws sso login --profile $(PROFILE)';" \
	  "slmstack itself reads the token cache that command writes"; exit 2; fi

local-up: ## Start the local AWS (patched moto, SigV4 verification on) and write $(LOCALAWS_ENV)
	$(LOCALAWS) start --env-file $(LOCALAWS_ENV)

local-down: ## Stop the local AWS
	$(LOCALAWS) stop --env-file $(LOCALAWS_ENV)

local-status: ## Is the local AWS running?
	$(LOCALAWS) status --env-file $(LOCALAWS_ENV)

demo: build ## The whole job on the embedded default against a local AWS: synth, cost, deploy (8 h TTL), status, invoke, pause, resume, extend, destroy
	@set -euo pipefail; \
	env_file=$$($(LOCALAWS) start --env-file .build/demo.localaws.env); \
	trap '$(LOCALAWS) stop --env-file .build/demo.localaws.env' EXIT; \
	set -a; . "$$env_file"; set +a; \
	export CI=$${CI:-true}; \
	step() { printf '\n\033[1m$$ %s\033[0m\n' "$$*"; "$$@"; }; \
	step $(BIN) synth --out $(OUT) --stack-name demo; \
	step $(BIN) cost --stack-name demo; \
	step $(BIN) deploy --yes --stack-name demo --ttl 8h; \
	step $(BIN) status --stack-name demo; \
	step $(PYTHON) tools/localaws/canned_answer.py "The capital of France is Paris."; \
	step $(BIN) invoke "$(PROMPT)" --stack-name demo; \
	step $(BIN) pause --yes --stack-name demo; \
	step $(BIN) resume --yes --stack-name demo; \
	step $(BIN) extend 2h --stack-name demo; \
	step $(BIN) destroy --yes --stack-name demo; \
	printf '\ndemo done: deployed, checked and destroyed on the local AWS; nothing is left running\n'

bench: build ## Benchmarks against peers, as ratios measured in one run
	$(PYTHON) bench/run.py

clean: ## Remove build output
	rm -rf .build out

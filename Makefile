# slmstack — run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT      ?= swift
# The Python that creates the virtual environments; every Python tool then runs from them.
PYTHON     ?= python3
BIN        := .build/release/slmstack
# `make test` runs the debug build, which `swift test` builds anyway: one build, not two.
TEST_BIN   := .build/debug/slmstack
PROFILE    ?=
REGION     ?=
STACK      ?= slmstack
OUT        ?= out
PROMPT     ?= What is the capital of France?
DURATION   ?= 2h
# How the release binary links (static when libcurl's and libxml2's dev files are present): tools/build-mode.
LINK       ?= auto
AWSFLAGS    = $(if $(PROFILE),--profile $(PROFILE)) $(if $(REGION),--region $(REGION)) --stack-name $(STACK)
TEST_VENV  := .build/test-venv
TOOLS_VENV := .build/tools-venv
VENV_PY    := $(TEST_VENV)/bin/python
LOCALAWS_ENV ?= .localaws.env
LOCALAWS    = $(VENV_PY) tools/localaws/localaws.py

.PHONY: help build venv deps test test-swift test-python check synth validate cost deploy destroy diff status invoke pause resume extend scan graph \
        sso-login demo local-up local-down local-status bench clean

help: ## Show the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "} {printf "  make %-13s %s\n", $$1, $$2}'
	@echo "  Variables: PROFILE=… REGION=… STACK=$(STACK) DURATION=$(DURATION) (e.g. make deploy PROFILE=ml-sage REGION=eu-west-2)"

build: ## Build the release binary (static Swift runtime when libcurl/libxml2 dev files are present; LINK=static|dynamic)
	@flags=$$(LINK=$(LINK) tools/build-mode) && $(SWIFT) build -c release $$flags

venv: ## Create the Python environments under .build/ from the pinned tools/requirements-*.txt (again only when one changes)
	@PYTHON=$(PYTHON) tools/venv $(TEST_VENV) tools/requirements-test.txt
	@PYTHON=$(PYTHON) tools/venv $(TOOLS_VENV) tools/requirements-tools.txt

deps: venv

test: venv ## Run every test: Swift, the synth-and-diff check, pytest; ends with the skipped suites
	@SWIFT=$(SWIFT) tools/run-tests

test-swift: ## Run only the Swift tests
	$(SWIFT) test

test-python: venv ## Run only the pytest suites (against the debug binary)
	$(SWIFT) build
	SLMSTACK_BIN=$(TEST_BIN) PATH="$(CURDIR)/$(TEST_VENV)/bin:$$PATH" $(VENV_PY) -m pytest -q Tests

check: ## Re-synthesize and fail with a diff when templates/ drifts
	$(SWIFT) build --product slmstack
	$(TEST_BIN) diff --against templates

synth: build ## Write the stack to $(OUT)/ (REGION=…, STACK=…)
	$(BIN) synth --out $(OUT) $(if $(REGION),--region $(REGION)) --stack-name $(STACK)

validate: build ## Validate the model without writing anything
	$(BIN) validate $(if $(REGION),--region $(REGION)) --stack-name $(STACK)

cost: build ## Estimate the monthly bill (REGION=…)
	$(BIN) cost $(if $(REGION),--region $(REGION)) --stack-name $(STACK)

preflight: build ## Check the account can take the stack (quotas, Lambda concurrency, API Gateway role, zones); read-only
	$(BIN) preflight $(AWSFLAGS)

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
	else echo "the aws CLI is not installed: install it (AWS's installer, or pipx install awscli) and run 'aws sso login --profile $(PROFILE)';" \
	  "slmstack itself reads the token cache that command writes"; exit 2; fi

local-up: venv ## Start the local AWS (patched moto, SigV4 verification on) and write $(LOCALAWS_ENV)
	$(LOCALAWS) start --env-file $(LOCALAWS_ENV)

local-down: ## Stop the local AWS
	$(LOCALAWS) stop --env-file $(LOCALAWS_ENV)

local-status: ## Is the local AWS running?
	$(LOCALAWS) status --env-file $(LOCALAWS_ENV)

# The binary the demo runs: the release build (made first), or the one given as BIN (.ci/run passes the
# debug build make test has just made, so CI does not build twice).
DEMO_BUILD = $(if $(filter .build/release/slmstack,$(BIN)),build)

demo: venv $(DEMO_BUILD) ## The whole job on the embedded default against a local AWS: synth, cost, deploy (8 h TTL), status, invoke, pause, resume, extend, destroy
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
	step $(VENV_PY) tools/localaws/canned_answer.py "The capital of France is Paris."; \
	step $(BIN) invoke "$(PROMPT)" --stack-name demo; \
	step $(BIN) pause --yes --stack-name demo; \
	step $(BIN) resume --yes --stack-name demo; \
	step $(BIN) extend 2h --stack-name demo; \
	step $(BIN) destroy --yes --stack-name demo; \
	printf '\ndemo done: deployed, checked and destroyed on the local AWS; nothing is left running\n'

bench: venv build ## Benchmarks against peers, as ratios measured in one run
	PATH="$(CURDIR)/$(TEST_VENV)/bin:$$PATH" $(VENV_PY) bench/run.py

clean: ## Remove build output
	rm -rf .build out

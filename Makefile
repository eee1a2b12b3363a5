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
AWSFLAGS    = $(if $(PROFILE),--profile $(PROFILE)) $(if $(REGION),--region $(REGION)) --stack-name $(STACK)

.PHONY: help build deps test test-swift test-python check synth validate bench clean

help: ## Show the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN{FS=":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

build: ## Build the slmstack binary (release)
	$(SWIFT) build -c $(CONFIG)

TOOLS_VENV := .build/tools-venv

deps: ## Install the Python tools the tests use (moto, cfn-lint, pytest; checkov and troposphere in their own venv)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r tools/requirements-test.txt
	test -x $(TOOLS_VENV)/bin/checkov || { $(PYTHON) -m venv $(TOOLS_VENV) && \
	  $(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements-tools.txt; }

test: build ## Run every test: Swift, pytest, the synth-and-diff check
	$(SWIFT) test 2>&1 | tee .build/swift-test.log | grep -vE '^\[[0-9]+/[0-9]+\]'; test $${PIPESTATUS[0]} -eq 0
	$(MAKE) --no-print-directory check
	$(PYTHON) -m pytest -q Tests

test-swift: ## Run only the Swift tests
	$(SWIFT) test

test-python: ## Run only the pytest suites
	$(PYTHON) -m pytest -q Tests

check: build ## Re-synthesize and fail with a diff when templates/ drifts
	$(BIN) diff --against templates

synth: build ## Write the default stack to $(OUT)/
	$(BIN) synth --out $(OUT) $(AWSFLAGS)

validate: build ## Validate the model without writing anything
	$(BIN) validate $(AWSFLAGS)

bench: build ## Benchmarks against peers, as ratios measured in one run
	$(PYTHON) bench/run.py

clean: ## Remove build output
	rm -rf .build out

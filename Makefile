# Panjereh — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The services are declared once, in services.toml (kit.registry reads it; stdlib only, so it
# runs before anything is installed). A service's test support, services/<name>/tests/support,
# (and kit's) is installed when it has a pyproject.toml.
SERVICES := $(shell cd services/kit && $(PYTHON) -m kit.registry names)
ifeq ($(strip $(SERVICES)),)
$(error services.toml lists no service, or $(PYTHON) cannot read it (Python 3.11+ needed))
endif
TEST_SUPPORT := $(foreach s,kit $(SERVICES),$(if $(wildcard services/$(s)/tests/support/pyproject.toml),services/$(s)/tests/support))
EDITABLES := -e services/contract -e 'services/kit[embedded]' $(foreach s,$(SERVICES),-e services/$(s)/client -e services/$(s)) \
	$(foreach d,$(TEST_SUPPORT),-e $(d)) -e gateway
STAMP := $(VENV)/.installed
INSTALL_INPUTS := services.toml requirements-dev.txt constraints.txt services/contract/pyproject.toml services/kit/pyproject.toml gateway/pyproject.toml \
	$(foreach s,$(SERVICES),services/$(s)/pyproject.toml services/$(s)/client/pyproject.toml) \
	$(foreach d,$(TEST_SUPPORT),$(d)/pyproject.toml)

.DEFAULT_GOAL := help
.PHONY: help install run test lint format openapi migrate new-service bench bench-quick clean print-%

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(STAMP) ## Create .venv and install every package and the dev tools

$(STAMP): $(INSTALL_INPUTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt $(EDITABLES) -r requirements-dev.txt
	@touch $(STAMP)

run: install ## Start embedded PostgreSQL, migrate, seed, and run every service and the gateway
	PANJEREH_SANDBOX=$${PANJEREH_SANDBOX:-1} $(BIN)/python deploy/local/run.py

test: install ## Run the whole test suite against a real PostgreSQL
	$(BIN)/python -m pytest

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: install ## Write openapi/<service>.json and openapi/panjereh.json from the apps
	$(BIN)/python openapi/export.py openapi

migrate: install ## Migrate every service to head (DATABASE_URL, else the .data/ embedded server)
	$(BIN)/python deploy/local/run.py --migrate-only

new-service: install ## Add a service: NAME=x PORT=8006 DESCRIPTION="one line" [PREFIX=/x] [SUMMARY=...] [EXAMPLE=no] (services/README.md)
	@test -n "$(NAME)" -a -n "$(PORT)" -a -n "$(DESCRIPTION)" || { echo 'usage: make new-service NAME=x PORT=8006 DESCRIPTION="one line" [PREFIX=/x] [EXAMPLE=no]'; exit 64; }
	$(BIN)/python deploy/new_service.py "$(NAME)" --port "$(PORT)" --description "$(DESCRIPTION)" \
		$(if $(PREFIX),--prefix "$(PREFIX)") $(if $(SUMMARY),--summary "$(SUMMARY)") $(if $(filter no,$(EXAMPLE)),--no-example)
	$(MAKE) install

bench: install ## Run every benchmark under bench/ (prints ratios against its baseline)
	$(BIN)/python bench/run_all.py

bench-quick: install ## Every benchmark, 2 s a target, targets not judged: does each still run?
	$(BIN)/python bench/run_all.py --quick

print-%: # make print-SERVICES: a variable's value (tests/test_service_registry.py reads them)
	$(info $($*))
	@:

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) .data .pytest_cache .ruff_cache

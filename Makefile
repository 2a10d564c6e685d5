# Panjereh — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SERVICES := identity orders permits transit rules
EDITABLES := -e 'services/kit[embedded]' $(foreach s,$(SERVICES),-e services/$(s)/client -e services/$(s)) -e gateway
EDITABLES += -e services/contract
STAMP := $(VENV)/.installed
INSTALL_INPUTS := requirements-dev.txt constraints.txt services/kit/pyproject.toml gateway/pyproject.toml \
	$(foreach s,$(SERVICES),services/$(s)/pyproject.toml services/$(s)/client/pyproject.toml)

.DEFAULT_GOAL := help
.PHONY: help install run test lint format openapi migrate bench bench-quick clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(STAMP) ## Create .venv and install every package and the dev tools

$(STAMP): $(INSTALL_INPUTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt $(EDITABLES) -r requirements-dev.txt
	@touch $(STAMP)

run: install ## Start embedded PostgreSQL, migrate, seed, and run the 5 services and the gateway
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
	$(BIN)/python -m gateway.export_openapi openapi

migrate: install ## Migrate every service to head (DATABASE_URL, else the .data/ embedded server)
	$(BIN)/python deploy/local/run.py --migrate-only

bench: install ## Run every benchmark under bench/ (prints ratios against its baseline)
	$(BIN)/python bench/run_all.py

bench-quick: install ## Every benchmark, 2 s a target, targets not judged: does each still run?
	$(BIN)/python bench/run_all.py --quick

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) .data .pytest_cache .ruff_cache

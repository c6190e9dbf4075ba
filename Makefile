# Two entry points for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NODE_TOOLS := devtools/node

.PHONY: tools system-packages run test inspect fuzz lint format clean

# The virtual environment is rebuilt only when the requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	# pip, not python: a venv made without ensurepip (no python3-venv) has python but no pip.
	test -x $(BIN)/pip || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# mongosh (runs docker/mongo-init/ as the mongo image does) and Mongo Express, from the lock file.
$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20.19+) is needed for mongosh and Mongo Express"; exit 1; }
	npm ci --prefix $(NODE_TOOLS) --no-audit --no-fund --loglevel=error
	touch $@

# Debian's nginx (the rehearsal of the compose stack's proxy) and Chromium (the viewer's browser
# test), installed here when missing and the machine allows it (root with apt-get).
SYSTEM_PACKAGES := nginx chromium
system-packages:
	@missing=""; for package in $(SYSTEM_PACKAGES); do \
	  command -v $$package >/dev/null || test -x /usr/sbin/$$package || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "The tests need Debian's$$missing: install them with apt-get"; exit 1; fi; fi

tools: $(VENV)/.installed $(NODE_TOOLS)/node_modules/.installed

run: tools
	$(BIN)/python -m devtools.serve

test: tools system-packages lint
	$(BIN)/python -m pytest

inspect: tools
	$(BIN)/python -m devtools.inspect

# schemathesis' examples, coverage and fuzzing phases against a server of its own, as a user and
# as an admin, FUZZ_MINUTES (default 10) each; see devtools/fuzz.py for the other settings.
fuzz: $(VENV)/.installed
	$(BIN)/python -m devtools.fuzz

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(NODE_TOOLS)/node_modules .pytest_cache .ruff_cache

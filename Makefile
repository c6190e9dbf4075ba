# Two entry points for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NODE_TOOLS := devtools/node

.PHONY: tools run test inspect lint format clean

# The virtual environment is rebuilt only when the requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# mongosh (runs docker/mongo-init/ as the mongo image does) and Mongo Express, from the lock file.
$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is needed for mongosh and Mongo Express"; exit 1; }
	npm ci --prefix $(NODE_TOOLS) --no-audit --no-fund --loglevel=error
	touch $@

tools: $(VENV)/.installed $(NODE_TOOLS)/node_modules/.installed

run: tools
	$(BIN)/python -m devtools.serve

test: tools lint
	$(BIN)/python -m pytest

inspect: tools
	$(BIN)/python -m devtools.inspect

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(NODE_TOOLS)/node_modules .pytest_cache .ruff_cache

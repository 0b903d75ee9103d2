# Two commands on a fresh machine: `make run` (local server, fake adapter) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
NODE_TOOLS := tools/mcp/node_modules/.installed tools/appsync/node_modules/.installed

.PHONY: run test lint lock tools clean claude-config bench

run: $(STAMP)
	$(BIN)/company-mcp serve

test: $(STAMP) $(NODE_TOOLS)
	$(BIN)/ruff check .
	$(BIN)/pytest

# Benchmarks (bench/README.md): one run, every figure against a baseline measured in the same run.
bench: $(STAMP)
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

tools: $(NODE_TOOLS)
tools/mcp/node_modules/.installed: tools/mcp/package.json tools/mcp/package-lock.json
	cd tools/mcp && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The AppSync simulator the company API's SDL and resolver are tested against (tests/integration/test_appsync_simulator.py).
tools/appsync/node_modules/.installed: tools/appsync/package.json tools/appsync/package-lock.json
	cd tools/appsync && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Re-lock after changing dependencies in pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip && .lock-venv/bin/pip install --quiet ".[test]"
	.lock-venv/bin/pip freeze --exclude company-mcp > requirements.lock
	rm -rf .lock-venv

# Prints a Claude Desktop config entry for this checkout (paste into claude_desktop_config.json).
claude-config: $(STAMP)
	@printf '{\n  "mcpServers": {\n    "company-data": {\n      "command": "%s",\n      "args": ["serve", "--transport", "stdio"]\n    }\n  }\n}\n' "$(abspath $(BIN))/company-mcp"

clean:
	rm -rf $(VENV) tools/mcp/node_modules tools/appsync/node_modules

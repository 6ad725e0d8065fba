# The two commands of the contract: `make demo` and `make test`. Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench screenshots install system clean mixin app-server
# Debian programs some tests need (program=package); `make system` installs what is missing.
SYSTEM := chromium=chromium prometheus=prometheus promtool=prometheus \
	prometheus-alertmanager=prometheus-alertmanager amtool=prometheus-alertmanager \
	zsh=zsh fish=fish man=man-db groff=groff-base

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ohtop --demo

lint: $(STAMP)
	$(BIN)/ruff check tui tests bench scripts
	$(BIN)/ruff format --check tui tests bench scripts
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q --durations=30

system:
	@$(PY) scripts/system_packages.py $(SYSTEM)

test: lint typecheck system unit

bench: $(STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py
	PYTHONPATH=. $(BIN)/python scripts/screenshots_web.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache .system-packages

# Render deploy/mixin (jsonnet) to deploy/mixin/rendered/ after editing a .libsonnet file.
mixin: $(STAMP)
	$(BIN)/python scripts/mixin.py

# The real app server (openhands-ai 1.11.0, ~1 GB venv, minutes): delta polling against it.
# Needs the peer harness (../shared/peer, or OHTOP_PEER_DIR). Not part of `make test`.
app-server: $(STAMP)
	OHTOP_APP_SERVER_TEST=1 $(BIN)/pytest -q -m appserver tests/system/test_real_app_server.py

# The README's two commands. Both create .venv at the repository root on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install clean docs vscode

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --only-binary=sqlglotc -e '.[test,speedups]' \
		|| echo "sqlglotc has no wheel here: the tests run on plain sqlglot"
	touch $@

demo: install
	@echo "== prodready index fixtures/django_saas"
	$(BIN)/prodready index fixtures/django_saas
	@echo
	@echo "== prodready check fixtures/django_saas (exit code 1 means findings were reported)"
	$(BIN)/prodready check fixtures/django_saas || test $$? -eq 1

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -q

# The VS Code extension: unit tests, then editors/vscode/prodready.vsix (needs node and npm).
vscode:
	cd editors/vscode && npm ci --no-audit --no-fund && npm test && npm run package

docs: install
	$(BIN)/python -m analyzer.docs docs/rules

clean:
	rm -rf $(VENV) build *.egg-info

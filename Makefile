# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv themselves and
# install exactly what requirements/*.txt pins, with hashes (regenerate those with `make lock`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
SYSTEM := $(VENV)/.installed-system

.PHONY: demo test lint-kb check bench eval lock test-latest test-min system-packages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "replykit needs Python 3.11 or newer: run make PYTHON=python3.11 ..." or 0)'
	$(PYTHON) -m venv $(VENV)

# The build backend comes from the lock too (no build isolation: nothing unpinned is fetched).
$(RUNTIME): $(BIN)/python requirements/build.txt requirements/runtime.txt pyproject.toml
	$(PIP) install --require-hashes --no-deps -r requirements/build.txt -r requirements/runtime.txt
	$(PIP) install --no-deps --no-build-isolation -e .
	$(BIN)/python -m compileall -q src >/dev/null  # bytecode, as a regular install has it
	touch $@

$(DEV): $(RUNTIME) requirements/dev.txt
	$(PIP) install --require-hashes --no-deps -r requirements/dev.txt
	touch $@

# Debian packages the tests drive for real (a browser, gettext's msgfmt, ...): system-packages.txt.
$(SYSTEM): system-packages.txt scripts/system-packages.sh | $(BIN)/python
	scripts/system-packages.sh system-packages.txt
	touch $@

system-packages: $(SYSTEM)

demo: $(RUNTIME)
	$(BIN)/replykit suggest --kb . "Hi, where is my parcel? I ordered 10 days ago and tracking hasn't moved"
	$(BIN)/replykit suggest --kb . "荷物がまだ届いてないのですが、どうなっていますか"
	$(BIN)/replykit render track-order --kb . --locale de --order examples/order.yaml

test: $(DEV) $(SYSTEM)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/replykit lint .
	$(BIN)/pytest

check: test

bench: $(DEV)
	$(BIN)/python bench/run.py

eval: $(DEV)
	$(BIN)/python ../shared/eval/score.py --replykit '$(BIN)/replykit' --timing
	$(BIN)/python bench/eval_sample_kb.py

# Regenerates the hashed lock files from pyproject.toml (pip-tools in .venv-lock); commit them.
lock:
	PYTHON=$(PYTHON) scripts/lock.sh

# The suite against the newest release of every dependency (no lock): what next month brings.
test-latest: $(SYSTEM)
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip setuptools
	.venv-latest/bin/python -m pip install --quiet --upgrade -e '.[dev]'
	.venv-latest/bin/python -m pip list --format=freeze | grep -v '^-e' > .venv-latest/versions.txt
	cd . && PATH="$(CURDIR)/.venv-latest/bin:$$PATH" .venv-latest/bin/pytest

# The suite against the lowest version pyproject.toml admits for each direct dependency.
test-min: $(SYSTEM)
	rm -rf .venv-min
	$(PYTHON) -m venv .venv-min
	.venv-min/bin/python scripts/lower_bounds.py pyproject.toml > .venv-min/lower-bounds.txt
	.venv-min/bin/python -m pip install --quiet -c .venv-min/lower-bounds.txt -e '.[dev]'
	PATH="$(CURDIR)/.venv-min/bin:$$PATH" .venv-min/bin/pytest

clean:
	rm -rf $(VENV) .venv-latest .venv-min .pytest_cache .mypy_cache .ruff_cache

# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint-kb check bench eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src >/dev/null  # bytecode, as a regular install has it
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/replykit suggest --kb . "Hi, where is my parcel? I ordered 10 days ago and tracking hasn't moved"
	$(BIN)/replykit suggest --kb . "荷物がまだ届いてないのですが、どうなっていますか"
	$(BIN)/replykit render track-order --kb . --locale de --order examples/order.yaml

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/replykit lint .
	$(BIN)/pytest

check: test

bench: $(STAMP)
	$(BIN)/python bench/run.py

eval: $(STAMP)
	$(BIN)/python ../shared/eval/score.py --replykit '$(BIN)/replykit' --timing

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

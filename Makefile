# The few commands a newcomer needs. `make install` once, then `make run`, `make test`, `make lint`
# (`make docs` after a change that moves the answers the docs show: docs/development.md).
# Override on the command line: `make run PORT=8090`, `make install PYTHON=python3`.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: install run test lint docs bench clean import export

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python  ## the virtualenv, with the project editable and the test and lint tools
	$(BIN)/pip install -e '.[dev]'

run:  ## the service on $(HOST):$(PORT); an embedded Redis (data in ./data) unless REDIS_URL is set
	$(BIN)/provenance serve --host $(HOST) --port $(PORT)

test:  ## the test suite; on REDIS_URL when set, else on an embedded Redis
	$(BIN)/pytest

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy service schemas

docs:  ## run the examples of README.md and docs/ on a fresh service; rewrite the answers that changed
	$(BIN)/python tools/docs_answers.py --write

bench:  ## the quality benchmark of ../shared against a running service (make run first)
	$(BIN)/python ../shared/bench/evaluate.py --base-url $(BASE_URL)

import:  ## articles into the running service: make import SRC=archive/ (a directory or an .ndjson file); resumable
	$(BIN)/provenance import $(SRC) --url $(BASE_URL)

export:  ## every stored article of the running service as NDJSON: make export OUT=all.ndjson
	$(BIN)/provenance export --url $(BASE_URL) -o $(OUT)

clean:  ## caches and build output; keeps $(VENV) and ./data (the index)
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache tests/artifacts
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

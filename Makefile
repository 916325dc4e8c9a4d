# Developer commands. `make test` is the README's test command and what CI runs.
UV := $(shell scripts/bootstrap-uv)
RUN := $(UV) run --frozen

.PHONY: test sync lint format typecheck imports unit bench

test: sync lint typecheck imports unit ## everything CI checks

sync:
	$(UV) sync --frozen

lint:
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format:
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

typecheck:
	$(RUN) mypy

imports:
	$(RUN) lint-imports

unit:
	$(RUN) pytest

bench:
	$(RUN) python -m bench.bench_validate

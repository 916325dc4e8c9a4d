# Developer commands. `make run` and `make test` are the README's two set-up commands;
# `make test` is exactly what CI runs (.ci/run).
UV := $(shell scripts/bootstrap-uv)
RUN := $(UV) run --frozen

.PHONY: run test sync lint format typecheck imports tests unit bench bench-service store-init hooks

run: sync ## the service on http://127.0.0.1:8000 (SQLite, offline provider, printed dev key)
	$(RUN) dgs serve

test: sync lint typecheck imports tests ## everything CI checks

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

tests: ## every test, the slow ones too
	$(RUN) pytest

unit: ## the fast tests, in under a minute (`slow`: moto, test servers, processes, long property runs)
	$(RUN) pytest -m "not slow"

bench: sync ## validation, Lambda package and cold start, LLM schema sizes (a minute)
	$(RUN) python -m bench.bench_validate
	$(RUN) python -m bench.bench_lambda
	$(RUN) python -m bench.bench_llm_schema

bench-service: sync ## the running service: generation, listing (needs wrk), hostile validation (~15 min)
	$(RUN) python -m bench.bench_generation
	$(RUN) python -m bench.bench_listing
	$(RUN) python -m bench.bench_hostile_validate

store-init: sync
	$(RUN) dgs store init

hooks: sync ## install the pre-commit hooks
	$(RUN) pre-commit install

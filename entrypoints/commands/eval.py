"""``dgs eval``: run topics through the service's pipeline and report how it did.

Writes ``results.jsonl`` (one line per run, as runs end), ``report.json`` and a
self-contained ``report.html`` into ``--out``; prints a progress bar and a summary. The
same command with the same ``--out`` resumes an interrupted evaluation. Exit codes: 0
the report was written (its ``status`` says whether every run was done), 2 bad input or
setting, 3 store unavailable, 130 interrupted (the finished runs are kept).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.eval.directory import EvalDirectory, ResumeConflictError
from adapters.eval.topic_files import builtin_topics, read_topics
from application.errors import ApplicationError, StoreUnavailableError
from application.evaluation.outcome import RunResult, run_key
from application.evaluation.report import build_report
from application.evaluation.runner import EvalRunner, RunnerOutcome, plan_runs
from application.evaluation.token_model import CHARS_PER_TOKEN
from application.evaluation.topics import EvalTopic, TopicError
from entrypoints.commands import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNAVAILABLE
from entrypoints.commands.eval_terminal import EvalProgress, summary_lines
from entrypoints.container import shutdown
from entrypoints.eval_wiring import (
    DEFAULT_CONFIG,
    EvalConfig,
    OpenedConfig,
    open_config,
    read_config,
)
from entrypoints.settings import SettingsError, load_settings


def evaluate(args: argparse.Namespace) -> int:
    """Run the evaluation the arguments describe."""
    try:
        base = load_settings()
        topics = read_topics(Path(args.topics)) if args.topics else builtin_topics()
        configs = (
            [read_config(Path(path), base) for path in args.compare]
            if args.compare
            else [EvalConfig(DEFAULT_CONFIG, base)]
        )
        if len({config.name for config in configs}) != len(configs):
            raise SettingsError("the two CONFIG files need different names (file names)")
    except (SettingsError, TopicError) as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    directory = EvalDirectory(Path(args.out))
    try:
        return asyncio.run(_evaluate(args, topics, configs, directory))
    except (SettingsError, TopicError, ResumeConflictError) as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except StoreUnavailableError as exc:
        return _fail(str(exc), EXIT_UNAVAILABLE)
    except ApplicationError as exc:  # e.g. a model that cannot do structured output
        return _fail(f"{exc.code}: {exc}", EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return _fail(
            f"interrupted; the finished runs are kept in {args.out}: "
            "run the same command again to resume",
            EXIT_INTERRUPTED,
        )


async def _evaluate(
    args: argparse.Namespace,
    topics: list[EvalTopic],
    configs: list[EvalConfig],
    directory: EvalDirectory,
) -> int:
    opened: list[OpenedConfig] = []
    try:
        for config in configs:
            store = (
                None
                if args.use_configured_store
                else directory.store_dir / f"{config.name}.sqlite3"
            )
            opened.append(open_config(config, store))
        done = directory.open({config.name: config.fingerprint for config in opened})
        wanted = {
            run_key(config.name, topic.topic_id, run)
            for config in opened
            for topic in topics
            for run in range(1, args.runs + 1)
        }
        results = {key: result for key, result in done.items() if key in wanted}
        plan = await plan_runs(
            topics, args.runs, {config.name: config.estimator for config in opened}, results
        )
        await _warn_unpriced(opened, topics[0], args.max_cost)
        print(
            f"dgs eval: {len(topics)} topic(s) x {args.runs} run(s) x {len(opened)} "
            f"configuration(s): {len(results)} done, {len(plan)} to run -> {directory.path}",
            file=sys.stderr,
        )
        keep = _Keep(directory, results)
        progress = EvalProgress(len(plan), sys.stdout, bar=sys.stdout.isatty())
        runner = EvalRunner(
            {config.name: config.pipeline for config in opened},
            keep,
            concurrency=args.concurrency,
            budget_usd=args.max_cost,
            spent_usd=sum(result.cost_usd for result in results.values()),
            listener=progress,
        )
        outcome = await runner.run(plan)
        progress.end()
    finally:
        directory.close()
        for ready in opened:
            await shutdown(ready.container)
    report = build_report(
        _by_config(results, [ready.name for ready in opened]),
        _run_info(args, topics, opened, outcome, len(wanted), len(results)),
    )
    json_path, html_path = directory.write_report(report)
    print("\n".join(summary_lines(report)))
    if outcome.stopped_by_budget:
        print(
            f"stopped before exceeding --max-cost {args.max_cost}: "
            f"{outcome.not_started} run(s) not started",
        )
    print(f"report: {json_path} and {html_path}")
    return EXIT_OK


class _Keep:
    """The results file, and the results of this invocation for the report."""

    def __init__(self, directory: EvalDirectory, results: dict[str, RunResult]) -> None:
        self._directory = directory
        self._results = results

    def append(self, result: RunResult) -> None:
        self._directory.append(result)
        self._results[result.key] = result


def _by_config(results: dict[str, RunResult], names: list[str]) -> dict[str, list[RunResult]]:
    grouped: dict[str, list[RunResult]] = defaultdict(list)
    for result in results.values():
        grouped[result.config].append(result)
    return {name: grouped[name] for name in names}


def _run_info(
    args: argparse.Namespace,
    topics: list[EvalTopic],
    opened: list[OpenedConfig],
    outcome: RunnerOutcome,
    planned: int,
    done: int,
) -> dict[str, Any]:
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "topics": len(topics),
        "runs_per_topic": args.runs,
        "configurations": {config.name: config.fingerprint for config in opened},
        "store": "configured" if args.use_configured_store else "evaluation (store/ in --out)",
        "token_estimate": f"about {CHARS_PER_TOKEN} characters per token",
        "status": {
            "planned": planned,
            "done": done,
            "remaining": planned - done,
            "stopped_by_budget": outcome.stopped_by_budget,
            "not_started": outcome.not_started,
            "max_cost_usd": args.max_cost,
            "spent_usd": outcome.spent_usd,
        },
    }


async def _warn_unpriced(
    opened: list[OpenedConfig], topic: EvalTopic, max_cost: float | None
) -> None:
    for config in opened:
        unpriced = sorted(
            {f"{r.provider}/{r.model}" for r in (await config.estimator(topic.request)).unpriced}
        )
        if unpriced:
            guard = "; --max-cost cannot guard them" if max_cost is not None else ""
            print(
                f"dgs eval: {config.name}: no price for {', '.join(unpriced)} "
                f"(adapters/llm/catalogue.json): their cost is reported as 0{guard}",
                file=sys.stderr,
            )


def _fail(message: str, code: int) -> int:
    print(f"dgs eval: {message}", file=sys.stderr)
    return code

"""An evaluation's output directory: results appended per run, a manifest, the reports.

``results.jsonl`` gets one line per finished run, flushed to disk at once, so a run that
is interrupted (Ctrl-C, a crash, a kill) loses at most the runs in flight: the next
invocation with the same ``--out`` skips every run already there. ``manifest.json``
records what each configuration was (its models and prompt version): resuming with a
configuration that changed under the same name is refused rather than mixing results.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from adapters.eval.report_html import render
from adapters.json_input import JsonInputError, decode_json
from application.evaluation.outcome import RunResult

RESULTS = "results.jsonl"
MANIFEST = "manifest.json"
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"


class ResumeConflictError(ValueError):
    """The directory holds results of another configuration under the same name."""


class EvalDirectory:
    """The files of one evaluation; ``append`` is the runner's ``ResultSink``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._results: IO[str] | None = None

    @property
    def store_dir(self) -> Path:
        """Where the evaluation's own stores go (one SQLite file per configuration)."""
        return self.path / "store"

    def open(self, configs: Mapping[str, Mapping[str, Any]]) -> dict[str, RunResult]:
        """Create or resume the directory for ``configs``; the results already there."""
        self.path.mkdir(parents=True, exist_ok=True)
        manifest_path = self.path / MANIFEST
        known: dict[str, Any] = {}
        if manifest_path.exists():
            known = json.loads(manifest_path.read_text(encoding="utf-8")).get("configs", {})
        for name, fingerprint in configs.items():
            if name in known and known[name] != dict(fingerprint):
                raise ResumeConflictError(
                    f"{self.path} holds results of another configuration named {name!r} "
                    f"(was {known[name]}, now {dict(fingerprint)}); use another --out"
                )
        manifest = {"configs": {**known, **{k: dict(v) for k, v in configs.items()}}}
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        done = self._read()
        self._results = (self.path / RESULTS).open("a", encoding="utf-8")
        return done

    def append(self, result: RunResult) -> None:
        """Add one finished run, durably, before the next one is reported."""
        assert self._results is not None, "open() first"
        self._results.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        self._results.flush()
        os.fsync(self._results.fileno())

    def write_report(self, report: dict[str, Any]) -> tuple[Path, Path]:
        """Write ``report.json`` and ``report.html`` (each replaced whole, never half written)."""
        json_path, html_path = self.path / REPORT_JSON, self.path / REPORT_HTML
        _replace(json_path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        _replace(html_path, render(report))
        return json_path, html_path

    def close(self) -> None:
        """Close the results file."""
        if self._results is not None:
            self._results.close()
            self._results = None

    def _read(self) -> dict[str, RunResult]:
        path = self.path / RESULTS
        if not path.exists():
            return {}
        text = path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            # The last line was cut by an interruption: end it, so the next run starts its own.
            with path.open("a", encoding="utf-8") as results:
                results.write("\n")
        done: dict[str, RunResult] = {}
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                result = RunResult.from_dict(decode_json(line))
            except (JsonInputError, KeyError, TypeError, ValueError):
                continue  # a line cut short: that run is done again
            done[result.key] = result
        return done


def _replace(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)

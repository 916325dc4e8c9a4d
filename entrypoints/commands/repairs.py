"""``dgs repairs export``: the repair log as a fine-tuning dataset (OpenAI chat JSONL).

With ``--out FILE`` the examples go to FILE and the held-out ones to its sibling
(``train.jsonl`` and ``train.holdout.jsonl``), both replaced only once the export is
complete; the counts are printed. Without ``--out`` the examples go to standard output
and the counts to standard error. Exit codes: 0 written, 2 bad option, setting or FILE,
3 store unavailable.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import TextIO

from adapters.llm.chat_examples import FORMAT
from application.evaluation.token_model import CHARS_PER_TOKEN
from application.use_cases.export_repairs import SKIP_REASONS, ExportCounts, ExportOptions, Split
from entrypoints.commands import EXIT_BAD_INPUT, EXIT_OK
from entrypoints.commands.terminal import fail
from entrypoints.commands.with_container import run_with_container
from entrypoints.container import Container

_NAME = "repairs export"
DUPLICATE = "the same system and user messages as an earlier record"
# OpenAI's fine-tuning guide: "you are required to provide at least 10 examples".
OPENAI_MIN_EXAMPLES = 10


def holdout_path(out: Path) -> Path:
    """Where the held-out examples of ``out`` go: ``name.holdout.ext`` beside it."""
    return out.with_name(f"{out.stem}.holdout{out.suffix}")


def export(args: argparse.Namespace) -> int:
    """Export the repair log; print the counts and the token estimate."""
    out: Path | None = None if args.out in (None, "-") else Path(args.out)
    if args.holdout and out is None:
        return fail(
            _NAME, "--holdout needs --out FILE (held-out examples go beside it)", EXIT_BAD_INPUT
        )
    options = ExportOptions(since=args.since, task=args.task, holdout=args.holdout, seed=args.seed)

    async def work(container: Container) -> int:
        try:
            with _outputs(out) as files:
                counts = await container.export_repairs()(options, partial(_write, files))
        except OSError as exc:
            if out is None:  # standard output closed (`| head`): the CLI's exit 141
                raise
            return fail(_NAME, f"cannot write {out}: {exc.strerror or exc}", EXIT_BAD_INPUT)
        report = sys.stdout if out is not None else sys.stderr
        print("\n".join(summary(counts, options, out)), file=report)
        return EXIT_OK

    return run_with_container(_NAME, work)


def _write(files: dict[Split, TextIO], split: Split, line: str) -> None:
    files[split].write(line + "\n")


@contextmanager
def _outputs(out: Path | None) -> Iterator[dict[Split, TextIO]]:
    """The file of each split, or standard output without ``--out``.

    Files are written under temporary names beside their targets and renamed over them
    once all is written, so an interrupted export leaves the previous files as they were.
    """
    if out is None:
        yield {"train": sys.stdout, "holdout": sys.stdout}  # no --holdout: never held out
        return
    targets: dict[Split, Path] = {"train": out, "holdout": holdout_path(out)}
    out.parent.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        files: dict[Split, tuple[TextIO, Path]] = {}
        for split, target in targets.items():
            handle, name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=out.parent
            )
            temporary = Path(name)
            stack.callback(temporary.unlink, missing_ok=True)  # gone once renamed
            file = stack.enter_context(os.fdopen(handle, "w", encoding="utf-8"))
            files[split] = (file, temporary)
        yield {split: written for split, (written, _) in files.items()}
        for split, (written, done) in files.items():
            written.close()
            done.replace(targets[split])


def summary(counts: ExportCounts, options: ExportOptions, out: Path | None) -> list[str]:
    """The counts, the reason for each skip and the token estimate, as a small table."""
    since = f" since {options.since.isoformat()}" if options.since else ""
    lines = [
        f"{'records read':22}{counts.read:>6}  {counts.valid} whose repair ended valid{since}",
        f"{'skipped':22}{sum(counts.skipped.values()):>6}",
    ]
    for reason, why in SKIP_REASONS.items():
        if reason in counts.skipped:
            lines.append(f"  {reason:20}{counts.skipped[reason]:>6}  {why}")
    lines.append(f"{'duplicates':22}{counts.duplicates:>6}  {DUPLICATE}")
    files: dict[Split, Path | None] = {"train": out, "holdout": out and holdout_path(out)}
    for split, path in files.items():
        if split == "train" or path is not None:
            where = path or "standard output"
            tokens = f"~{counts.tokens[split]:,} tokens"
            lines.append(f"{split:22}{counts.examples[split]:>6}  {tokens:<16}  {where}")
    lines.append(
        f"{options.task} examples, {FORMAT}; tokens at about {CHARS_PER_TOKEN} characters "
        "a token (one epoch)"
    )
    if counts.examples["train"] < OPENAI_MIN_EXAMPLES:
        lines.append(f"note: OpenAI fine-tuning needs at least {OPENAI_MIN_EXAMPLES} examples")
    return lines

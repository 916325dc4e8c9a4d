"""Metrics on Lambda: CloudWatch Embedded Metric Format lines on standard output.

A Lambda has no port to scrape; CloudWatch Logs extracts metrics from log events that
are EMF documents. Each event (a request, a generation, a model call) is one JSON line:
its labels as root members (the dimensions), its values as root members named after the
metrics, and an ``_aws`` block declaring which is which. Format:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
(Timestamp in epoch milliseconds; dimension values are strings; at most 30 dimensions
per set and 100 metrics per directive; values are numbers or arrays of numbers.)
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from adapters.observability.metrics import Point, check

log = logging.getLogger("dgs.metrics")
NAMESPACE = "DGS"


def _stdout_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class EmfMetrics:
    """Writes each recorded event as one EMF document."""

    def __init__(
        self,
        namespace: str = NAMESPACE,
        write: Callable[[str], None] = _stdout_line,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._namespace = namespace
        self._write = write
        self._clock = clock

    def record(self, points: Iterable[Point]) -> None:
        """One line per group of points whose labels agree (one for each DGS event)."""
        try:
            documents = self.documents(points)
        except (KeyError, ValueError):
            log.exception("metric points refused")
            return
        for document in documents:
            self._write(json.dumps(document, separators=(",", ":"), ensure_ascii=False))

    def documents(self, points: Iterable[Point]) -> list[dict[str, Any]]:
        """The EMF documents of ``points``."""
        groups: list[tuple[dict[str, str], dict[tuple[str, ...], list[Point]]]] = []
        for point in points:
            check(point)
            group = next(
                (g for g in groups if all(g[0].get(k, v) == v for k, v in point.labels.items())),
                None,
            )
            if group is None:
                group = ({}, {})
                groups.append(group)
            group[0].update(point.labels)
            group[1].setdefault(tuple(sorted(point.labels)), []).append(point)
        return [self._document(labels, directives) for labels, directives in groups]

    def _document(
        self, labels: dict[str, str], directives: dict[tuple[str, ...], list[Point]]
    ) -> dict[str, Any]:
        values: dict[str, list[float]] = {}
        metrics: list[dict[str, Any]] = []
        for dimensions, points in directives.items():
            declared: list[dict[str, str]] = []
            for point in points:
                if point.name not in values:
                    declared.append({"Name": point.name, "Unit": check(point).unit})
                values.setdefault(point.name, []).append(point.value)
            directive = {"Namespace": self._namespace, "Dimensions": [list(dimensions)]}
            metrics.append({**directive, "Metrics": declared})
        return {
            "_aws": {"Timestamp": int(self._clock() * 1000), "CloudWatchMetrics": metrics},
            **labels,
            **{name: v[0] if len(v) == 1 else v for name, v in values.items()},
        }

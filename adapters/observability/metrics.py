"""The service's metrics: one table of definitions, and the interface their backends share.

Every metric is declared once in ``METRICS`` (name, kind, labels, unit, help). A backend
turns recorded points into Prometheus series (``prometheus.py``, containers) or CloudWatch
Embedded Metric Format lines (``emf.py``, Lambda). Adding a metric is one line here plus
one ``record`` call where the fact is known (e.g. the job queue's depth, a gauge the
in-process queue sets as jobs come and go).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Kind = Literal["counter", "histogram", "gauge"]
# Seconds: API answers take milliseconds; a generation up to its deadline (150 s by default).
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 180)
GENERATION_BUCKETS = (0.1, 1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 150, 180)


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One metric. Counters are named without ``_total``: Prometheus adds it."""

    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...]
    unit: str = "Count"  # a CloudWatch unit, for EMF
    buckets: tuple[float, ...] = ()


_HTTP = ("route", "method", "status")
_GENERATION = ("outcome", "cache")
_MODEL = ("step", "provider", "model")
METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("dgs_http_requests", "counter", "HTTP requests answered", _HTTP),
    MetricSpec(
        "dgs_http_request_duration_seconds", "histogram", "HTTP request latency", _HTTP,
        unit="Seconds", buckets=REQUEST_BUCKETS,
    ),
    MetricSpec("dgs_generations", "counter", "Generations ended, by outcome code", _GENERATION),
    MetricSpec(
        "dgs_generation_duration_seconds", "histogram", "Generation duration", _GENERATION,
        unit="Seconds", buckets=GENERATION_BUCKETS,
    ),
    MetricSpec("dgs_model_calls", "counter", "Model calls by outcome", (*_MODEL, "outcome")),
    MetricSpec("dgs_model_input_tokens", "counter", "Input tokens of model calls", _MODEL),
    MetricSpec("dgs_model_output_tokens", "counter", "Output tokens of model calls", _MODEL),
    MetricSpec("dgs_model_reasoning_tokens", "counter", "Reasoning tokens of model calls", _MODEL),
    MetricSpec(
        "dgs_model_cost_usd", "counter", "Approximate cost of model calls (USD)", _MODEL,
        unit="None",
    ),
    MetricSpec("dgs_job_queue_depth", "gauge", "Jobs waiting for a worker in this process", ()),
)  # fmt: skip
SPECS: Mapping[str, MetricSpec] = {spec.name: spec for spec in METRICS}


@dataclass(frozen=True, slots=True)
class Point:
    """One value of a metric: an increment (counter), an observation or a level (gauge)."""

    name: str
    value: float = 1
    labels: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Metrics(Protocol):
    """Where points go. ``record`` gets the points of one event together."""

    def record(self, points: Iterable[Point]) -> None:
        """Record the points of one event (must not raise)."""
        ...


class NoMetrics:
    """Records nothing (a CLI command, or tests that do not look)."""

    def record(self, points: Iterable[Point]) -> None:
        """Drop the points."""
        return


def check(point: Point) -> MetricSpec:
    """The point's metric, checked: a known name with exactly its labels."""
    spec = SPECS.get(point.name)
    if spec is None:
        raise KeyError(f"unknown metric {point.name!r}")
    if set(point.labels) != set(spec.labels):
        raise ValueError(f"{point.name} takes labels {spec.labels}, not {tuple(point.labels)}")
    return spec

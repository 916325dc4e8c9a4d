"""Metrics for containers: Prometheus text exposition at ``/metrics`` (prometheus-client).

One process: the metrics live in this object's own registry (not the library's global
one, so two apps in one process never share counts). Several hypercorn workers
(``dgs serve --workers N``): each worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` and a scrape, whichever worker answers it, sums them all
(prometheus-client's multiprocess mode). The variable must be set before
``prometheus_client`` is imported: ``dgs serve`` sets it before starting the workers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from adapters.observability.metrics import METRICS, MetricSpec, Point, check

log = logging.getLogger("dgs.metrics")
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # the text format every Prometheus reads

_Metric = Counter | Histogram | Gauge


class PrometheusMetrics:
    """Counters, histograms and gauges of ``METRICS``, and their exposition."""

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        self._registry = CollectorRegistry()
        self._metrics = {spec.name: _create(spec, self._registry) for spec in METRICS}
        if multiprocess_dir is None:
            self._exposed = self._registry
        else:  # the values of every worker, read from their files at each scrape
            self._exposed = CollectorRegistry()
            MultiProcessCollector(self._exposed, path=str(multiprocess_dir))  # type: ignore[no-untyped-call]

    def record(self, points: Iterable[Point]) -> None:
        """Apply each point to its metric (a bad point is logged, never raised)."""
        for point in points:
            try:
                spec = check(point)
                family = self._metrics[spec.name]
                # A metric without labels is its own (only) series.
                metric = family.labels(**point.labels) if spec.labels else family
                if isinstance(metric, Counter):
                    metric.inc(point.value)
                elif isinstance(metric, Histogram):
                    metric.observe(point.value)
                else:
                    metric.set(point.value)
            except (KeyError, ValueError):
                log.exception("metric point refused: %s", point.name)

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition and its content type."""
        return generate_latest(self._exposed), CONTENT_TYPE


def _create(spec: MetricSpec, registry: CollectorRegistry) -> _Metric:
    if spec.kind == "counter":
        return Counter(spec.name, spec.help, spec.labels, registry=registry)
    if spec.kind == "histogram":
        return Histogram(spec.name, spec.help, spec.labels, registry=registry, buckets=spec.buckets)
    # A level every worker reads alike (a shared queue's depth): the latest value wins.
    return Gauge(
        spec.name, spec.help, spec.labels, registry=registry, multiprocess_mode="mostrecent"
    )

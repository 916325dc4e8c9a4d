"""One evaluation configuration: settings, the container built from them, what eval needs.

The generation is the service's own (``GenerateLesson`` from a container built from the
settings, any provider); the evaluation only wraps the model steps to observe them
(``application.evaluation.tracing``). A configuration is the environment's settings,
with the ``DGS_*`` values of a CONFIG file (``NAME=value`` lines, as ``.env``) over them.

Lessons and repair records go to a SQLite file of the evaluation's own (in the output
directory) unless the configured store is asked for: an evaluation never fills a user's
store by surprise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dependency_injector import providers

from adapters.llm.prompt_files import prompt_version
from application.evaluation.lesson_facts import served_form_violations
from application.evaluation.runner import Estimator, Pipeline
from application.evaluation.tracing import TracedGatherer, TracedRepairer, TracedStructurer
from application.ports.estimation import StepName
from domain.generation import LessonConstraints
from domain.values.constraints import MODES
from entrypoints.container import Container, build_container
from entrypoints.setting_sources import SourceError, read_dotenv
from entrypoints.settings import Settings, SettingsError, load_settings

DEFAULT_CONFIG = "default"


@dataclass(frozen=True, slots=True)
class EvalConfig:
    """A named configuration: the settings it runs with, checked before anything runs."""

    name: str
    settings: Settings


@dataclass(frozen=True, slots=True)
class OpenedConfig:
    """A configuration ready to run: its container, pipeline, estimator and fingerprint."""

    name: str
    container: Container
    pipeline: Pipeline
    estimator: Estimator
    fingerprint: dict[str, Any]


def read_config(path: Path, base: Settings) -> EvalConfig:
    """A CONFIG file: ``DGS_*`` settings as ``NAME=value`` lines, laid over ``base``.

    Named after the file. ``SettingsError`` names a bad line, an unknown name or a value.
    """
    try:
        overrides = read_dotenv(path)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror})") from None
    except SourceError as exc:
        raise SettingsError(str(exc)) from None
    return EvalConfig(path.stem, config_settings(base, overrides))


def config_settings(base: Settings, overrides: Mapping[str, str]) -> Settings:
    """``base`` with ``overrides`` (setting names as in the environment) applied and checked."""
    for name, value in overrides.items():
        # A name no setting reads changes nothing: refuse it rather than run unchanged.
        if value and not load_settings({name: value}).model_fields_set:
            raise SettingsError(f"{name}: not a DGS setting")
    given = load_settings(dict(overrides))
    changed = given.model_dump(include=given.model_fields_set)
    try:
        return Settings.model_validate({**base.model_dump(), **changed})
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def open_config(config: EvalConfig, store: Path | None) -> OpenedConfig:
    """Build ``config``'s container, its lessons going to the SQLite file ``store``.

    ``store`` None: the configured store. Raises ``SettingsError``, or
    ``StructuredOutputUnavailableError`` for a model that cannot serve a step (before
    anything is run).
    """
    settings = config.settings
    if store is not None:
        settings = settings.model_copy(update={"storage": "sqlite", "sqlite_path": store})
    container = build_container(settings)
    container.gatherer.override(providers.Object(TracedGatherer(container.gatherer())))
    container.structurer.override(providers.Object(TracedStructurer(container.structurer())))
    container.repairer.override(providers.Object(TracedRepairer(container.repairer())))
    generate = container.generate_lesson()
    return OpenedConfig(
        name=config.name,
        container=container,
        pipeline=Pipeline(config.name, generate, served_form_violations),
        estimator=container.estimate_generation(),
        fingerprint=_fingerprint(container, prompt_version(), settings.repair_enabled),
    )


def _fingerprint(container: Container, prompt_version: str, repair: bool) -> dict[str, Any]:
    """What makes two runs of one configuration comparable: models and prompts."""
    llm = container.llm_settings()
    routes = {}
    steps: tuple[StepName, ...] = ("gatherer", "structurer", "repair")
    for mode in MODES:
        constraints = LessonConstraints(mode=mode)
        for step in steps if repair else steps[:2]:
            route = llm.route(step, constraints)
            routes[f"{step}:{mode}"] = f"{route.provider}/{route.model}"
    return {"prompt_version": prompt_version, "repair_enabled": repair, "routes": routes}

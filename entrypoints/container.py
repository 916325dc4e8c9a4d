"""The composition root: which adapter serves each port, chosen by the settings.

The stores come from one adapters container (``entrypoints.stores``), the one
``DGS_STORAGE`` names, chosen once by ``build_container``; the use cases read its ports
through the aliases below, so ``container.lessons.override(...)`` works in tests.
"""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.http.error_table import job_problem
from adapters.http.job_event_timing import JobEvents
from adapters.http.readiness import Readiness, ReadinessWindow
from adapters.jobs.pool import InProcessJobQueue, WorkerPool
from adapters.llm.chat_examples import OpenAiChatExamples
from adapters.llm.prices import CataloguePrices
from adapters.llm.prompt_files import prompt_version
from adapters.llm.sizes import LlmRequestSizes
from adapters.observability.generations import (
    LoggedGenerations,
    ObservedGatherer,
    ObservedRepairer,
    ObservedStructurer,
)
from adapters.observability.jobs import LoggedJobs
from adapters.observability.metrics import Metrics, NoMetrics
from adapters.system import RandomIds, SystemClock
from application.cursor import CursorCodec
from application.evaluation.history import RecentGenerations
from application.ports.rate_limit import BucketPolicy, RateLimiter
from application.use_cases.account import DescribeAccount, EraseAccount, ExportAccount
from application.use_cases.assign_owner import AssignOwner
from application.use_cases.estimate_generation import EstimateGeneration
from application.use_cases.export_repairs import ExportRepairs
from application.use_cases.generate_lesson import GenerateLesson
from application.use_cases.guarded_generation import GuardedGeneration, GuardPolicy
from application.use_cases.jobs.job_steps import JobTiming
from application.use_cases.jobs.manage import CancelJob, GetJob, ListJobs, StartJob
from application.use_cases.jobs.run_job import RunJob
from application.use_cases.lessons import DeleteLesson, GetLesson, ListLessons, PatchLesson
from application.use_cases.rate_limits import GenerationQuotas, MonthlyQuota
from entrypoints import auth_wiring, llm_wiring, observability, queue_wiring
from entrypoints.resources import Resources
from entrypoints.settings import Settings
from entrypoints.stores import STORES


def guard_policy(settings: Settings) -> GuardPolicy:
    """Rate limits and budget from the settings."""
    return GuardPolicy(
        per_client=BucketPolicy(settings.rate_limit_per_hour, settings.rate_limit_per_hour / 3600),
        daily_budget=settings.daily_generation_budget,
    )


def quotas_of(limiter: RateLimiter, settings: Settings) -> GenerationQuotas:
    """The rate limits a generation meets when it is accepted (synchronous or as a job)."""
    policy = guard_policy(settings)
    return GenerationQuotas(limiter, policy.per_client, policy.daily_budget)


def cache_ttl(settings: Settings) -> timedelta:
    """How long a generated lesson and its material are served from the cache."""
    return timedelta(seconds=settings.cache_ttl_seconds)


def deleted_retention(settings: Settings) -> timedelta:
    """How long a deleted lesson is kept before it is purged."""
    return timedelta(days=settings.deleted_retention_days)


def job_timing(settings: Settings) -> JobTiming:
    """A running job's lease, renewed every third of it (so two heartbeats may be late)."""
    lease = timedelta(seconds=settings.job_lease_seconds)
    return JobTiming(lease=lease, heartbeat=min(lease / 3, JobTiming().heartbeat))


def generation_deadline(settings: Settings) -> timedelta:
    """The one deadline of a generation; the idempotency lease is derived from it."""
    return timedelta(seconds=settings.generation_deadline_seconds)


class Container(containers.DeclarativeContainer):
    """Ports and their adapters; override a provider in tests instead of patching."""

    settings = providers.Dependency(instance_of=Settings)
    # Where metrics go: the entry point's (entrypoints.observability); none for the CLI.
    metrics = providers.Object(NoMetrics())
    generation_events = providers.Singleton(LoggedGenerations, metrics)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(RandomIds)
    cursors = providers.Singleton(
        CursorCodec, secret=providers.Callable(Settings.cursor_secret_bytes, settings)
    )
    resources = providers.Singleton(Resources)
    # Bearer tokens (None in dev-key mode); the edge and /ready use it.
    token_verifier = providers.Singleton(auth_wiring.token_verifier, settings, clock)
    # The store's adapters (``SqliteAdapters`` or ``DynamoAdapters``), set by build_container.
    stores = providers.DependenciesContainer()
    lessons = stores.lessons
    idempotency = stores.idempotency
    cache = stores.cache
    rate_limiter = stores.rate_limiter
    repair_log = stores.repair_log
    jobs = stores.jobs

    llm_settings = providers.Singleton(llm_wiring.llm_settings, settings)
    provider_clients = providers.Singleton(llm_wiring.provider_clients, llm_settings, resources)
    gatherer = providers.Singleton(llm_wiring.gatherer, llm_settings, provider_clients.provider)
    structurer = providers.Singleton(llm_wiring.structurer, llm_settings, provider_clients.provider)
    repairer = providers.Singleton(llm_wiring.repairer, llm_settings, provider_clients.provider)
    generate_lesson = providers.Factory(
        GenerateLesson,
        # Wrapped here, so a step overridden in a test is counted like the real one.
        providers.Factory(ObservedGatherer, gatherer, metrics),
        providers.Factory(ObservedStructurer, structurer, metrics),
        providers.Factory(ObservedRepairer, repairer, metrics),
        lessons,
        repair_log,
        clock,
        ids,
        repair_enabled=settings.provided.repair_enabled,
        prompt_version=providers.Callable(prompt_version),
        deadline=providers.Callable(generation_deadline, settings),
        events=generation_events,
    )
    monthly_quota = providers.Factory(
        MonthlyQuota, rate_limiter, clock, settings.provided.monthly_quota
    )
    # Generation jobs: accepted here, run by a worker (this process's pool, or SQS workers
    # when DGS_JOB_QUEUE_URL names a queue).
    in_process_queue = providers.Singleton(InProcessJobQueue, metrics)
    job_events = providers.Singleton(
        LoggedJobs, providers.Callable(observability.identity_key, settings)
    )
    job_queue = providers.Singleton(queue_wiring.job_queue, settings, in_process_queue)
    generation_quotas = providers.Factory(quotas_of, rate_limiter, settings)
    start_job = providers.Factory(
        StartJob,
        jobs,
        job_queue,
        generate_lesson,
        generation_quotas,
        clock,
        ids,
        monthly=monthly_quota,
    )
    get_job = providers.Factory(GetJob, jobs)
    list_jobs = providers.Factory(ListJobs, jobs)
    cancel_job = providers.Factory(CancelJob, jobs)
    run_job = providers.Factory(
        RunJob,
        jobs,
        generate_lesson,
        providers.Callable(job_timing, settings),
        clock=clock,
        ids=ids,
        cache=cache,
        cache_ttl=providers.Callable(cache_ttl, settings),
        quotas=generation_quotas,
        monthly=monthly_quota,
        events=job_events,
        # A failed job records what the synchronous route would answer (one error table).
        describe=providers.Object(job_problem),
    )
    guarded_generation = providers.Factory(
        GuardedGeneration,
        generate_lesson,
        run_job,
        idempotency,
        cache,
        rate_limiter,
        providers.Callable(guard_policy, settings),
        monthly_quota,
    )
    worker_pool = providers.Singleton(
        WorkerPool,
        run_job,
        in_process_queue,
        jobs,
        concurrency=settings.provided.worker_concurrency,
        sweep_every=settings.provided.job_sweep_seconds,
    )
    # How the SSE stream of a job reads its record, and keeps an idle connection open.
    job_events_timing = providers.Object(JobEvents())
    # Estimates read routes from the settings (no SDK import), never call a model.
    usage_history = providers.Singleton(RecentGenerations, lessons)
    estimate_generation = providers.Factory(
        EstimateGeneration,
        llm_settings,
        providers.Singleton(LlmRequestSizes),
        providers.Singleton(CataloguePrices),
        usage_history,
        repair_enabled=settings.provided.repair_enabled,
    )
    # The repair log as a fine-tuning dataset (`dgs repairs export`), rebuilt with these prompts.
    export_repairs = providers.Factory(
        ExportRepairs,
        repair_log,
        providers.Singleton(OpenAiChatExamples),
        prompt_version=providers.Callable(prompt_version),
    )
    get_lesson = providers.Factory(GetLesson, lessons)
    list_lessons = providers.Factory(ListLessons, lessons)
    patch_lesson = providers.Factory(PatchLesson, lessons)
    describe_account = providers.Factory(DescribeAccount, lessons, monthly_quota, generation_quotas)
    # The lesson repository also reads the deleted lessons back, the repair log an owner's.
    export_account = providers.Factory(
        ExportAccount,
        lessons,
        monthly_quota,
        jobs,
        deleted=lessons,
        repairs=repair_log,
        cursors=cursors,
    )
    erase_account = providers.Factory(
        EraseAccount,
        lessons,
        idempotency,
        monthly_quota,
        generation_quotas,
        jobs,
        repairs=repair_log,
    )
    assign_owner = providers.Factory(
        AssignOwner,
        lessons,
        jobs=stores.job_handover,
        idempotency=stores.idempotency_handover,
        repairs=repair_log,
    )
    delete_lesson = providers.Factory(
        DeleteLesson, lessons, clock, providers.Callable(deleted_retention, settings)
    )
    # GET /ready: its checks resolve their parts when they run; answers last a few seconds.
    readiness = providers.Factory(
        Readiness,
        providers.Singleton(ReadinessWindow),
        clock,
        lessons.provider,
        generate_lesson.provider,
        token_verifier.provider,
    )


def build_container(settings: Settings, metrics: Metrics | None = None) -> Container:
    """A container wired to ``settings`` (and to an entry point's ``metrics``)."""
    container = Container(settings=settings)
    container.stores.override(
        STORES[settings.storage](
            settings=container.settings,
            clock=container.clock,
            ids=container.ids,
            cursors=container.cursors,
            resources=container.resources,
        )
    )
    if metrics is not None:
        container.metrics.override(providers.Object(metrics))
    container.check_dependencies()
    return container


async def shutdown(container: Container) -> None:
    """Close what the container opened (stores, clients); nothing else is created."""
    await container.resources().aclose()

"""DGS_DEPLOYMENT_TIMEOUT_SECONDS: start-up refuses a generation deadline the platform would cut."""

from __future__ import annotations

import pytest

from application.deadline import WRITE_MARGIN
from entrypoints.settings import SettingsError, load_settings

MARGIN = WRITE_MARGIN.total_seconds()


@pytest.mark.parametrize(
    ("deadline", "timeout"),
    [("150", "150"), ("150", str(150 + MARGIN)), ("170", "180"), ("900", "900")],
)
def test_a_deadline_that_leaves_no_time_for_the_writes_is_refused(
    deadline: str, timeout: str
) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(
            {"DGS_GENERATION_DEADLINE_SECONDS": deadline, "DGS_DEPLOYMENT_TIMEOUT_SECONDS": timeout}
        )
    message = str(info.value)
    assert "DGS_DEPLOYMENT_TIMEOUT_SECONDS" in message
    assert "DGS_GENERATION_DEADLINE_SECONDS" in message
    assert f"({float(deadline):g} s)" in message


@pytest.mark.parametrize(
    ("deadline", "timeout"), [("150", "180"), ("150", str(150 + MARGIN + 0.5)), ("60", "900")]
)
def test_a_deadline_that_fits_is_accepted(deadline: str, timeout: str) -> None:
    settings = load_settings(
        {"DGS_GENERATION_DEADLINE_SECONDS": deadline, "DGS_DEPLOYMENT_TIMEOUT_SECONDS": timeout}
    )
    assert settings.deployment_timeout_seconds == float(timeout)


@pytest.mark.parametrize("environ", [{}, {"DGS_DEPLOYMENT_TIMEOUT_SECONDS": ""}])
def test_without_a_deployment_timeout_any_deadline_is_accepted(environ: dict[str, str]) -> None:
    """A container or a laptop has no platform timeout: nothing to check against."""
    assert (
        load_settings(
            {**environ, "DGS_GENERATION_DEADLINE_SECONDS": "900"}
        ).deployment_timeout_seconds
        is None
    )


@pytest.mark.parametrize("timeout", ["0", "-5", "901", "soon"])
def test_a_deployment_timeout_must_be_a_lambda_timeout(timeout: str) -> None:
    with pytest.raises(SettingsError, match="DGS_DEPLOYMENT_TIMEOUT_SECONDS"):
        load_settings({"DGS_DEPLOYMENT_TIMEOUT_SECONDS": timeout})

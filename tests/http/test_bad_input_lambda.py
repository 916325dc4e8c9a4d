"""The bad-input catalogue (``test_bad_input``) as Lambda Function URL events through the
handler: the same problem for each case, no model call and no write.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.http.conftest import DEV_KEY, LAMBDA_KEY, count_model_calls
from tests.http.test_bad_input import CASES, GEN, Case, assert_refused, request_of
from tests.http.wire_calls import call_lambda, function_url_event

# A fresh Lambda handler per case; the ASGI variant runs every case in make unit. (Its own
# module: the handler closes the event loop Mangum used, which must not be the module-scoped
# loop of the ASGI variant.)
pytestmark = pytest.mark.slow


def _lambda(module: Any, method: str, target: str, body: bytes | None = None) -> Any:
    headers = {"x-dgs-dev-key": LAMBDA_KEY, "content-type": "application/json"}
    answer = call_lambda(module, function_url_event(method, target, headers, body))
    assert answer.status < 300, answer.body
    return answer.json()


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_bad_input_through_lambda_gets_the_same_problem_and_changes_nothing(
    lambda_module: Any, bad: Case
) -> None:
    calls = count_model_calls(lambda_module.container)
    lesson_id = _lambda(lambda_module, "POST", GEN, b'{"topic": "Seed"}')["lesson_id"]
    for n in range(3):
        _lambda(lambda_module, "POST", GEN, f'{{"topic": "Seed {n}"}}'.encode())
    cursor = _lambda(lambda_module, "GET", "/v1/lessons?limit=1")["next_cursor"]
    calls.count = 0
    target, headers, body = request_of(bad, lesson_id, cursor)
    headers = {
        k: v.replace(DEV_KEY, LAMBDA_KEY) if isinstance(v, str) else v for k, v in headers.items()
    }
    answer = call_lambda(
        lambda_module, function_url_event(bad.method, target, headers, body or None)
    )
    assert_refused(bad, answer)
    assert calls.count == 0, "a rejected request made a model call"
    assert len(_lambda(lambda_module, "GET", "/v1/lessons?limit=100")["items"]) == 4
    assert _lambda(lambda_module, "GET", f"/v1/lessons/{lesson_id}")["version"] == 1

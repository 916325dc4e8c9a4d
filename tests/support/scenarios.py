"""The scripted OpenAI-compatible server answering by scenario, whatever order calls come in.

Each topic is given a scenario; the server recognises the step (from the instructions
the step sends) and the topic (its text is in every request of its generation: the
gatherer's user message, the structurer's material, the repairer's lesson), so runs can
go concurrently and still get exactly their scripted answers:

- ``clean``: valid material, then a valid lesson (2 calls);
- ``repair``: an invalid lesson, then a valid one from the repair call (3 calls);
- ``broken``: an invalid lesson, still invalid after the repair (3 calls; 502
  ``invalid_after_repair``);
- ``bad_material``: the gatherer's answer is not JSON (1 call; 502 ``bad_model_output``).

Every call reports ``USAGE[step]`` tokens, so totals are known exactly. A scenario can
depend on the model (``by_model``), to compare two configurations on the same topics.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

from adapters.llm.offline import sample_idm, sample_lesson
from domain.conversion.forms import expand
from domain.generation import LessonConstraints
from tests.support.scripted_openai import Reply, ScriptedOpenAI, completion, error

SCENARIOS = ("clean", "repair", "broken", "bad_material")
# (prompt_tokens, completion_tokens, reasoning_tokens) each call of a step reports.
USAGE = {"gatherer": (1000, 500, 100), "structurer": (3000, 2000, 0), "repair": (4000, 2000, 0)}
_STEPS = {
    "You are the Gatherer": "gatherer",
    "You are the Structurer": "structurer",
    "You are the Repairer": "repair",
}
_CATALOG = re.compile(r"catalog (\d+\.\d+)")  # "... lesson of catalog 1.1" in both prompts
# Where the structurer's and repairer's instructions end and what they carry begins.
_CARRIED = ("The material (JSON):", "The lesson to correct")
BLANKLESS_PROMPT = "No blank here, only markup: <script>alert(1)</script>"


def scenario_topics(counts: Mapping[str, int]) -> dict[str, str]:
    """Topic -> scenario, ``counts[scenario]`` topics of each (named so none contains another)."""
    topics: dict[str, str] = {}
    for scenario, n in counts.items():
        assert scenario in SCENARIOS, scenario
        for index in range(n):
            topics[f"Scenario {scenario} topic {index + 1:03d}"] = scenario
    return topics


def valid_lesson(topic: str, schema_version: str = "1.1") -> dict[str, Any]:
    """The full-form lesson a model writes for ``topic`` (the offline sample)."""
    return expand(sample_lesson(sample_idm(topic, LessonConstraints()), schema_version))


def invalid_lesson(topic: str, schema_version: str = "1.1") -> dict[str, Any]:
    """``valid_lesson`` with one fill-in-the-blank prompt that has no blank (a hard error)."""
    broken = copy.deepcopy(valid_lesson(topic, schema_version))
    for block in broken["blocks"]:
        for item in block.get("items", []):
            if item.get("type") in ("fillblank", "blank"):
                item["prompt"] = BLANKLESS_PROMPT
                return broken
    raise AssertionError("the sample lesson has a fill-in-the-blank widget")


class ScenarioServer(ScriptedOpenAI):
    """``ScriptedOpenAI`` whose answers follow each topic's scenario."""

    def __init__(
        self,
        scenarios: Mapping[str, str],
        by_model: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.scenarios = dict(scenarios)
        self.by_model = {model: dict(topics) for model, topics in (by_model or {}).items()}
        self.delay = 0.0  # seconds before each answer (to interrupt an evaluation mid-way)

    def calls(self, step: str) -> int:
        """How many requests of ``step`` were received."""
        return sum(1 for body in self.requests if _step(body) == step)

    def _next(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
        if not body.get("messages"):  # a client that went away before its body was sent
            return error(400, "incomplete request")
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers or {})
        reply = self.answer(body)
        reply.delay = self.delay
        return reply

    def answer(self, body: dict[str, Any]) -> Reply:
        """The scripted reply to one request."""
        step = _step(body)
        topic = self._topic(body)
        scenario = self.by_model.get(body["model"], {}).get(topic) or self.scenarios[topic]
        prompt, output, reasoning = USAGE[step]

        def answer(content: Any) -> Reply:
            text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
            return completion(
                text, prompt_tokens=prompt, completion_tokens=output, reasoning_tokens=reasoning
            )

        if step == "gatherer":
            if scenario == "bad_material":
                return answer("this is not the JSON asked for")
            return answer(sample_idm(topic, LessonConstraints()).model_dump(mode="json"))
        version = _CATALOG.search(body["messages"][0]["content"]).group(1)  # type: ignore[union-attr]
        good = scenario == "clean" or (scenario == "repair" and step == "repair")
        lesson = valid_lesson(topic, version) if good else invalid_lesson(topic, version)
        return answer(lesson)

    def _topic(self, body: dict[str, Any]) -> str:
        """The topic a request is for: the gatherer's user message, or the text the step
        carries (the material, the lesson), never the widget guide around it."""
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        if user.startswith("Topic: "):
            return str(user.removeprefix("Topic: "))
        carried = next(system.rsplit(mark, 1)[1] for mark in _CARRIED if mark in system)
        found = [topic for topic in self.scenarios if topic in carried]
        assert found, "a request for no known topic"
        return max(found, key=len)  # a topic inside another's text is not that topic


def _step(body: dict[str, Any]) -> str:
    instructions = body["messages"][0]["content"]
    for opening, step in _STEPS.items():
        if instructions.startswith(opening):
            return step
    raise AssertionError(f"unknown step: {instructions[:40]!r}")

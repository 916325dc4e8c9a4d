"""Repair records as OpenAI chat fine-tuning examples (``openai-chat-jsonl``).

The format (OpenAI, "Fine-tuning" guide, preparing the dataset): a JSONL file, one
example a line, each ``{"messages": [...]}`` with the conversation in the Chat
Completions shape. An example here is the step's system message (its filled prompt
file, as the agents SDK sends an agent's instructions), its user message, and the
assistant's answer: the lesson the repair made valid, as the JSON text a model writes.
The messages come from the functions the steps use (``prompt_files``), so they are what
the model was sent, character for character.
"""

from __future__ import annotations

import hashlib
import json

from adapters.llm.prompt_files import StepMessages, repair_messages, structurer_messages
from application.ports.generation import RepairRecord
from application.ports.training import Task, TrainingExample

FORMAT = "openai-chat-jsonl"


class OpenAiChatExamples:
    """``ExampleFormat`` for OpenAI's chat fine-tuning JSONL."""

    def example(self, record: RepairRecord, task: Task) -> TrainingExample:
        """The example teaching ``task`` from ``record``.

        Its ``input_key`` is the SHA-256 of the system and user messages: two records
        that would send a model the same messages are the same input.
        """
        messages = _messages(record, task)
        answer = json.dumps(record.repaired_lesson, ensure_ascii=False, separators=(",", ":"))
        chat = [
            {"role": "system", "content": messages.instructions},
            {"role": "user", "content": messages.user},
            {"role": "assistant", "content": answer},
        ]
        given = json.dumps(chat[:2], ensure_ascii=False).encode("utf-8")
        return TrainingExample(
            input_key=hashlib.sha256(given).hexdigest(),
            line=json.dumps({"messages": chat}, ensure_ascii=False),
            chars=sum(len(message["content"]) for message in chat),
        )


def _messages(record: RepairRecord, task: Task) -> StepMessages:
    if task == "repair":
        return repair_messages(record.invalid_output(), record.errors, record.schema_version)
    if record.constraints is None:
        raise ValueError("a Structurer example needs the request's constraints")
    return structurer_messages(record.idm, record.constraints, record.schema_version)

"""What a generation asks for besides its topic: learner level, length, mode and language."""

from __future__ import annotations

import re
from typing import Final, Literal, get_args

LearnerLevel = Literal["Newbie", "Beginner", "Intermediate", "Expert"]
LessonLength = Literal["Highlights", "Detailed", "Training"]
Mode = Literal["fast", "balanced", "best"]
LEARNER_LEVELS: Final[tuple[LearnerLevel, ...]] = get_args(LearnerLevel)
LESSON_LENGTHS: Final[tuple[LessonLength, ...]] = get_args(LessonLength)
MODES: Final[tuple[Mode, ...]] = get_args(Mode)

DEFAULT_LEARNER_LEVEL: Final[LearnerLevel] = "Beginner"
DEFAULT_LESSON_LENGTH: Final[LessonLength] = "Detailed"
DEFAULT_MODE: Final[Mode] = "balanced"
DEFAULT_LANGUAGE: Final = "en"

# A language tag as BCP 47 spells one (RFC 5646 section 2.1): a 2-3 letter language
# subtag, then subtags of 2-8 letters or digits ("en", "pt-BR", "zh-Hant-TW"). 35
# characters hold any tag a lesson needs (RFC 5646 section 4.4.1 advises at least 35).
LANGUAGE_MIN_LENGTH: Final = 2
LANGUAGE_MAX_LENGTH: Final = 35
LANGUAGE_PATTERN: Final = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


def language(text: str) -> str:
    """``text`` if it is a language tag as above; else ValueError saying what one is."""
    if not (
        LANGUAGE_MIN_LENGTH <= len(text) <= LANGUAGE_MAX_LENGTH
        and re.fullmatch(LANGUAGE_PATTERN, text)
    ):
        raise ValueError(f"{text!r} is not a language tag such as en, pt-BR or zh-Hant")
    return text

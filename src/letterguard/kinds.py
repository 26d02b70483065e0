"""The four letter kinds and their word limits (see shared etiquette rules)."""

from __future__ import annotations

from enum import StrEnum


class LetterKind(StrEnum):
    """What moment after the interview a letter is for."""

    THANK_YOU = "thank_you"
    FORMAL_THANK_YOU = "formal_thank_you"
    STATUS_INQUIRY = "status_inquiry"
    AFTER_REJECTION = "after_rejection"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

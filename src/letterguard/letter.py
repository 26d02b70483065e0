"""Letter: the structured form of a drafted letter, and its plain-text layout.

The model and the composer both produce a Letter; the rubric reads its text. The text
layout (``Subject:`` line, greeting, body paragraphs, sign-off, signature) is the same
one the rubric parses, so a letter round-trips through text unchanged.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Letter(BaseModel):
    """A letter in four parts, as a model is asked to return it."""

    subject: str = Field(description="Subject line, without the 'Subject:' prefix.")
    greeting: str = Field(description='Greeting line, e.g. "Dear Ms. Lee,".')
    body: str = Field(description="Body paragraphs separated by blank lines; no greeting, no sign-off.")
    closing: str = Field(description='Sign-off line, e.g. "Kind regards,".')
    signature: str = Field(default="", description="Name and contact lines under the sign-off.")

    def to_text(self) -> str:
        """Lay the letter out as the text the rubric checks and the user reads."""
        parts = [f"Subject: {self.subject.strip()}", self.greeting.strip(), self.body.strip()]
        tail = self.closing.strip()
        if self.signature.strip():
            tail = f"{tail}\n{self.signature.strip()}"
        parts.append(tail)
        return "\n\n".join(part for part in parts if part) + "\n"

    @classmethod
    def from_text(cls, text: str) -> "Letter":
        """Split letter text back into parts (best effort; the inverse of to_text)."""
        blocks = [b.strip("\n") for b in text.strip().split("\n\n")]
        subject = ""
        if blocks and blocks[0].lower().startswith("subject:"):
            subject = blocks.pop(0).split(":", 1)[1].strip()
        greeting = blocks.pop(0) if blocks else ""
        closing, signature = "", ""
        if blocks:
            last = blocks.pop().split("\n")
            closing, signature = last[0], "\n".join(last[1:])
        return cls(subject=subject, greeting=greeting, body="\n\n".join(blocks), closing=closing, signature=signature)

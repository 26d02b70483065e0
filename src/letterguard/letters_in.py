"""Find and read the letters `check` is pointed at: files, folders, .eml bodies, stdin."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from letterguard.textfile import TextFileError, decode_text, read_bytes

LETTER_SUFFIXES = (".txt", ".md", ".eml")


@dataclass(frozen=True)
class LetterSource:
    """A letter to check, named by the path exactly as the user gave it (or '-')."""

    path: str
    text: str | None = None
    error: str | None = None


def expand(paths: list[str]) -> Iterator[str | LetterSource]:
    """Yield file paths (folders searched recursively) or an error source for a bad path."""
    for given in paths:
        if given == "-":
            yield given
            continue
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in LETTER_SUFFIXES)
            if not found:
                yield LetterSource(given, error=f"{given}: no letters (*.txt, *.md, *.eml) in this folder")
            yield from (str(p) for p in found)
        else:
            yield given


def read_letter(path: str, stdin_bytes: bytes | None = None) -> LetterSource:
    """Read one letter; failures become an error source so the rest still get checked."""
    try:
        raw = stdin_bytes if path == "-" else read_bytes(Path(path))
        if path.lower().endswith(".eml"):
            return LetterSource(path, text=eml_body(raw, path))
        return LetterSource(path, text=decode_text(raw or b"", "<stdin>" if path == "-" else path))
    except TextFileError as exc:
        return LetterSource(path, error=str(exc))


def eml_body(raw: bytes, source: str) -> str:
    """The plain-text body of an e-mail message, with its subject as a Subject: line."""
    import email
    import email.policy

    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        raise TextFileError(f"{source}: e-mail has no plain-text body")
    body = part.get_content()
    if not body.strip():
        raise TextFileError(f"{source}: e-mail body is empty")
    subject = message.get("subject")
    return (f"Subject: {subject}\n\n" if subject else "") + body.replace("\r\n", "\n")

"""Read user text files safely: size cap, BOM-aware decoding, binary detection.

Letters and notes both come from files people saved in whatever editor they had, so one
reader decides what counts as text and says in one line why a file is refused.
"""

from __future__ import annotations

import codecs
from pathlib import Path

MAX_BYTES = 1_000_000

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


class TextFileError(ValueError):
    """A file is not usable text; the message is one line naming the file."""


def decode_text(raw: bytes, source: str, what: str = "a letter") -> str:
    """UTF-8 (with or without BOM) or UTF-16/32 with a BOM; anything else is refused."""
    if len(raw) > MAX_BYTES:
        raise TextFileError(f"{source}: file is too large (over 1 MB) to be {what}")
    encoding = next((enc for bom, enc in _BOMS if raw.startswith(bom)), None)
    if encoding is None and b"\x00" in raw:
        raise TextFileError(f"{source}: binary file, not {what}")
    try:
        text = raw.decode(encoding or "utf-8")
    except UnicodeDecodeError:
        raise TextFileError(f"{source}: not UTF-8 or UTF-16 text (save it as UTF-8)") from None
    if "\x00" in text or sum(ch < " " and ch not in "\t\n\r\f" for ch in text) > 8:
        raise TextFileError(f"{source}: binary file, not {what}")
    if not text.strip():
        raise TextFileError(f"{source}: the file is empty")
    return text.replace("\r\n", "\n")


def read_bytes(path: Path, what: str = "a letter") -> bytes:
    """Read at most one byte past the cap, so a huge file is refused without loading it."""
    try:
        with Path(path).open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise TextFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TextFileError(f"{path}: is a folder, not {what}") from None
    except OSError as exc:
        raise TextFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def read_text(path: Path, what: str = "a letter") -> str:
    return decode_text(read_bytes(path, what), str(path), what)

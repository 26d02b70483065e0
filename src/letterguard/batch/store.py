"""The output folder of a batch run: letter files, results.jsonl and summary.json.

Crash safety comes from two habits. Every file is written to a temp file in the same
folder and moved into place with ``os.replace``, so a reader never sees half a letter.
``results.jsonl`` is append-only, one flushed line per finished letter, written *after*
the letter file: a line there means the letter is done. A kill can leave a truncated
last line; opening the store cuts it off, and that letter is simply drafted again.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import IO

__all__ = ["RESULTS", "SUMMARY", "ResultStore", "StoreError", "file_prefix", "letter_filename", "slug", "write_atomic"]

RESULTS = "results.jsonl"
SUMMARY = "summary.json"
_TMP_PREFIX = ".letterguard-"
_TMP_SUFFIX = ".tmp"
#: Statuses that count as done; "error" lines (a crash inside the drafter) are retried.
_FINAL = frozenset({"passed", "fixed", "fallback", "rejected"})


class StoreError(OSError):
    """The output folder cannot be created or written."""


@lru_cache(maxsize=4096)  # a cohort repeats its companies and positions row after row
def slug(text: str, limit: int = 40) -> str:
    """A lowercase, dash-separated, filesystem-safe form of ``text`` (accents dropped)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", "-", plain.lower()).strip("-_")[:limit].strip("-_") or "x"


def letter_filename(row: int, company: str, position: str, interviewer: str) -> str:
    """Stable, readable name such as ``0007-acme-backend-engineer-priya-sharma.txt``."""
    return f"{file_prefix(row, company, position)}-{slug(interviewer)}.txt"


def file_prefix(row: int, company: str, position: str) -> str:
    """The part of a letter's file name shared by one row's letters."""
    return f"{row:04d}-{slug(company)}-{slug(position)}"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ResultStore:
    """Letters, their result lines and the done-set of letter keys for one output folder."""

    def __init__(self, out_dir: Path, *, retry_rejected: bool = False) -> None:
        self.out_dir = Path(out_dir)
        self.retry_rejected = retry_rejected
        self.done: dict[str, str] = {}
        self._results: IO[str] | None = None

    @property
    def results_path(self) -> Path:
        return self.out_dir / RESULTS

    def open(self) -> "ResultStore":
        """Create the folder, drop stale temp files, load the done-set, open results for append."""
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            for stale in self.out_dir.glob(f"{_TMP_PREFIX}*{_TMP_SUFFIX}"):
                stale.unlink(missing_ok=True)
            self._load_done()
            self._results = self.results_path.open("a", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise StoreError(f"{self.out_dir}: cannot write the output folder ({exc.strerror or exc})") from None
        return self

    def _load_done(self) -> None:
        if not self.results_path.exists():
            return
        with self.results_path.open("r+b") as handle:
            good_end = 0
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break  # a line cut short by a kill: drop it, the letter is redone
                good_end += len(raw)
                self._remember(raw)
            handle.truncate(good_end)

    def _remember(self, raw: bytes) -> None:
        try:
            record = json.loads(raw)
            key, status = record["key"], record["status"]
        except (ValueError, KeyError, TypeError):
            return
        if status in _FINAL and not (self.retry_rejected and status == "rejected"):
            self.done[key] = status
        else:
            self.done.pop(key, None)

    def status_of(self, key: str) -> str | None:
        """The recorded status of a finished letter, or None when it still has to be drafted."""
        return self.done.get(key)

    def write_letter(self, name: str, text: str) -> None:
        write_atomic(self.out_dir / name, text)

    def append(self, record: dict) -> None:
        """Record one finished letter: a single flushed JSON line."""
        assert self._results is not None, "ResultStore.open() first"
        self._results.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._results.flush()

    def write_summary(self, summary: dict) -> None:
        write_atomic(self.out_dir / SUMMARY, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")

    def close(self) -> None:
        if self._results is not None:
            self._results.flush()
            os.fsync(self._results.fileno())
            self._results.close()
            self._results = None

    def __enter__(self) -> "ResultStore":
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

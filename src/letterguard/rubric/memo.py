"""An on-disk memo of pattern analysis (and of parsed rubric files), so `letterguard check`
starts fast.

Splitting the rubric's patterns into alternatives and deriving each one's required
literals means parsing hundreds of regexes with ``re._parser``: most of the start-up time
of a one-letter check. The result depends only on the pattern text, the Python version and
the analysis code, so it is kept in the user's cache folder and reused by the next process.

A missing, stale, corrupt or unwritable cache only costs time: entries are recomputed and
the file is rewritten atomically. ``LETTERGUARD_CACHE_DIR`` moves it; set it to an empty
string to switch the memo off.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from letterguard.rubric import matcher

Analysis = list[tuple[str, frozenset[str] | None]]  # (alternative, required literals)


def _cache_folder() -> Path | None:
    folder = os.environ.get("LETTERGUARD_CACHE_DIR")
    if folder == "":
        return None
    if folder is None:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        folder = Path(base) / "letterguard"
    return Path(folder)


def _cache_file() -> Path | None:
    folder = _cache_folder()
    if folder is None:
        return None
    code = zlib.crc32(Path(matcher.__file__).read_bytes())  # the analysis code is part of the key
    return folder / f"patterns-py{sys.version_info[0]}{sys.version_info[1]}-{code:08x}.json"


def parsed_toml(source: str, parse: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """``parse(source)``, memoised on disk by the text's digest.

    tomllib is pure Python: the built-in rubric (~120 KB) takes ~40 ms to parse, a fifth of
    a one-letter check. A parse error is never cached (``parse`` raises before the write).
    """
    try:
        folder = _cache_folder()
    except (OSError, RuntimeError):  # no home folder
        folder = None
    if folder is None:
        return parse(source)
    import hashlib

    path = folder / f"toml-{hashlib.blake2b(source.encode('utf-8'), digest_size=16).hexdigest()}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return data
    except (OSError, ValueError):
        pass
    data = parse(source)
    _write_json(path, data)
    return data


def _write_json(path: Path, data: Any) -> None:
    """Atomically, or not at all: a cache never fails the check."""
    import tempfile

    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".cache-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except (OSError, TypeError, ValueError):
        pass


class PatternMemo:
    """pattern -> its alternatives and their required literals, loaded once, saved when grown."""

    def __init__(self, path: Path | None):
        self.path = path
        self._entries: dict[str, list] = self._read() if path else {}
        self._dirty = False

    def _read(self) -> dict[str, list]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def analyse(self, pattern: str) -> Analysis:
        """Alternatives of ``pattern`` with their literals; raises ``re.error`` if it is malformed."""
        known = self._entries.get(pattern)
        if isinstance(known, list) and all(_well_formed(entry) for entry in known):
            return [(alt, None if lits is None else frozenset(lits)) for alt, lits in known]
        analysis = [(alt, matcher.required_literals(alt)) for alt in matcher.split_alternatives(pattern)]
        self._entries[pattern] = [[alt, None if lits is None else sorted(lits)] for alt, lits in analysis]
        self._dirty = True
        return analysis

    def save(self) -> None:
        """Write the memo if it grew; never fails the check over a cache."""
        if not (self._dirty and self.path):
            return
        _write_json(self.path, self._entries)
        self._dirty = False


def _well_formed(entry: object) -> bool:
    """[alternative, [literal, ...] or null]: anything else is damage, recomputed."""
    if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
        return False
    literals = entry[1]
    return literals is None or (isinstance(literals, list) and all(isinstance(x, str) for x in literals))


_memo: PatternMemo | None = None


def memo() -> PatternMemo:
    """The process-wide memo (read from disk on first use)."""
    global _memo
    if _memo is None:
        try:
            path = _cache_file()
        except (OSError, RuntimeError):  # no home folder, unreadable source file
            path = None
        _memo = PatternMemo(path)
    return _memo

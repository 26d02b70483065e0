"""Read rubric TOML files into validated rule definitions.

A rubric file is a list of ``[[rule]]`` tables. A later file may override an earlier
rule by id (only the keys it sets change) or add a new rule of a built-in kind. Errors
name the file, the line and the key, because a user editing TOML needs all three.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from letterguard.kinds import LetterKind

DetectorKind = Literal[
    "phrases", "count", "shouting", "emoji", "length", "context", "recipient", "timing", "greeting"
]
Scope = Literal["all", "letter", "subject", "greeting", "body", "signoff", "signature"]


class RubricError(ValueError):
    """A rubric file is broken: the message names file, line and key."""


class DetectorSpec(BaseModel):
    """One way a rule finds breaks; a rule may combine several (over_emotion does)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DetectorKind
    scope: Scope = "all"
    patterns: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list, description="Matches overlapping these do not count.")
    unless: list[str] = Field(default_factory=list, description="Skip a match whose sentence has one of these.")
    skip_quotes: bool = False
    max: int | None = Field(default=None, description="count: more than this many matches break the rule.")
    allow: list[str] = Field(default_factory=list, description="shouting: capitalised words that are fine.")
    limits: dict[LetterKind, int] = Field(default_factory=dict, description="length: words per letter kind.")
    needs_notes: bool = False
    without_notes: bool = False


class Examples(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bad: list[str] = Field(default_factory=list)
    good: list[str] = Field(default_factory=list)


class RuleSpec(BaseModel):
    """A rule as written in a rubric file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    severity: Literal["error", "warning"]
    message: str
    why: str
    suggestion: str | None = None
    kinds: list[LetterKind] = Field(default_factory=list, description="Letter kinds it applies to; empty = all.")
    detect: list[DetectorSpec] = Field(min_length=1)
    fix: list[str] = Field(default_factory=list, description="Names of safe fixes to try.")
    examples: Examples = Field(default_factory=Examples)


class RubricFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: list[dict[str, Any]] = Field(default_factory=list)


def read_rule_tables(path: Path) -> list[dict[str, Any]]:
    """Parse one rubric file into raw rule tables, with file:line errors."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: cannot read rubric ({exc.__class__.__name__})") from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"{path}: {exc}") from None
    unknown = set(data) - {"rule"}
    if unknown:
        key = sorted(unknown)[0]
        raise RubricError(f"{path}:{_line_of(source, key)}: unknown top-level key '{key}' (expected [[rule]] tables)")
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RubricError(f"{path}:1: 'rule' must be an array of tables ([[rule]])")
    for index, table in enumerate(tables):
        table["__origin__"] = (path, source, index)
    return tables


def merge_rule_tables(layers: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Later layers override earlier rules key by key (same id) or add new rules."""
    merged: dict[str, dict[str, Any]] = {}
    for tables in layers:
        for table in tables:
            rule_id = table.get("id")
            if not isinstance(rule_id, str):
                path, source, index = table["__origin__"]
                raise RubricError(f"{path}:{_rule_line(source, index)}: rule is missing 'id'")
            merged[rule_id] = {**merged.get(rule_id, {}), **table}
    return list(merged.values())


def validate_rule(table: dict[str, Any]) -> RuleSpec:
    """Validate one merged rule table, turning pydantic errors into file:line:key messages."""
    path, source, index = table["__origin__"]
    clean = {k: v for k, v in table.items() if k != "__origin__"}
    try:
        spec = RuleSpec.model_validate(clean)
        for detector in spec.detect:
            for pattern in (*detector.patterns, *detector.exclude, *detector.unless):
                _compile_check(pattern)
        return spec
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "rule"
        leaf = next((str(p) for p in reversed(error["loc"]) if isinstance(p, str)), "id")
        line = _line_of(source, leaf, start=_rule_offset(source, index))
        raise RubricError(f"{path}:{line}: rule '{clean.get('id', '?')}', key '{key}': {error['msg']}") from None
    except re.error as exc:
        line = _line_of(source, "patterns", start=_rule_offset(source, index))
        raise RubricError(f"{path}:{line}: rule '{clean.get('id', '?')}': bad pattern: {exc}") from None


def _compile_check(pattern: str) -> None:
    re.compile(pattern)


def _rule_offset(source: str, index: int) -> int:
    headers = [m.start() for m in re.finditer(r"(?m)^\s*\[\[rule\]\]", source)]
    return headers[index] if index < len(headers) else 0


def _rule_line(source: str, index: int) -> int:
    return source.count("\n", 0, _rule_offset(source, index)) + 1


def _line_of(source: str, key: str, start: int = 0) -> int:
    match = re.compile(rf"(?m)^\s*{re.escape(key)}\s*=|\b{re.escape(key)}\s*=").search(source, start)
    offset = match.start() if match else start
    return source.count("\n", 0, offset) + 1

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

from dataclasses import MISSING, dataclass, field, fields
from difflib import get_close_matches
from enum import Enum
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from letterguard.kinds import LetterKind

DetectorKind = Literal[
    "phrases", "count", "shouting", "emoji", "length", "context", "recipient", "timing", "greeting"
]
Scope = Literal["all", "letter", "subject", "greeting", "body", "signoff", "signature"]


class RubricError(ValueError):
    """A rubric file is broken: the message names file, line and key."""


@dataclass(frozen=True)
class DetectorSpec:
    """One way a rule finds breaks; a rule may combine several (over_emotion does)."""

    kind: DetectorKind
    scope: Scope = "all"
    patterns: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)  # matches overlapping these do not count
    unless: list[str] = field(default_factory=list)  # skip a match whose sentence has one of these
    skip_quotes: bool = False
    max: int | None = None  # count: more than this many matches break the rule
    allow: list[str] = field(default_factory=list)  # shouting: capitalised words that are fine
    limits: dict[LetterKind, int] = field(default_factory=dict)  # length: words per letter kind
    needs_notes: bool = False
    without_notes: bool = False


@dataclass(frozen=True)
class Examples:
    bad: list[str] = field(default_factory=list)
    good: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RuleSpec:
    """A rule as written in a rubric file."""

    id: str
    severity: Literal["error", "warning"]
    message: str
    why: str
    detect: list[DetectorSpec]
    suggestion: str | None = None
    kinds: list[LetterKind] = field(default_factory=list)  # letter kinds it applies to; empty = all
    fix: list[str] = field(default_factory=list)  # names of safe fixes to try
    examples: Examples = field(default_factory=Examples)


class _Invalid(ValueError):
    """A value does not fit its field; ``key`` is the dotted path to it."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def convert(cls: type, data: Any, key: str = "rule") -> Any:
    """Build a spec dataclass from TOML data, checking keys and types.

    A few lines instead of pydantic on purpose: `letterguard check` must start in well
    under 250 ms, and importing pydantic alone costs about 100 ms of that budget.
    """
    if not isinstance(data, dict):
        raise _Invalid(key, "expected a table")
    hints = get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    for name in data:
        if name not in names:
            close = get_close_matches(name, names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _Invalid(f"{key}.{name}", f"unknown key{hint}")
    values = {}
    for f in fields(cls):
        if f.name in data:
            values[f.name] = _value(hints[f.name], data[f.name], f"{key}.{f.name}")
        elif f.default is MISSING and f.default_factory is MISSING:
            raise _Invalid(f"{key}.{f.name}", "required key is missing")
    return cls(**values)


def _value(hint: Any, value: Any, key: str) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        if value is None and NoneType in args:
            return None
        return _value(next(a for a in args if a is not NoneType), value, key)
    if origin is Literal:
        if value not in args:
            raise _Invalid(key, f"must be one of {', '.join(map(repr, args))}, not {value!r}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise _Invalid(key, "expected a list")
        return [_value(args[0], item, f"{key}[{i}]") for i, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise _Invalid(key, "expected a table")
        return {_value(args[0], k, f"{key}.{k}"): _value(args[1], v, f"{key}.{k}") for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            raise _Invalid(key, f"must be one of {', '.join(m.value for m in hint)}, not {value!r}") from None
    if hint in (str, int, bool):
        if type(value) is not hint:
            raise _Invalid(key, f"expected {hint.__name__}, got {type(value).__name__}")
        return value
    return convert(hint, value, key)


def read_rule_tables(path: Path) -> list[dict[str, Any]]:
    """Parse one rubric file into raw rule tables, with file:line errors."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: cannot read rubric ({exc.__class__.__name__})") from None
    from letterguard.rubric.memo import parsed_toml

    try:
        data = parsed_toml(source, tomllib.loads)
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
    """Validate one merged rule table; errors become file:line: rule, key: message."""
    path, source, index = table["__origin__"]
    clean = {k: v for k, v in table.items() if k != "__origin__"}
    rule_id = clean.get("id", "?")
    try:
        spec = convert(RuleSpec, clean)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", spec.id):
            raise _Invalid("rule.id", "ids are lower_snake_case")
        if not spec.detect:
            raise _Invalid("rule.detect", "a rule needs at least one [[rule.detect]]")
        for detector in spec.detect:
            for pattern in (*detector.patterns, *detector.exclude, *detector.unless):
                _compile_check(pattern)
        return spec
    except _Invalid as exc:
        leaf = exc.key.rsplit(".", 1)[-1].split("[")[0]
        line = _line_of(source, leaf, start=_rule_offset(source, index))
        raise RubricError(f"{path}:{line}: rule '{rule_id}', key '{exc.key}': {exc}") from None
    except re.error as exc:
        line = _line_of(source, "patterns", start=_rule_offset(source, index))
        raise RubricError(f"{path}:{line}: rule '{rule_id}': bad pattern: {exc}") from None


def _compile_check(pattern: str) -> None:
    """Parse every alternative (raises re.error); the matcher reuses the memoised parse."""
    from letterguard.rubric.memo import memo

    memo().analyse(pattern)


def _rule_offset(source: str, index: int) -> int:
    headers = [m.start() for m in re.finditer(r"(?m)^\s*\[\[rule\]\]", source)]
    return headers[index] if index < len(headers) else 0


def _rule_line(source: str, index: int) -> int:
    return source.count("\n", 0, _rule_offset(source, index)) + 1


def _line_of(source: str, key: str, start: int = 0) -> int:
    match = re.compile(rf"(?m)^[ \t]*{re.escape(key)}[ \t]*=|\b{re.escape(key)}[ \t]*=").search(source, start)
    offset = match.start() if match else start
    return source.count("\n", 0, offset) + 1

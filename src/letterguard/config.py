"""Project configuration: `letterguard.toml` or `[tool.letterguard]` in pyproject.toml.

Lets a team keep its rubric choices in the repository instead of on every command line:

    [tool.letterguard]
    rubric = ["house-rules.toml"]   # paths relative to the config file
    select = []                     # only these rules (empty = all)
    ignore = ["length"]
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from dataclasses import dataclass, field, replace

from letterguard.rubric.loader import _Invalid, convert


class ConfigError(ValueError):
    """The config file is broken; the message names the file and key."""


@dataclass(frozen=True)
class ProjectConfig:
    rubric: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)


def find_config(start: Path | None = None) -> ProjectConfig:
    """The nearest config at or above ``start`` (the current folder by default)."""
    folder = (start or Path.cwd()).resolve()
    for directory in (folder, *folder.parents):
        for name, pick in _CANDIDATES:
            path = directory / name
            if path.is_file():
                section = _section(path, pick)
                if section is not None:
                    return _parse(path, section)
    return ProjectConfig()


_CANDIDATES = (
    ("letterguard.toml", lambda data: data),
    ("pyproject.toml", lambda data: data.get("tool", {}).get("letterguard")),
)


def _section(path: Path, pick):
    try:
        return pick(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _parse(path: Path, section: dict) -> ProjectConfig:
    try:
        config = convert(ProjectConfig, section, key="letterguard")
    except _Invalid as exc:
        raise ConfigError(f"{path}: key '{exc.key}': {exc}") from None
    return replace(config, rubric=[str(path.parent / p) for p in config.rubric])

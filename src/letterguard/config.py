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

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigError(ValueError):
    """The config file is broken; the message names the file and key."""


class ProjectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rubric: list[Path] = Field(default_factory=list)
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    source: Path | None = Field(default=None, exclude=True)


def find_config(start: Path | None = None) -> ProjectConfig:
    """The nearest config at or above ``start`` (the current folder by default)."""
    folder = (start or Path.cwd()).resolve()
    for directory in (folder, *folder.parents):
        dedicated = directory / "letterguard.toml"
        if dedicated.is_file():
            return _load(dedicated, lambda data: data)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            config = _load(pyproject, lambda data: data.get("tool", {}).get("letterguard"))
            if config.source is not None:
                return config
    return ProjectConfig()


def _load(path: Path, pick) -> ProjectConfig:
    try:
        section = pick(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if section is None:
        return ProjectConfig()
    try:
        config = ProjectConfig.model_validate(section)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"])
        raise ConfigError(f"{path}: key '{key}': {error['msg']}") from None
    rubrics = [p if p.is_absolute() else path.parent / p for p in config.rubric]
    return config.model_copy(update={"rubric": rubrics, "source": path})

"""Helpers shared by the commands: one-line errors, consoles, rubric options."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import typer

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print one line on stderr and exit: the contract for every bad input."""
    typer.echo(f"letterguard: {message}", err=True)
    raise typer.Exit(code)


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_segments(lines) -> None:
    """Styled lines on a terminal (via rich), plain text otherwise."""
    if sys.stdout.isatty():
        from rich.text import Text

        out = console()
        for line in lines:
            out.print(Text.assemble(*line))
    else:
        from letterguard.render.report import plain

        typer.echo(plain(lines))


def split_ids(values: list[str] | None) -> list[str]:
    """Accept both `--ignore a --ignore b` and `--ignore a,b`."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def rubric_choice(rubric_files: list[Path] | None, select: list[str] | None, ignore: list[str] | None):
    """The built-in rubric plus project config plus command-line overrides, loaded once
    here so a broken rubric file is a one-line error before any work starts."""
    from letterguard.config import ConfigError, find_config
    from letterguard.rubric import RubricChoice, RubricError

    try:
        config = find_config()
        choice = RubricChoice(
            files=tuple(str(path) for path in [*config.rubric, *(rubric_files or [])]),
            select=tuple(split_ids(select) or config.select or ()),
            ignore=tuple(split_ids(ignore) or config.ignore or ()),
        )
        choice.load()
        return choice
    except (ConfigError, RubricError, OSError) as exc:
        fail(str(exc))


def build_rubric(rubric_files: list[Path] | None, select: list[str] | None, ignore: list[str] | None):
    """The rubric ``rubric_choice`` names."""
    return rubric_choice(rubric_files, select, ignore).load()


def stdin_is_terminal() -> bool:
    return sys.stdin is None or sys.stdin.isatty()

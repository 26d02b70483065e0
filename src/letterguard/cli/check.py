"""`letterguard check`: run the rubric on letters people wrote themselves."""

from __future__ import annotations

import difflib
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from letterguard.cli import app
from letterguard.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, build_rubric, fail, print_segments, stdin_is_terminal
from letterguard.kinds import LetterKind


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


@app.command()
def check(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Letter files or folders (*.txt, *.md, *.eml); '-' for stdin.")] = None,
    kind: Annotated[Optional[LetterKind], typer.Option(help="Letter kind for length limits; guessed from the text when absent.")] = None,
    notes: Annotated[Optional[Path], typer.Option(help="Interview notes: enables wrong_recipient, premature_follow_up, sharper missing_context.")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Rewrite the files with the safe fixes applied.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show the fixes as a unified diff; write nothing.")] = False,
    output_format: Annotated[CheckFormat, typer.Option("--format", help="text, json or github annotations.")] = CheckFormat.text,
    rubric: Annotated[Optional[list[Path]], typer.Option("--rubric", help="Extra rubric TOML file (repeatable); overrides rules by id.")] = None,
    select: Annotated[Optional[list[str]], typer.Option(help="Only these rule ids (repeatable or comma-separated).")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these rule ids (repeatable or comma-separated).")] = None,
    brief: Annotated[bool, typer.Option("--brief", help="One line per finding, without why and suggestion.")] = False,
) -> None:
    """Check letters against the etiquette rubric. Exit 0 clean, 1 errors found, 2 bad input."""
    from letterguard.letters_in import LetterSource, expand, read_letter
    from letterguard.render.report import FileResult, to_github, to_json, to_text

    if not paths:
        if stdin_is_terminal():
            fail("no letters given: pass files or folders, or pipe a letter with '-'")
        paths = ["-"]
    the_rubric = build_rubric(rubric, select, ignore)
    the_notes = _load_notes(notes) if notes else None
    stdin_bytes = sys.stdin.buffer.read() if "-" in paths else None

    results: list[FileResult] = []
    for item in expand(paths):
        source = item if isinstance(item, LetterSource) else read_letter(item, stdin_bytes)
        if source.error:
            typer.echo(f"letterguard: {source.error}", err=True)
            results.append(FileResult(source.path, error=source.error))
            continue
        results.append(_check_one(the_rubric, source, the_notes, kind, fix, diff))

    if output_format is CheckFormat.json:
        typer.echo(to_json(results))
    elif output_format is CheckFormat.github:
        text = to_github(results)
        if text:
            typer.echo(text)
    elif not (fix and paths == ["-"]):
        print_segments(to_text(results, verbose=not brief))
    raise typer.Exit(_exit_code(results))


def _check_one(rubric, source, notes, kind, fix: bool, diff: bool):
    from letterguard.render.report import FileResult

    if not (fix or diff):
        return FileResult(source.path, rubric.check(source.text, notes, kind))
    result = rubric.fix(source.text, notes, kind)
    if diff:
        _print_diff(source.path, source.text, result.text)
    elif fix and result.changed:
        _write_fixed(source.path, result.text)
    return FileResult(source.path, result.report if fix else rubric.check(source.text, notes, kind))


def _print_diff(path: str, before: str, after: str) -> None:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), path, f"{path} (fixed)"
    )
    typer.echo("".join(lines), nl=False)


def _write_fixed(path: str, text: str) -> None:
    if path == "-":
        typer.echo(text, nl=False)
        return
    target = Path(path)
    if target.suffix.lower() == ".eml":
        typer.echo(f"letterguard: {path}: not rewriting an .eml file; use --diff", err=True)
        return
    temp = target.with_name(f".{target.name}.letterguard-tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(target)


def _load_notes(path: Path):
    from letterguard.notes import NotesError, load_notes

    try:
        return load_notes(path)
    except NotesError as exc:
        fail(str(exc))


def _exit_code(results) -> int:
    if any(r.error for r in results):
        return EXIT_USAGE
    return EXIT_OK if all(r.passed for r in results) else EXIT_FINDINGS

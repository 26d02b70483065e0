"""`letterguard draft`: write checked letters from interview notes.

Without a model configured the offline composer writes (no key, no network). With one
(--model / LETTERGUARD_MODEL / OPENAI_API_KEY / OPENAI_BASE_URL) the guard loop drafts,
checks, fixes and re-asks, and falls back to the composer unless --no-fallback.
Exit 0 letters written, 1 a letter was rejected, 2 bad input or usage.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from letterguard.cli import app
from letterguard.cli.common import EXIT_FINDINGS, EXIT_OK, build_rubric, fail, stdin_is_terminal
from letterguard.kinds import LetterKind


class DraftFormat(StrEnum):
    text = "text"
    json = "json"
    eml = "eml"


class Mode(StrEnum):
    tools = "tools"
    json = "json"
    json_schema = "json_schema"
    md_json = "md_json"


@app.command()
def draft(
    notes_file: Annotated[Optional[str], typer.Argument(metavar="[NOTES_FILE|-]", help="Interview notes (YAML, JSON, TOML or pasted text); '-' or a pipe reads stdin.")] = None,
    kind: Annotated[Optional[LetterKind], typer.Option(help="Letter kind; guessed from the notes' dates when absent.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Write a status inquiry even before the decision date.")] = False,
    model: Annotated[Optional[str], typer.Option(help="Model name (or LETTERGUARD_MODEL). Without any model the offline composer writes.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible server, e.g. http://localhost:11434/v1 (or OPENAI_BASE_URL).")] = None,
    mode: Annotated[Optional[Mode], typer.Option(help="Structured output: tools (default; OpenAI, Ollama, llama-cpp-python), json or json_schema (servers without tool calling).")] = None,
    max_attempts: Annotated[int, typer.Option(min=1, max=10, help="Model drafts before falling back.")] = 3,
    no_fallback: Annotated[bool, typer.Option("--no-fallback", help="Never use the offline composer: if no draft passes, print nothing and exit 1.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Print every attempt and what the checker found, on stderr.")] = False,
    save_run: Annotated[Optional[Path], typer.Option("--save-run", metavar="DIR", help="Save the whole run (notes, attempts, reports) as one JSON file in DIR.")] = None,
    output_format: Annotated[DraftFormat, typer.Option("--format", help="text (with Subject: line), json, or eml (RFC 5322 message).")] = DraftFormat.text,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="FILE", help="Write the letter(s) to FILE instead of stdout.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", metavar="DIR", help="Write one file per interviewer into DIR.")] = None,
    today: Annotated[Optional[str], typer.Option(metavar="YYYY-MM-DD", help="Date to treat as today (for timing and the letter kind).")] = None,
    rubric: Annotated[Optional[list[Path]], typer.Option("--rubric", help="Extra rubric TOML file (repeatable); the guard checks drafts with it too.")] = None,
    select: Annotated[Optional[list[str]], typer.Option(help="Only these rule ids (repeatable or comma-separated).")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these rule ids (repeatable or comma-separated).")] = None,
) -> None:
    """Draft a checked letter to each interviewer in the notes.

    Offline by default; with a model configured, drafts are checked, fixed and re-asked,
    and the offline composer is the fallback. Exit 0 ok, 1 rejected, 2 bad input.
    """
    if out is not None and out_dir is not None:
        fail("use either -o FILE or --out-dir DIR, not both")
    day = _today(today)
    the_rubric = build_rubric(rubric, select, ignore)
    config = _config(model, base_url, mode.value if mode else None)
    notes = _notes(notes_file, config)
    the_kind = _kind(notes, kind, day, force)

    from letterguard.guard import draft_all

    letter_model = None
    if config is not None:
        from letterguard.model import LetterModel

        letter_model = LetterModel(config)
    with _progress(config):
        outcomes = draft_all(
            notes, the_kind, model=letter_model, max_attempts=max_attempts, fallback=not no_fallback, today=day, rubric=the_rubric
        )
    _report(outcomes, explain, save_run, notes, config, day)
    if any(o.status == "rejected" for o in outcomes):
        raise typer.Exit(EXIT_FINDINGS)
    _write(outcomes, output_format.value, notes, out, out_dir)
    raise typer.Exit(EXIT_OK)


# -- input ------------------------------------------------------------------------------


def _today(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--today: {value!r} is not a date like 2026-05-14")


def _config(model: str | None, base_url: str | None, mode: str | None) -> Any:
    from letterguard.model import ModelConfig, ModelError

    try:
        return ModelConfig.resolve(model=model, base_url=base_url, mode=mode)
    except ModelError as exc:
        fail(str(exc))


def _read_text(notes_file: str | None) -> tuple[str, str]:
    """(text, source name) from stdin; on a terminal, ask for a paste ending with Ctrl-D."""
    if notes_file is None and stdin_is_terminal():
        typer.echo("Paste your interview notes, then press Ctrl-D on an empty line:", err=True)
    try:
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    except KeyboardInterrupt:
        fail("cancelled")
    text = data.decode("utf-8-sig", errors="replace")
    if not text.strip():
        fail("no notes given: pass a notes file, or paste or pipe the notes")
    return text, "<stdin>"


def _notes(notes_file: str | None, config: Any) -> Any:
    """Parse offline first; a model (when configured) reads notes the parser cannot; ask for
    missing essentials on a terminal, or fail with one line."""
    from letterguard.notes import FreeFormNotes, NotesError, parse_notes_data, read_notes_data

    text = None
    try:
        if notes_file in (None, "-"):
            text, source = _read_text(notes_file)
            data = parse_notes_data(text, None, source)
        else:
            source = notes_file
            data = read_notes_data(Path(notes_file))
    except NotesError as exc:
        text = text if text is not None else _file_text(notes_file)
        if config is None or text is None:
            hint = " or configure a model to read free-form notes (--model, --base-url, OPENAI_API_KEY)" if isinstance(exc, FreeFormNotes) else ""
            fail(f"{exc}{hint}")
        return _extracted(text, config, str(exc))
    if text is None and config is not None:
        text = _file_text(notes_file)
    return _complete(data, source, config, text)


def _file_text(path: str | None) -> str | None:
    try:
        return Path(str(path)).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _complete(data: dict[str, Any], source: str, config: Any, text: str | None) -> Any:
    from letterguard.notes import ESSENTIAL_PROMPTS, NotesError, essential_gaps, fill_gap, notes_from_mapping

    try:
        gaps = essential_gaps(data)
        if gaps and config is not None and text is not None:
            extracted = _try_extract(text, config)
            if extracted is not None:
                return extracted
        if gaps and stdin_is_terminal():
            for gap in gaps:
                typer.echo(f"The notes do not say: {ESSENTIAL_PROMPTS[gap].lower()}.", err=True)
                data = fill_gap(data, gap, typer.prompt(ESSENTIAL_PROMPTS[gap], err=True))
        return notes_from_mapping(data, source)
    except NotesError as exc:
        fail(str(exc))


def _try_extract(text: str, config: Any) -> Any:
    from letterguard.model import LetterModel, ModelError
    from letterguard.notes import notes_from_mapping

    try:
        notes, _ = LetterModel(config).extract_notes(text)
        return notes_from_mapping(notes.model_dump(), "<model>")
    except (ModelError, ValueError):
        return None


def _extracted(text: str, config: Any, parse_error: str) -> Any:
    notes = _try_extract(text, config)
    if notes is None:
        fail(f"{parse_error} (the model could not read these notes either)")
    typer.echo("letterguard: note: the notes were read by the model; check names and dates in the letter", err=True)
    return notes


def _kind(notes: Any, kind: LetterKind | None, day: date, force: bool) -> LetterKind:
    from letterguard.timing import guess_kind, timing_problem

    chosen = kind or guess_kind(notes, day)
    problem = timing_problem(notes, chosen, day)
    if problem and chosen is LetterKind.STATUS_INQUIRY and not force:
        fail(f"{problem} (use --force to write it anyway)")
    if problem:
        typer.echo(f"letterguard: note: {problem}", err=True)
    return chosen


def _progress(config: Any) -> Any:
    """A spinner while a model works (it can take a while), only on a terminal."""
    import contextlib

    if config is None or not sys.stderr.isatty():
        return contextlib.nullcontext()
    from letterguard.cli.common import console

    return console(stderr=True).status(f"Drafting with {config.describe()} ...")


# -- output -----------------------------------------------------------------------------


def _report(outcomes: list[Any], explain: bool, save_run: Path | None, notes: Any, config: Any, day: date) -> None:
    from letterguard.render.outcome import explain as history

    for outcome in outcomes:
        if explain:
            typer.echo(history(outcome), err=True, nl=False)
        if outcome.status == "fallback" and outcome.notice:
            typer.echo(f"letterguard: note: {outcome.interviewer.name}: {outcome.notice}", err=True)
        if outcome.status == "rejected":
            _rejected(outcome)
    if save_run is not None:
        path = _save_run(save_run, outcomes, notes, config, day)
        typer.echo(f"letterguard: saved the run to {path}", err=True)


def _rejected(outcome: Any) -> None:
    why = f" ({outcome.notice})" if outcome.notice else ""
    typer.echo(f"letterguard: no letter to {outcome.interviewer.name} passed the checks{why}", err=True)
    for v in outcome.report.violations:
        quote = " ".join(v.text.split())
        typer.echo(f"  {v.line}:{v.col} {v.severity.value} {v.rule}: {v.message}" + (f' "{quote}"' if quote else ""), err=True)


def _save_run(folder: Path, outcomes: list[Any], notes: Any, config: Any, day: date) -> Path:
    record = {
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        "today": day.isoformat(),
        "model": None if config is None else {"model": config.model, "base_url": config.base_url, "mode": config.mode},
        "notes": notes.model_dump(mode="json"),
        "outcomes": [o.to_dict() for o in outcomes],
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path, n = folder / f"draft-{stamp}.json", 2
        while path.exists():
            path, n = folder / f"draft-{stamp}-{n}.json", n + 1
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"--save-run {folder}: {exc.strerror or exc}")
    return path


def _write(outcomes: list[Any], fmt: str, notes: Any, out: Path | None, out_dir: Path | None) -> None:
    from letterguard.render.outcome import file_names, render, render_one

    try:
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            for outcome, name in zip(outcomes, file_names(outcomes, fmt)):
                (out_dir / name).write_text(render_one(outcome, fmt, notes), encoding="utf-8")
                typer.echo(f"letterguard: wrote {out_dir / name}", err=True)
        elif out is not None:
            out.write_text(render(outcomes, fmt, notes), encoding="utf-8")
            typer.echo(f"letterguard: wrote {out}", err=True)
        else:
            typer.echo(render(outcomes, fmt, notes), nl=False)
    except OSError as exc:
        fail(f"cannot write the letters: {exc.strerror or exc}")

"""`letterguard batch`: letters for a whole cohort, resumable, with progress.

Exit codes: 0 every letter passed, was fixed or fell back to the composer; 1 some letters
were rejected or some rows were skipped as bad; 2 usage or input error; 130 interrupted.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from letterguard.cli import app
from letterguard.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, console, fail, rubric_choice
from letterguard.kinds import LetterKind

EXIT_INTERRUPTED = 130
MAX_BAD_ROW_LINES = 50  # after this many, bad rows are only counted (all are in summary.json)
PLAIN_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal


@app.command()
def batch(
    source: Annotated[Path, typer.Argument(metavar="INPUT", help="Notes: a .jsonl or .csv file (one interview per row) or a folder of notes files.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Folder for the letters, results.jsonl and summary.json.")],
    kind: Annotated[Optional[LetterKind], typer.Option(help="Force the letter kind; otherwise each row's kind, or guessed from its dates.")] = None,
    model: Annotated[Optional[str], typer.Option(help="Model name (or LETTERGUARD_MODEL); without a model the offline composer writes.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible server (or OPENAI_BASE_URL).")] = None,
    mode: Annotated[Optional[str], typer.Option(help="Structured output mode: tools, json, json_schema or md_json.")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Use the offline composer even when a model is configured.")] = False,
    max_attempts: Annotated[int, typer.Option(min=1, max=10, help="Model drafts per letter before falling back.")] = 3,
    fallback: Annotated[bool, typer.Option(help="Fall back to the offline composer when no model draft passes.")] = True,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, max=512, help="Model requests open at once.")] = 8,
    rpm: Annotated[Optional[float], typer.Option(min=0.001, help="Client-side limit: model requests per minute.")] = None,
    tpm: Annotated[Optional[float], typer.Option(min=1, help="Client-side limit: model tokens per minute.")] = None,
    processes: Annotated[Optional[int], typer.Option(min=1, max=64, help="Drafting processes (default: more than one only for big or highly concurrent runs).")] = None,
    retry_rejected: Annotated[bool, typer.Option("--retry-rejected", help="On a rerun, draft rejected letters again instead of skipping them.")] = False,
    today: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="Date the letters are written (default: today).")] = None,
    rubric: Annotated[Optional[list[Path]], typer.Option("--rubric", help="Extra rubric TOML file (repeatable); the guard checks every letter with it.")] = None,
    select: Annotated[Optional[list[str]], typer.Option(help="Only these rule ids (repeatable or comma-separated).")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these rule ids (repeatable or comma-separated).")] = None,
) -> None:
    """Draft one checked letter per interviewer for every row of INPUT; rerun to resume.

    Exit 0 all letters written, 1 some rejected or rows skipped, 2 bad input, 130 interrupted."""
    from letterguard.batch import BatchOptions, InputError, StoreError, count_rows, run_batch

    config = _model_config(model, base_url, mode, offline)
    options = BatchOptions(
        kind=kind, max_attempts=max_attempts, fallback=fallback, concurrency=concurrency,
        rpm=rpm, tpm=tpm, today=today.date() if today else None, retry_rejected=retry_rejected, processes=processes,
        rubric=rubric_choice(rubric, select, ignore),
    )
    try:
        expected = count_rows(source)
    except (InputError, OSError) as exc:
        fail(str(exc))
    display = _Display(expected)
    try:
        with display:
            stats = run_batch(source, out_dir, options, model_config=config, listener=display, stats=display.stats)
    except (InputError, StoreError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:  # a second Ctrl-C: finished letters are on disk already
        typer.echo("letterguard: interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    _print_summary(stats, out_dir)
    if stats.interrupted:
        typer.echo("letterguard: interrupted; rerun the same command to finish", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(EXIT_OK if stats.clean else EXIT_FINDINGS)


def _model_config(model: str | None, base_url: str | None, mode: str | None, offline: bool):
    from letterguard.model import ModelConfig, ModelError

    if offline:
        return None
    try:
        return ModelConfig.resolve(model=model, base_url=base_url, mode=mode)
    except ModelError as exc:
        fail(str(exc))


class _Display:
    """Progress for humans: a rich bar on a terminal, a plain line every few seconds otherwise."""

    def __init__(self, rows_expected: int) -> None:
        from letterguard.batch import BatchStats

        self.stats = BatchStats(rows_expected=rows_expected)
        self.terminal = sys.stderr.isatty()
        self._progress = None
        self._task = None
        self._last = time.monotonic()
        self._bad_lines = 0

    def __enter__(self) -> "_Display":
        if self.terminal:
            self._progress = _rich_progress()
            self._progress.start()
            self._task = self._progress.add_task("letters", total=None, counts="")
        return self

    def __exit__(self, *exc_info) -> None:
        self._refresh(force=True)
        if self._progress is not None:
            self._progress.stop()

    # BatchListener hooks
    def on_letter(self, record: dict, stats) -> None:
        self._refresh()

    def on_skip(self, stats) -> None:
        self._refresh()

    def on_bad_row(self, row, stats) -> None:
        self._bad_lines += 1
        if self._bad_lines <= MAX_BAD_ROW_LINES:
            self._say(f"letterguard: {row.error} (row skipped)")
        elif self._bad_lines == MAX_BAD_ROW_LINES + 1:
            self._say("letterguard: more bad rows; all of them are listed in summary.json")

    def _say(self, line: str) -> None:
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False)
        else:
            typer.echo(line, err=True)

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        every = 0.1 if self._progress is not None else PLAIN_EVERY
        if not force and now - self._last < every:
            return
        self._last = now
        if self._progress is not None:
            s = self.stats
            self._progress.update(self._task, completed=s.finished_letters, total=max(s.letters_to_do, s.finished_letters) or None, counts=_counts(s))
        elif self.stats.finished_letters or self.stats.skipped:
            typer.echo(f"letterguard batch: {_plain_line(self.stats)}", err=True)


def _rich_progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("[bold]letters"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=False,
    )


def _counts(stats) -> str:
    done = stats.done
    parts = [
        f"[green]{done['passed']} passed[/]",
        f"[cyan]{done['fixed']} fixed[/]",
        f"[yellow]{done['fallback']} fallback[/]",
        f"[red]{done['rejected'] + done['error']} rejected[/]",
        f"{stats.rate:.1f}/s",
    ]
    if stats.skipped:
        parts.append(f"[dim]{stats.skipped} already done[/]")
    return "  ".join(parts)


def _plain_line(stats) -> str:
    done, todo = stats.done, stats.letters_to_do
    eta = (todo - stats.finished_letters) / stats.rate if stats.rate else None
    line = (
        f"{stats.finished_letters}/{todo} letters (passed {done['passed']}, fixed {done['fixed']}, "
        f"fallback {done['fallback']}, rejected {done['rejected'] + done['error']}), {stats.rate:.1f}/s"
    )
    if eta is not None and todo > stats.finished_letters:
        line += f", ETA {_duration(eta)}"
    if stats.skipped:
        line += f", {stats.skipped} already done"
    return line


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _print_summary(stats, out_dir: Path) -> None:
    from rich.table import Table

    from letterguard.batch import RESULTS, STATUSES, SUMMARY

    totals = stats.totals()
    table = Table(title="letterguard batch", title_justify="left")
    table.add_column("status")
    table.add_column("this run", justify="right")
    table.add_column("all runs", justify="right")
    for status in STATUSES:
        if status != "error" or totals[status]:
            table.add_row(status, str(stats.done[status]), str(totals[status]))
    table.add_row("letters", str(stats.finished_letters), str(sum(totals.values())), style="bold")
    table.add_row("bad rows skipped", str(stats.rows_bad), "")
    out = console()
    out.print(table)
    tokens = stats.tokens["total_tokens"]
    out.print(
        f"{stats.finished_letters} letters in {stats.elapsed:.1f}s ({stats.rate:.1f}/s)"
        + (f", {tokens} tokens" if tokens else "")
        + (f", {stats.skipped} already done" if stats.skipped else "")
    )
    out.print(f"letters in {out_dir}/, one line per letter in {out_dir / RESULTS}, totals in {out_dir / SUMMARY}")

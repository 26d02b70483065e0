"""Batch drafting: a cohort of interviews in, one checked letter per interviewer out.

Public API::

    from letterguard.batch import BatchOptions, run_batch
    stats = run_batch(Path("cohort.csv"), Path("out"), BatchOptions(concurrency=8), model_config=None)
    stats.to_summary(); stats.clean

``run_batch`` is synchronous (it owns the event loop and turns SIGTERM into a clean
stop, like Ctrl-C); ``arun_batch`` is the coroutine underneath. Reading rows lives in
``batch.rows``, the output folder in ``batch.store``, rate limits in ``batch.limits``
and the worker loop in ``batch.runner``.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from letterguard.batch.rows import CSV_COLUMNS, InputError, Row, count_rows, read_rows
from letterguard.batch.runner import STATUSES, BatchListener, BatchOptions, BatchStats, Runner
from letterguard.batch.store import RESULTS, SUMMARY, ResultStore, StoreError, letter_filename
from letterguard.model import ModelConfig
from letterguard.rubric.engine import RubricChoice

__all__ = [
    "CSV_COLUMNS",
    "RESULTS",
    "STATUSES",
    "SUMMARY",
    "BatchListener",
    "BatchOptions",
    "BatchStats",
    "InputError",
    "ResultStore",
    "Row",
    "StoreError",
    "arun_batch",
    "count_rows",
    "fingerprint",
    "letter_filename",
    "processes_for",
    "read_rows",
    "run_batch",
]


def fingerprint(config: ModelConfig | None) -> tuple[tuple[str, Any], ...]:
    """The model settings that change a letter (so changing one redrafts, not skips)."""
    if config is None:
        return (("model", "offline-composer"),)
    return (("model", config.model), ("mode", config.mode), ("temperature", config.temperature), ("max_tokens", config.max_tokens))


async def arun_batch(
    source: Path,
    out_dir: Path,
    options: BatchOptions,
    *,
    model_config: ModelConfig | None = None,
    listener: BatchListener | None = None,
    stats: BatchStats | None = None,
) -> BatchStats:
    """Draft every letter of ``source`` not already in ``out_dir``; write summary.json."""
    options = _with_fingerprint(options, model_config)
    if source.is_dir() and Path(out_dir).resolve() == source.resolve():
        raise InputError(f"{out_dir}: write the letters to another folder than the notes (they would be read as notes)")
    rows = read_rows(source)  # raises InputError before anything is written
    stats = stats or BatchStats()
    if stats.rows_expected is None:
        stats.rows_expected = count_rows(source)
    store = ResultStore(out_dir, retry_rejected=options.retry_rejected).open()
    runner = None
    try:
        with _sigterm_cancels_current_task():
            async with _drafting(options, model_config, stats.rows_expected) as (drafter, workers):
                runner = Runner(rows, store, drafter, options, workers=workers, listener=listener, stats=stats)
                return await runner.run()
    finally:
        try:
            store.write_summary(_summary(stats, source, out_dir, options, model_config))
        finally:
            store.close()


def processes_for(options: BatchOptions, model_config: ModelConfig | None, rows: int) -> int:
    """How many drafting processes: ``options.processes``, or a guess worth the ~1 s start.

    Several processes pay off for big offline runs (the composer is CPU-bound) and for
    highly concurrent runs against a fast server (request plumbing is CPU-bound too); a
    handful of letters, or a remote model at 8 letters in flight, is faster in-process.
    """
    if options.processes:
        # each process needs at least one of the run's request slots
        return options.processes if model_config is None else min(options.processes, options.concurrency)
    cores = os.cpu_count() or 1
    if cores < 2:
        return 1
    busy = rows >= 500 if model_config is None else rows >= 200 and options.concurrency >= 16
    return min(cores, 4) if busy else 1


@asynccontextmanager
async def _drafting(options: BatchOptions, config: ModelConfig | None, rows: int):
    """Yield (drafter, worker count): in this process, or spread over worker processes."""
    processes = processes_for(options, config, rows)
    if processes > 1:
        from letterguard.batch.pool import ProcessDrafter

        pool = ProcessDrafter(
            processes, config, max_attempts=options.max_attempts, fallback=options.fallback, today=options.today,
            rubric=options.rubric, request_slots=options.concurrency,
        )
        try:
            await pool.start()
            yield pool, pipeline_depth(options.concurrency) if config is not None else 2 * processes
        finally:
            await pool.aclose()
        return
    from letterguard.guard import adraft

    model = _async_model(config, options.concurrency)
    rubric = options.rubric.load()

    async def drafter(notes, interviewer, kind):
        return await adraft(
            notes, interviewer, kind,
            model=model, max_attempts=options.max_attempts, fallback=options.fallback, today=options.today, rubric=rubric,
        )

    if model is None:
        yield drafter, 1  # the composer is CPU-bound: more workers only add task switches
        return
    try:
        await asyncio.to_thread(_warm_up, model, rubric)
        yield drafter, pipeline_depth(options.concurrency)
    finally:
        await model.aclose()


def run_batch(source: Path, out_dir: Path, options: BatchOptions, **kwargs: Any) -> BatchStats:
    """``arun_batch`` in its own event loop. Ctrl-C or SIGTERM stop it cleanly: in-flight
    letters are dropped, ``stats.interrupted`` is True and summary.json is still written."""
    return asyncio.run(arun_batch(source, out_dir, options, **kwargs))


@contextmanager
def _sigterm_cancels_current_task() -> Iterator[None]:
    loop, task = asyncio.get_running_loop(), asyncio.current_task()
    try:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _with_fingerprint(options: BatchOptions, config: ModelConfig | None) -> BatchOptions:
    from dataclasses import replace

    extra = () if options.rubric == RubricChoice() else (("rubric", options.rubric.fingerprint()),)
    return replace(options, fingerprint=fingerprint(config) + extra)


def pipeline_depth(concurrency: int) -> int:
    """Letters in flight for ``concurrency`` open requests: a few more than the request
    slots, so while some letters render prompts or get checked, others already wait for
    the next free slot and the server is never left idle."""
    return concurrency + max(2, concurrency // 4)


def _async_model(config: ModelConfig | None, concurrency: int):
    if config is None:
        return None
    from letterguard.model import AsyncLetterModel

    return AsyncLetterModel(config, max_in_flight=concurrency)


def _warm_up(model, rubric) -> None:
    """Build the client (imports openai + instructor, ~1 s) and compile templates and
    rubric patterns off the event loop and before the clock starts, instead of inside the
    first letters while the others wait."""
    from letterguard.guard import warm_up

    warm = getattr(model, "warm", None) or getattr(model, "_client", None)
    if warm is not None:
        warm()
    warm_up(rubric, prompts_too=True)


def _summary(stats: BatchStats, source: Path, out_dir: Path, options: BatchOptions, config: ModelConfig | None) -> dict:
    settings = {
        "kind": options.kind.value if options.kind else "guessed per row",
        "model": config.describe() if config else "offline composer",
        "max_attempts": options.max_attempts,
        "fallback": options.fallback,
        "concurrency": options.concurrency,
        "processes": processes_for(options, config, stats.rows_expected or 0),
        "rpm": options.rpm,
        "tpm": options.tpm,
    }
    return {"input": str(source), "out_dir": str(out_dir), "settings": settings, "ok": stats.clean, **stats.to_summary()}

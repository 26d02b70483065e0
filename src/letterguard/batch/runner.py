"""Run a cohort: stream rows, draft one letter per interviewer, record each result.

One producer reads rows and turns them into letter jobs; ``concurrency`` workers take
jobs from a bounded queue, so at most ``concurrency`` letters are in flight and at most
``concurrency`` more wait in the queue, however long the input. The offline composer
uses the same loop with a single worker: it is CPU-bound, so more workers only cost
task switches.

Each job has a key (a hash of the notes row, the interviewer, the letter kind and the
settings that change the output). A key already in ``results.jsonl`` is skipped, which
is what makes a rerun resume.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from letterguard.batch.limits import RateLimiter
from letterguard.batch.rows import Row
from letterguard.batch.store import ResultStore, file_prefix, slug
from letterguard.kinds import LetterKind
from letterguard.notes import InterviewNotes, Interviewer
from letterguard.rubric.engine import RubricChoice

__all__ = ["BAD_ROW_LIMIT", "BatchListener", "BatchOptions", "BatchStats", "Drafter", "Job", "Runner", "STATUSES"]

STATUSES = ("passed", "fixed", "fallback", "rejected", "error")
KEY_VERSION = 1
BAD_ROW_LIMIT = 1000  # bad rows kept for summary.json; the rest are only counted
WRITE_BACKLOG = 64  # finished letters waiting for the writer thread
Drafter = Callable[[InterviewNotes, Interviewer, LetterKind], Awaitable[Any]]


@dataclass(frozen=True)
class BatchOptions:
    """Everything that shapes a run. ``fingerprint`` holds what changes the letters."""

    kind: LetterKind | None = None
    max_attempts: int = 3
    fallback: bool = True
    concurrency: int = 8
    rpm: float | None = None
    tpm: float | None = None
    today: date | None = None
    retry_rejected: bool = False
    processes: int | None = None  # drafting processes; None: decided from the run's size
    rubric: RubricChoice = RubricChoice()  # extra rubric files and rule filters the guard uses
    fingerprint: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Job:
    row: Row
    index: int
    kind: LetterKind
    key: str
    file: str

    @property
    def interviewer(self) -> Interviewer:
        return self.row.notes.interviewers[self.index]


@dataclass
class BatchStats:
    """Counters for the progress display and summary.json."""

    rows_expected: int | None = None
    rows_read: int = 0
    rows_bad: int = 0
    letters_queued: int = 0
    skipped: int = 0
    done: Counter = field(default_factory=Counter)  # this run, by status
    earlier: Counter = field(default_factory=Counter)  # skipped letters, by recorded status
    tokens: Counter = field(default_factory=Counter)
    bad_rows: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    finished: float | None = None
    interrupted: bool = False
    reading_done: bool = False

    @property
    def finished_letters(self) -> int:
        return sum(self.done.values())

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        return self.finished_letters / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def letters_to_do(self) -> int:
        """Letters this run will draft: exact once reading is done, else an estimate."""
        if self.reading_done or not self.rows_expected or not self.rows_read:
            return self.letters_queued
        per_row = (self.letters_queued + self.skipped) / self.rows_read
        todo_share = self.letters_queued / max(1, self.letters_queued + self.skipped)
        left = max(0, self.rows_expected - self.rows_read)
        return self.letters_queued + round(left * per_row * todo_share)

    def totals(self) -> Counter:
        """Every letter of this input: drafted now plus found done from earlier runs."""
        return self.done + self.earlier

    @property
    def clean(self) -> bool:
        totals = self.totals()
        return not (self.rows_bad or totals["rejected"] or totals["error"] or self.interrupted)

    def to_summary(self) -> dict:
        totals = self.totals()
        return {
            "started_at": self.started_at,
            "elapsed_seconds": round(self.elapsed, 3),
            "interrupted": self.interrupted,
            "rows": {"read": self.rows_read, "bad": self.rows_bad},
            "letters": {"total": sum(totals.values()), **{s: totals[s] for s in STATUSES}},
            "this_run": {
                "drafted": self.finished_letters,
                "skipped_already_done": self.skipped,
                "letters_per_second": round(self.rate, 2),
                **{s: self.done[s] for s in STATUSES},
            },
            "tokens": {k: self.tokens[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")},
            "bad_rows": self.bad_rows,
        }


class BatchListener:
    """Hooks for progress display; the default does nothing."""

    def on_bad_row(self, row: Row, stats: BatchStats) -> None: ...

    def on_letter(self, record: dict, stats: BatchStats) -> None: ...

    def on_skip(self, stats: BatchStats) -> None: ...


def letter_key(row: Row, notes_json: str, index: int, kind: LetterKind, options: BatchOptions) -> str:
    """Stable identity of one letter: same row, interviewer, kind and settings -> same key."""
    payload = json.dumps(
        [KEY_VERSION, row.id, notes_json, index, kind.value, options.max_attempts, options.fallback, list(options.fingerprint)],
        separators=(",", ":"),
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


class Runner:
    """One batch run over ``rows`` into ``store``; ``await run()`` returns the stats.

    Finished letters go to a single writer thread (letter file, then its result line), so
    disk latency overlaps with drafting and the order "file before result" always holds.
    """

    def __init__(
        self,
        rows: Iterable[Row],
        store: ResultStore,
        drafter: Drafter,
        options: BatchOptions,
        *,
        workers: int | None = None,
        listener: BatchListener | None = None,
        stats: BatchStats | None = None,
        guess_kind: Callable[[InterviewNotes, date], LetterKind] | None = None,
    ) -> None:
        self.rows = rows
        self.store = store
        self.drafter = drafter
        self.options = options
        self.workers = max(1, workers or options.concurrency)
        self.listener = listener or BatchListener()
        self.stats = stats or BatchStats()
        self.limiter = RateLimiter(options.rpm, options.tpm)
        self._guess_kind = guess_kind or _default_guess_kind
        self._queue: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=self.workers)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="letterguard-writer")
        self._unwritten: list[tuple[dict, str | None]] = []  # finished, waiting for the next batch
        self._writing: asyncio.Future | None = None  # the batch the writer thread has now
        self._write_room = asyncio.Semaphore(WRITE_BACKLOG)
        self._write_error: BaseException | None = None

    async def run(self) -> BatchStats:
        """Draft every letter not done yet. Cancelling stops cleanly: in-flight letters are
        dropped (never written), every finished letter is flushed to disk first."""
        self.stats.started = time.monotonic()  # the rate excludes start-up (imports, counting rows)
        failure: BaseException | None = None
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._produce())
                for _ in range(self.workers):
                    group.create_task(self._work())
        except asyncio.CancelledError:
            self.stats.interrupted = True
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        except BaseExceptionGroup as group:
            failure = _first(group)
        try:
            await self._drain()
        finally:
            self.stats.finished = time.monotonic()
            close = getattr(self.rows, "close", None)
            if close is not None:
                close()  # a generator interrupted mid-file releases its file now
        if failure is not None or self._write_error is not None:
            raise failure or self._write_error
        return self.stats

    async def _drain(self) -> None:
        """Write every finished letter (the callback of each batch starts the next)."""
        while self._writing is not None or (self._unwritten and self._write_error is None):
            if self._writing is None:
                self._write_next_batch()
            await asyncio.wait({self._writing})
        self._writer.shutdown(wait=True)

    # -- producer -----------------------------------------------------------------------

    async def _produce(self) -> None:
        for count, row in enumerate(self.rows, start=1):
            self.stats.rows_read += 1
            if row.notes is None:
                self._bad_row(row)
            else:
                for job in self._jobs(row):
                    await self._queue.put(job)
            if count % 256 == 0:
                await asyncio.sleep(0)  # let Ctrl-C and the workers in during long skips
        self.stats.reading_done = True
        for _ in range(self.workers):
            await self._queue.put(None)

    def _jobs(self, row: Row) -> Iterable[Job]:
        notes = row.notes
        kind = LetterKind(self.options.kind or notes.kind or self._guess_kind(notes, self.options.today or date.today()))
        notes_json = notes.model_dump_json()
        prefix = file_prefix(row.number, notes.company, notes.position)
        for index in range(len(notes.interviewers)):
            key = letter_key(row, notes_json, index, kind, self.options)
            status = self.store.status_of(key)
            if status is not None:
                self.stats.skipped += 1
                self.stats.earlier[status] += 1
                self.listener.on_skip(self.stats)
                continue
            self.stats.letters_queued += 1
            yield Job(row, index, kind, key, f"{prefix}-{slug(_unique_name(notes, index))}.txt")

    def _bad_row(self, row: Row) -> None:
        self.stats.rows_bad += 1
        if len(self.stats.bad_rows) < BAD_ROW_LIMIT:
            self.stats.bad_rows.append({"row": row.number, "id": row.id, "error": row.error})
        self.listener.on_bad_row(row, self.stats)

    # -- workers ------------------------------------------------------------------------

    async def _work(self) -> None:
        while (job := await self._queue.get()) is not None:
            await self._one(job)

    async def _one(self, job: Job) -> None:
        reserved = await self.limiter.acquire()
        started = time.perf_counter()
        try:
            outcome = await self.drafter(job.row.notes, job.interviewer, job.kind)
            fields = outcome if isinstance(outcome, dict) else summarize(outcome)
        except Exception as exc:  # noqa: BLE001 - one broken letter must not stop the cohort
            fields = _error_fields(exc)
        record = _record(job, fields)
        record["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
        self.limiter.settle(reserved, fields["model_calls"], fields["usage"]["total_tokens"])
        await self._save(record, fields["text"])

    async def _save(self, record: dict, text: str | None) -> None:
        """Queue a finished letter for the writer thread (bounded backlog keeps memory flat).

        Letters go to the thread in batches: whatever finished while the last batch was
        being written. One hand-over per batch instead of per letter keeps the two threads
        from trading the GIL (futex calls cost real CPU on a virtual machine).
        """
        if self._write_error is not None:
            raise self._write_error
        await self._write_room.acquire()
        self._unwritten.append((record, text))
        if self._writing is None:
            self._write_next_batch()

    def _write_next_batch(self) -> None:
        batch, self._unwritten = self._unwritten, []
        future = asyncio.get_running_loop().run_in_executor(self._writer, self._write_batch, batch)
        self._writing = future
        future.add_done_callback(lambda done: self._batch_written(batch, done))

    def _write_batch(self, batch: list[tuple[dict, str | None]]) -> tuple[int, BaseException | None]:  # writer thread
        """Each letter file, then its result line; stops at the first failure."""
        for written, (record, text) in enumerate(batch):
            try:
                if text is not None:
                    self.store.write_letter(record["file"], text)
                self.store.append(record)  # after the letter file: a result line means "done"
            except Exception as exc:  # noqa: BLE001 - reported by the event loop
                return written, exc
        return len(batch), None

    def _batch_written(self, batch: list[tuple[dict, str | None]], future: asyncio.Future) -> None:
        self._writing = None
        for _ in batch:
            self._write_room.release()
        if future.cancelled():
            return
        written, error = future.result() if future.exception() is None else (0, future.exception())
        for record, _ in batch[:written]:
            self.stats.done[record["status"]] += 1
            self.stats.tokens.update(record["usage"])
            self.listener.on_letter(record, self.stats)
        if error is not None:
            self._write_error = self._write_error or error
        elif self._unwritten:
            self._write_next_batch()


def summarize(outcome: Any) -> dict:
    """The picklable part of a guard Outcome that batch records (also sent between processes)."""
    return {
        "status": outcome.status,
        "text": outcome.text,
        "attempts": len({a.number for a in outcome.attempts}),
        "model_calls": sum(1 for a in outcome.attempts if a.source == "model"),
        "source": outcome.source,
        "usage": outcome.usage.to_dict(),
        "violations": [v.to_dict() for v in outcome.report.violations],
        "notice": outcome.notice,
    }


def _record(job: Job, fields: dict) -> dict:
    """One results.jsonl line (without the letter text)."""
    record: dict[str, Any] = {
        "key": job.key,
        "row": job.row.number,
        "id": job.row.id,
        "interviewer": job.interviewer.name,
        "interviewer_index": job.index,
        "kind": job.kind.value,
        "file": job.file if fields.get("text") is not None else None,
        "status": fields["status"],
        "attempts": fields["attempts"],
        "source": fields["source"],
        "usage": fields["usage"],
        "violations": fields["violations"],
        "notice": fields.get("notice"),
    }
    if "error" in fields:
        record["error"] = fields["error"]
    return record


def _error_fields(exc: BaseException) -> dict:
    usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    return {"status": "error", "text": None, "attempts": 0, "model_calls": 1, "source": None, "usage": usage,
            "violations": [], "error": f"{type(exc).__name__}: {exc}"}


def _unique_name(notes: InterviewNotes, index: int) -> str:
    """The interviewer's name, numbered when the same name appears twice in one row."""
    names = [i.name for i in notes.interviewers]
    name = names[index]
    return name if names.count(name) == 1 else f"{name} {index + 1}"


def _default_guess_kind(notes: InterviewNotes, today: date) -> LetterKind:
    from letterguard.timing import guess_kind

    return guess_kind(notes, today)


def _first(group: BaseExceptionGroup) -> BaseException:
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error

"""Draft letters in worker processes, one event loop each.

The guard is pure Python: rubric checks, prompt rendering, and on the model path the
openai and instructor request plumbing cost a few milliseconds of CPU per letter, so a
single process tops out well below what a fast model server or the offline composer
could deliver. ``ProcessDrafter`` spreads letters over N processes (spawned, so nothing
forked from a running event loop or thread). It has the same call signature as an
in-process drafter, so the runner (reading rows, keys, resume, writing files and
results) is the same code either way. Letters in flight when a worker dies are reported
as errors, and retried on the next run.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import signal
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from letterguard.batch.runner import summarize
from letterguard.kinds import LetterKind
from letterguard.notes import InterviewNotes, Interviewer

__all__ = ["ProcessDrafter", "WorkerDied"]


class WorkerDied(RuntimeError):
    """A drafting process exited while it still had letters."""


@dataclass
class _Worker:
    process: Any
    conn: Any
    pending: dict[int, asyncio.Future] = field(default_factory=dict)
    alive: bool = True


class ProcessDrafter:
    """``await drafter(notes, interviewer, kind) -> dict`` (see ``summarize``), in N processes."""

    def __init__(
        self,
        processes: int,
        model_config: Any,
        *,
        max_attempts: int,
        fallback: bool,
        today: date | None,
        rubric: Any = None,
        request_slots: int | None = None,
    ) -> None:
        self.processes = processes
        self.settings = (model_config, max_attempts, fallback, today, rubric)
        # the run's request limit, shared out: the workers together never exceed it
        slots = request_slots or 0
        self.slots = [slots // processes + (i < slots % processes) for i in range(processes)]
        self._workers: list[_Worker] = []
        self._ids = itertools.count()

    async def start(self) -> None:
        """Spawn the workers and wait until each has its imports and client ready."""
        context = multiprocessing.get_context("spawn")
        loop = asyncio.get_running_loop()
        for slots in self.slots:
            ours, theirs = context.Pipe()
            process = context.Process(target=_child_main, args=(theirs, (*self.settings, slots)), daemon=True)
            process.start()
            theirs.close()
            self._workers.append(_Worker(process, ours))
        for worker in self._workers:
            ready = await loop.run_in_executor(None, _recv_or_none, worker.conn)
            if ready != ("ready",):
                await self.aclose()
                raise WorkerDied(f"a drafting process failed to start: {ready!r}")
            loop.add_reader(worker.conn.fileno(), self._on_readable, worker)

    async def __call__(self, notes: InterviewNotes, interviewer: Interviewer, kind: LetterKind) -> dict:
        alive = [w for w in self._workers if w.alive]
        if not alive:
            raise WorkerDied("every drafting process has exited")
        worker = min(alive, key=lambda w: len(w.pending))
        job_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        worker.pending[job_id] = future
        try:
            worker.conn.send((job_id, notes, interviewer, kind.value))
        except OSError as exc:
            worker.pending.pop(job_id, None)
            self._lost(worker)
            raise WorkerDied(f"a drafting process has exited ({exc})") from None
        try:
            return await future
        finally:
            worker.pending.pop(job_id, None)

    def _on_readable(self, worker: _Worker) -> None:
        try:
            while worker.conn.poll():
                job_id, result = worker.conn.recv()
                future = worker.pending.get(job_id)
                if future is not None and not future.done():
                    if "error" in result:
                        future.set_exception(RuntimeError(result["error"]))
                    else:
                        future.set_result(result)
        except (EOFError, OSError):
            self._lost(worker)

    def _lost(self, worker: _Worker) -> None:
        if not worker.alive:
            return
        worker.alive = False
        asyncio.get_running_loop().remove_reader(worker.conn.fileno())
        for future in worker.pending.values():
            if not future.done():
                future.set_exception(WorkerDied("the drafting process exited"))

    async def aclose(self) -> None:
        """Stop the workers (letters still in flight are abandoned, never half-written)."""
        loop = asyncio.get_running_loop()
        for worker in self._workers:
            if worker.alive:
                worker.alive = False
                loop.remove_reader(worker.conn.fileno())
            worker.conn.close()  # EOF: the worker finishes and exits
        for worker in self._workers:
            await loop.run_in_executor(None, worker.process.join, 5)
            if worker.process.is_alive():
                worker.process.kill()
        self._workers = []


def _recv_or_none(conn: Any) -> Any:
    try:
        return conn.recv()
    except (EOFError, OSError) as exc:
        return repr(exc)


# -- the worker process ---------------------------------------------------------------


def _child_main(conn: Any, settings: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    try:
        asyncio.run(_child_loop(conn, settings))
    finally:
        conn.close()


async def _child_loop(conn: Any, settings: tuple) -> None:
    from letterguard.guard import adraft, warm_up

    config, max_attempts, fallback, today, choice, slots = settings
    rubric = choice.load() if choice is not None else None
    model = None
    if config is not None:
        from letterguard.model import AsyncLetterModel

        model = AsyncLetterModel(config, max_in_flight=max(1, slots))
        model._client()  # imports and client up front, before "ready"
    warm_up(rubric, prompts_too=model is not None)
    loop = asyncio.get_running_loop()
    finished = asyncio.Event()
    tasks: set[asyncio.Task] = set()

    async def one(job_id: int, notes: InterviewNotes, interviewer: Interviewer, kind: str) -> None:
        try:
            outcome = await adraft(notes, interviewer, kind, model=model, max_attempts=max_attempts, fallback=fallback, today=today, rubric=rubric)
            reply = summarize(outcome)
        except Exception as exc:  # noqa: BLE001 - reported to the parent as this letter's error
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        try:
            conn.send((job_id, reply))
        except OSError:  # the parent has gone; nothing left to report to
            pass

    def start(job: tuple) -> None:
        task = loop.create_task(one(*job))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def read() -> None:  # on the loop itself: no reader thread waiting for the GIL
        try:
            while conn.poll():
                start(conn.recv())
        except (EOFError, OSError):
            loop.remove_reader(conn.fileno())
            finished.set()

    conn.send(("ready",))
    loop.add_reader(conn.fileno(), read)
    await finished.wait()
    if tasks:
        await asyncio.wait(tasks)
    if model is not None:
        await model.aclose()

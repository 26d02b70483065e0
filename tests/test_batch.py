"""The batch runner: one letter per interviewer, results recorded, resume, streaming."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

from batch_fakes import FakeDrafter, notes_row, write_jsonl
from letterguard.batch.rows import read_rows
from letterguard.batch.runner import BatchOptions, BatchStats, Runner
from letterguard.batch.store import ResultStore
from letterguard.kinds import LetterKind

TODAY = date(2026, 5, 13)


def run(source: Path, out: Path, drafter, options: BatchOptions | None = None, rows=None, **kwargs) -> BatchStats:
    options = options or BatchOptions(today=TODAY)

    async def go() -> BatchStats:
        with ResultStore(out, retry_rejected=options.retry_rejected) as store:
            return await Runner(rows if rows is not None else read_rows(source), store, drafter, options, **kwargs).run()

    return asyncio.run(go())


def results(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def test_one_letter_per_interviewer_with_results(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(1, panel=2), notes_row(2)])
    drafter = FakeDrafter(statuses={"Interviewer 2-0": "rejected"})
    stats = run(source, tmp_path / "out", drafter)
    lines = results(tmp_path / "out")
    assert [(r["row"], r["interviewer"], r["status"]) for r in lines] == [
        (1, "Interviewer 1-0", "passed"), (1, "Interviewer 1-1", "passed"), (2, "Interviewer 2-0", "rejected")]
    first = lines[0]
    assert first["file"] == "0001-acme-backend-engineer-interviewer-1-0.txt"
    assert first["id"] == "r1" and first["kind"] == "thank_you" and first["attempts"] == 1
    assert first["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    assert lines[2]["file"] is None  # a rejected letter has no file
    letters = sorted(p.name for p in (tmp_path / "out").glob("*.txt"))
    assert letters == ["0001-acme-backend-engineer-interviewer-1-0.txt", "0001-acme-backend-engineer-interviewer-1-1.txt"]
    assert stats.done == {"passed": 2, "rejected": 1} and not stats.clean


def test_rerun_skips_done_letters_and_settings_change_the_key(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(1, panel=2), notes_row(2)])
    out = tmp_path / "out"
    run(source, out, FakeDrafter())
    again = FakeDrafter()
    stats = run(source, out, again)
    assert again.calls == 0 and stats.skipped == 3 and stats.totals()["passed"] == 3 and stats.clean
    forced = FakeDrafter()
    run(source, out, forced, BatchOptions(today=TODAY, kind=LetterKind.FORMAL_THANK_YOU))
    assert forced.calls == 3


def test_rejected_letters_are_kept_unless_retried(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(1)])
    out = tmp_path / "out"
    run(source, out, FakeDrafter("rejected"))
    stats = run(source, out, FakeDrafter())
    assert stats.skipped == 1 and stats.totals()["rejected"] == 1 and not stats.clean
    retry = FakeDrafter()
    stats = run(source, out, retry, BatchOptions(today=TODAY, retry_rejected=True))
    assert retry.calls == 1 and stats.clean


def test_a_crashing_letter_is_recorded_as_error_and_retried_next_time(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(1), notes_row(2)])
    out = tmp_path / "out"
    stats = run(source, out, FakeDrafter(fail_on={"Interviewer 1-0"}))
    assert stats.done == {"error": 1, "passed": 1}
    assert results(out)[0]["error"] == "RuntimeError: boom"
    retry = FakeDrafter()
    run(source, out, retry)
    assert retry.calls == 1


def test_bad_rows_are_counted_and_the_rest_processed(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(1), "{oops", notes_row(3)])
    stats = run(source, tmp_path / "out", FakeDrafter())
    assert stats.rows_bad == 1 and stats.done["passed"] == 2
    assert stats.bad_rows[0]["row"] == 2 and "malformed JSON" in stats.bad_rows[0]["error"]
    assert stats.to_summary()["rows"] == {"read": 3, "bad": 1}


def test_kind_is_guessed_per_row_from_the_dates(tmp_path: Path) -> None:
    late = notes_row(2) | {"decision_date": "2026-05-01"}
    rejected = notes_row(3) | {"outcome": "rejected"}
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(1), late, rejected])
    run(source, tmp_path / "out", FakeDrafter())
    assert [r["kind"] for r in results(tmp_path / "out")] == ["thank_you", "status_inquiry", "after_rejection"]


def test_concurrency_is_bounded(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(i) for i in range(40)])
    drafter = FakeDrafter(delay=0.01)
    stats = run(source, tmp_path / "out", drafter, BatchOptions(today=TODAY, concurrency=5))
    assert drafter.max_in_flight == 5 and stats.finished_letters == 40


def test_rows_are_streamed_not_loaded(tmp_path: Path) -> None:
    """The runner pulls rows as workers free up: never more than concurrency + k ahead."""
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(i) for i in range(200)])
    drafter = FakeDrafter(delay=0.001)
    ahead: list[int] = []

    def reader():
        for row in read_rows(source):
            ahead.append(drafter.calls - drafter.in_flight)  # letters finished when this row is pulled
            yield row

    concurrency = 4
    run(source, tmp_path / "out", drafter, BatchOptions(today=TODAY, concurrency=concurrency), rows=reader())
    pulled_ahead = max(index - finished for index, finished in enumerate(ahead))
    assert pulled_ahead <= 2 * concurrency + 2, pulled_ahead  # in flight + queued + the producer's row
    assert drafter.calls == 200


def test_cancelling_stops_cleanly_and_keeps_finished_letters(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(i) for i in range(50)])
    out = tmp_path / "out"

    async def go() -> BatchStats:
        with ResultStore(out) as store:
            task = asyncio.ensure_future(Runner(read_rows(source), store, FakeDrafter(delay=0.02), BatchOptions(today=TODAY, concurrency=4)).run())
            await asyncio.sleep(0.1)
            task.cancel()
            return await task

    stats = asyncio.run(go())
    assert stats.interrupted and 0 < stats.finished_letters < 50
    assert len(results(out)) == stats.finished_letters == len(list(out.glob("*.txt")))
    rest = FakeDrafter()
    run(source, out, rest)
    assert rest.calls == 50 - stats.finished_letters
    keys = [r["key"] for r in results(out)]
    assert len(keys) == len(set(keys)) == 50


def test_memory_is_flat_in_the_number_of_rows(tmp_path: Path) -> None:
    """Ten times the rows, about the same peak memory: nothing the runner holds grows with
    the input. (pydantic-core caches up to 16,384 validated strings, about 1 MiB, so the
    allowance below is absolute rather than a ratio.)"""
    import tracemalloc

    class DiscardingStore(ResultStore):  # measure the runner, not the page cache
        def write_letter(self, name: str, text: str) -> None:
            pass

        def append(self, record: dict) -> None:
            pass

    def peak(rows: int) -> int:
        source = write_jsonl(tmp_path / f"{rows}.jsonl", [notes_row(i) for i in range(rows)])

        async def go() -> None:
            with DiscardingStore(tmp_path / f"out{rows}") as store:
                await Runner(read_rows(source), store, FakeDrafter(), BatchOptions(today=TODAY, concurrency=4)).run()

        tracemalloc.start()
        try:
            asyncio.run(go())
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(300), peak(3000)
    assert large - small < 1536 * 1024, (small, large)


def test_letters_in_flight_exceed_the_request_slots_a_little() -> None:
    from letterguard.batch import pipeline_depth

    assert pipeline_depth(1) == 3 and pipeline_depth(8) == 10 and pipeline_depth(32) == 40


def test_every_drafting_process_gets_a_share_of_the_request_slots() -> None:
    from letterguard.batch import processes_for
    from letterguard.batch.pool import ProcessDrafter
    from letterguard.model import ModelConfig

    config = ModelConfig(model="m", base_url="http://127.0.0.1:9/v1")
    assert ProcessDrafter(3, config, max_attempts=1, fallback=True, today=None, request_slots=8).slots == [3, 3, 2]
    assert processes_for(BatchOptions(processes=4, concurrency=2), config, 10) == 2  # never a process without a slot
    assert processes_for(BatchOptions(processes=4, concurrency=2), None, 10) == 4


def test_warm_up_compiles_without_drafting_anything_real() -> None:
    from letterguard.guard import warm_up
    from letterguard.rubric import default_rubric

    warm_up(default_rubric(), prompts_too=True)  # never raises, returns nothing

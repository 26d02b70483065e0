"""The output folder: atomic letter files, results.jsonl as the done-set, resume tolerance."""

from __future__ import annotations

import json
from pathlib import Path

from letterguard.batch.store import ResultStore, letter_filename, slug


def test_letter_filename_is_stable_and_readable() -> None:
    assert letter_filename(7, "Acme", "Backend Engineer", "Priya Sharma") == "0007-acme-backend-engineer-priya-sharma.txt"
    assert letter_filename(12345, "Café Ünïon", "Sr. Dev/Ops", "José O'Neil") == "12345-cafe-union-sr-dev-ops-jose-o-neil.txt"
    assert slug("!!!") == "x"
    assert len(slug("a" * 200)) == 40


def _record(key: str, status: str = "passed") -> dict:
    return {"key": key, "status": status}


def test_results_are_the_done_set(tmp_path: Path) -> None:
    with ResultStore(tmp_path) as store:
        store.write_letter("a.txt", "hello\n")
        store.append(_record("k1"))
        store.append(_record("k2", "rejected"))
        store.append(_record("k3", "error"))
    again = ResultStore(tmp_path).open()
    assert again.done == {"k1": "passed", "k2": "rejected"}
    again.close()
    retry = ResultStore(tmp_path, retry_rejected=True).open()
    assert retry.status_of("k2") is None and retry.status_of("k1") == "passed"
    retry.close()
    assert (tmp_path / "a.txt").read_text() == "hello\n"


def test_the_last_line_for_a_key_wins(tmp_path: Path) -> None:
    lines = [_record("k", "error"), _record("k", "fixed")]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    with ResultStore(tmp_path) as store:
        assert store.done == {"k": "fixed"}


def test_truncated_last_line_is_dropped_and_appends_stay_valid(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(_record("k1")) + "\n" + '{"key": "k2", "sta')
    with ResultStore(tmp_path) as store:
        assert store.done == {"k1": "passed"}
        store.append(_record("k2"))
    lines = results.read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["k1", "k2"]


def test_garbage_lines_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_text("not json\n[]\n{}\n" + json.dumps(_record("k1")) + "\n")
    with ResultStore(tmp_path) as store:
        assert store.done == {"k1": "passed"}


def test_stale_temp_files_are_removed_and_summary_written(tmp_path: Path) -> None:
    (tmp_path / ".letterguard-abc.tmp").write_text("half a lett")
    with ResultStore(tmp_path / "out") as store:
        pass
    with ResultStore(tmp_path) as store:
        store.write_summary({"ok": True})
    assert not (tmp_path / ".letterguard-abc.tmp").exists()
    assert json.loads((tmp_path / "summary.json").read_text()) == {"ok": True}
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []

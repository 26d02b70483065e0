"""`letterguard batch` end to end: CliRunner offline, the fake OpenAI server fixture with
injected 429/500s, and a real process killed mid-run and resumed."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

import letterguard.cli.batch  # noqa: F401 - registers the command
from batch_fakes import notes_row, write_csv, write_jsonl
from letterguard.cli import app

ROOT = Path(__file__).resolve().parents[1]
COHORT = ROOT / "examples" / "cohort.csv"
NO_MODEL = {"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None, "LETTERGUARD_MODEL": None}
FINAL = {"passed", "fixed", "fallback", "rejected"}


def _fake_server_module():
    spec = importlib.util.spec_from_file_location("fake_openai_server", ROOT / "benchmarks" / "fake_openai_server.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


fake_openai_server = _fake_server_module()


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, ["batch", *args], env={**NO_MODEL, **(env or {})})


def results(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def expected_letters(path: Path) -> int:
    import csv

    with path.open(encoding="utf-8") as handle:
        return sum(len(row["interviewers"].split(";")) for row in csv.DictReader(handle))


def test_example_cohort_offline_then_rerun_skips_everything(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = invoke(str(COHORT), "--out-dir", str(out), "--today", "2026-11-22")
    assert first.exit_code == 0, first.output
    total = expected_letters(COHORT)
    lines = results(out)
    assert len(lines) == total and {r["status"] for r in lines} <= FINAL - {"rejected"}
    assert len(list(out.glob("*.txt"))) == total
    summary = json.loads((out / "summary.json").read_text())
    assert summary["letters"]["total"] == total and summary["ok"] is True
    assert "passed" in first.stdout  # the summary table

    again = invoke(str(COHORT), "--out-dir", str(out), "--today", "2026-11-22")
    assert again.exit_code == 0, again.output
    assert len(results(out)) == total  # nothing drafted twice
    summary = json.loads((out / "summary.json").read_text())
    assert summary["this_run"]["skipped_already_done"] == total and summary["letters"]["total"] == total


def test_panel_gets_one_letter_each_with_readable_names(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(7, panel=5)])
    result = invoke(str(source), "-o", str(tmp_path / "out"), "--today", "2026-05-13", "--kind", "formal_thank_you")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").glob("*.txt"))
    assert names == [f"0001-acme-backend-engineer-interviewer-7-{j}.txt" for j in range(5)]
    assert {r["kind"] for r in results(tmp_path / "out")} == {"formal_thank_you"}


def test_bad_rows_are_reported_skipped_and_exit_1(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "c.csv", [
        "1,Ann Lee,ann@example.com,Acme,Backend Engineer,2026-05-12,Priya Shah (Manager),billing",
        "2,,x@example.com,Acme,Backend Engineer,2026-05-12,Priya Shah,billing",
        "3,Bo Chen,bo@example.com,Acme,Backend Engineer,2026-05-12,Priya Shah; Marcus Lee,billing",
    ])
    result = invoke(str(source), "-o", str(tmp_path / "out"), "--today", "2026-05-13")
    assert result.exit_code == 1, result.output
    assert "c.csv row 2 (line 3)" in result.stderr and "row skipped" in result.stderr
    assert len(results(tmp_path / "out")) == 3
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["rows"] == {"read": 3, "bad": 1} and summary["bad_rows"][0]["row"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "no such file"),
        (["bad_header.csv"], "unknown CSV column 'intervewers'"),
        (["cohort.xlsx"], ".jsonl or .csv"),
        (["ok.csv", "--mode", "telepathy"], "unknown --mode"),
        ([".", "--out-dir", "."], "another folder"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, monkeypatch, args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad_header.csv").write_text("candidate_name,company,position,intervewers\nA,B,C,D\n")
    (tmp_path / "cohort.xlsx").write_text("x")
    write_csv(tmp_path / "ok.csv", [])
    out = [] if "--out-dir" in args else ["-o", "out"]
    result = invoke(*args, *out, env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"} if "--mode" in args else None)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_model_path_with_injected_429_and_500_accounts_for_every_letter(tmp_path: Path) -> None:
    rows = [notes_row(i, panel=1 + i % 3) for i in range(12)]
    source = write_jsonl(tmp_path / "c.jsonl", rows)
    total = sum(len(r["interviewers"]) for r in rows)
    with fake_openai_server.FakeServer(latency=0.01, rate_429=0.2, rate_500=0.1, retry_after=0.01, seed=3) as url:
        result = invoke(str(source), "-o", str(tmp_path / "out"), "--base-url", url, "--model", "fake",
                        "--mode", "json", "-j", "8", "--today", "2026-05-13")
    assert result.exit_code in (0, 1), result.output
    lines = results(tmp_path / "out")
    assert len(lines) == total and len({r["key"] for r in lines}) == total
    assert Counter(r["status"] for r in lines).keys() <= FINAL
    assert all(r["file"] is None or (tmp_path / "out" / r["file"]).exists() for r in lines)
    assert any(r["usage"]["total_tokens"] > 0 for r in lines)


def _start_batch(source: Path, out: Path, url: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in NO_MODEL}
    command = [sys.executable, "-m", "letterguard", "batch", str(source), "-o", str(out), "--base-url", url,
               "--model", "fake", "--mode", "json", "-j", "4", "--today", "2026-05-13"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lines(out: Path, count: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        path = out / "results.jsonl"
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the batch made no progress")


@pytest.mark.parametrize("how", ["kill", "interrupt"])
def test_killed_run_resumes_and_every_letter_exists_exactly_once(tmp_path: Path, how: str) -> None:
    rows = [notes_row(i, panel=2) for i in range(30)]
    source = write_jsonl(tmp_path / "c.jsonl", rows)
    out = tmp_path / "out"
    with fake_openai_server.FakeServer(latency=0.05) as url:
        proc = _start_batch(source, out, url)
        try:
            _wait_for_lines(out, 8, proc)
            proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGINT)
            _, stderr = proc.communicate(timeout=30)
        finally:
            proc.kill()
        if how == "interrupt":
            assert proc.returncode == 130, stderr
            assert json.loads((out / "summary.json").read_text())["interrupted"] is True
        done_before = len(results(out))
        assert 0 < done_before < 60
        rerun = _start_batch(source, out, url)
        _, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    lines = results(out)
    keys = Counter(r["key"] for r in lines)
    assert len(keys) == 60 and set(keys.values()) == {1}
    letters = sorted(p.name for p in out.glob("*.txt"))
    assert letters == sorted(r["file"] for r in lines)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left
    for path in out.glob("*.txt"):
        assert path.read_text().rstrip().endswith("@example.com")  # whole letters, signature included


def test_drafting_processes_give_the_same_letters(tmp_path: Path) -> None:
    """--processes 2 spreads letters over worker processes; results match the in-process run."""
    one = invoke(str(COHORT), "-o", str(tmp_path / "one"), "--today", "2026-11-22", "--processes", "1")
    two = invoke(str(COHORT), "-o", str(tmp_path / "two"), "--today", "2026-11-22", "--processes", "2")
    assert one.exit_code == two.exit_code == 0, two.output
    by_key = {r["key"]: r for r in results(tmp_path / "one")}
    assert {r["key"] for r in results(tmp_path / "two")} == set(by_key)
    for path in (tmp_path / "one").glob("*.txt"):
        assert (tmp_path / "two" / path.name).read_text() == path.read_text()


def test_drafting_processes_on_the_model_path(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(i, panel=2) for i in range(10)])
    with fake_openai_server.FakeServer(latency=0.01, rate_429=0.1, retry_after=0.01) as url:
        result = invoke(str(source), "-o", str(tmp_path / "out"), "--base-url", url, "--model", "fake", "--mode", "json",
                        "--processes", "2", "--today", "2026-05-13")
    assert result.exit_code == 0, result.output
    lines = results(tmp_path / "out")
    assert len({r["key"] for r in lines}) == 20 and {r["status"] for r in lines} <= FINAL


@pytest.mark.parametrize("processes", ["1", "2"])
def test_concurrency_caps_the_requests_the_server_sees(tmp_path: Path, processes: str) -> None:
    """-j is the number of requests open at once, across all drafting processes; letters
    being prompted or checked do not hold one, so the server is kept at exactly -j."""
    source = write_jsonl(tmp_path / "c.jsonl", [notes_row(i, panel=2) for i in range(24)])
    server = fake_openai_server.FakeServer(latency=0.05)
    with server as url:
        result = invoke(str(source), "-o", str(tmp_path / "out"), "--base-url", url, "--model", "fake", "--mode", "json",
                        "-j", "5", "--processes", processes, "--today", "2026-05-13")
    assert result.exit_code == 0, result.output
    assert len(results(tmp_path / "out")) == 48
    assert 1 < server.behaviour.counts["max_in_flight"] <= 5


def test_a_custom_rubric_guards_every_letter_and_is_part_of_the_key(tmp_path: Path) -> None:
    """--rubric reaches the guard (in worker processes too); changing the rules redrafts."""
    house = tmp_path / "house.toml"
    house.write_text(
        '[[rule]]\nid = "no_synergy"\nseverity = "error"\nmessage = "Buzzword"\nwhy = "House style."\n'
        'suggestion = "Say what you mean."\n[[rule.detect]]\nkind = "phrases"\npatterns = ["\\\\bsynergy\\\\b"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = [str(COHORT), "-o", str(out), "--today", "2026-11-22"]
    assert invoke(*args).exit_code == 0
    custom = invoke(*args, "--rubric", str(house), "--processes", "2")
    assert custom.exit_code == 0, custom.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["this_run"]["skipped_already_done"] == 0  # other rules, other letters
    again = invoke(*args, "--rubric", str(house))
    assert json.loads((out / "summary.json").read_text())["this_run"]["skipped_already_done"] == expected_letters(COHORT)
    assert again.exit_code == 0
    broken = invoke(*args, "--rubric", str(tmp_path / "missing.toml"))
    assert broken.exit_code == 2 and "missing.toml" in broken.output

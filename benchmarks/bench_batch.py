"""Benchmark `letterguard batch` (a benchmark, not a timed test).

    python benchmarks/bench_batch.py offline [--letters 5000]
        Offline composer path, end to end with files written; prints letters/s
        (target: >= 1,000 letters/s).

    python benchmarks/bench_batch.py model [--letters 1000] [--concurrency 32] [--latency 0.2]
        Model path against benchmarks/fake_openai_server.py (a test fixture, started as a
        subprocess on 127.0.0.1). Run 1: no injected errors; prints throughput as a fraction
        of ideal (concurrency / latency; target >= 0.85). Run 2: 5% 429s and 2% 500s;
        checks every letter is accounted for (passed, fixed, fallback or rejected).

    python benchmarks/bench_batch.py [all]

Files go to a temporary folder: set TMPDIR to measure on another disk (creating a file in
/tmp cost ~0.8 ms of CPU on one machine here, against ~0.03 ms under /work).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAKE_SERVER = HERE / "fake_openai_server.py"
FINAL = {"passed", "fixed", "fallback", "rejected"}


def write_cohort(path: Path, letters: int, panel: int = 1) -> Path:
    """``letters`` letters: rows of ``panel`` interviewers, varied enough to be realistic."""
    companies = [("Acme Analytics", "Backend Engineer"), ("Northwind Payments", "Data Engineer"),
                 ("Bluefin Health", "Frontend Developer"), ("Harbor Logistics", "Site Reliability Engineer")]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(0, letters, panel):
            company, position = companies[i % len(companies)]
            row = {
                "id": f"b{i}",
                "candidate": {"name": f"Candidate Number{i}", "email": f"c{i}@example.com"},
                "company": company,
                "position": position,
                "interview_date": "2026-05-12",
                "interviewers": [{"name": f"Reviewer Person{i}x{j}", "title": "Engineer",
                                  "topics": ["the migration to an event queue"]} for j in range(min(panel, letters - i))],
                "topics": ["code review on a distributed team"],
            }
            handle.write(json.dumps(row) + "\n")
    return path


def run(source: Path, out: Path, options, config=None):
    from letterguard.batch import run_batch

    started = time.perf_counter()
    stats = run_batch(source, out, options, model_config=config)
    return stats, time.perf_counter() - started


def accounted(out: Path) -> tuple[Counter, int]:
    """Status counts over results.jsonl, and how many keys appear more than once."""
    keys: Counter = Counter()
    statuses: Counter = Counter()
    for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        keys[record["key"]] += 1
        statuses[record["status"]] += 1
    return statuses, sum(1 for n in keys.values() if n > 1)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the drafting processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_offline(letters: int, processes: int | None) -> bool:
    from letterguard.batch import BatchOptions, processes_for

    options = BatchOptions(today=date(2026, 5, 13), processes=processes)
    with tempfile.TemporaryDirectory() as tmp:
        source = write_cohort(Path(tmp) / "cohort.jsonl", letters, panel=2)
        out = Path(tmp) / "out"
        cpu = cpu_seconds()
        stats, wall = run(source, out, options)
        cpu = cpu_seconds() - cpu
        files = sum(1 for _ in out.glob("*.txt"))
        rate = stats.finished_letters / wall
        print(f"offline ({processes_for(options, None, letters // 2)} drafting processes, {os.cpu_count()} cores): "
              f"{stats.finished_letters} letters, {files} files, {wall:.2f}s wall -> {rate:,.0f} letters/s "
              f"(target >= 1,000); {cpu / max(1, stats.finished_letters) * 1000:.2f} ms CPU per letter; {dict(stats.done)}")
        return rate >= 1000 and files == letters


class FakeServer:
    """The fixture as a subprocess, so it never competes with the client for the GIL."""

    def __init__(self, *args: str) -> None:
        self.args = args

    def __enter__(self) -> str:
        self.proc = subprocess.Popen([sys.executable, str(FAKE_SERVER), "--port", "0", "--lifetime", "900", *self.args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            self.proc.kill()
            raise RuntimeError(f"fake server failed to start: {line!r} {self.proc.stderr.read()}")
        return line.split()[1]

    def __exit__(self, *exc_info) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.counts = self.proc.communicate(timeout=10)[1].strip()
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.counts = ""


def bench_model(letters: int, concurrency: int, latency: float, processes: int | None) -> bool:
    from letterguard.batch import BatchOptions, processes_for
    from letterguard.model import ModelConfig

    options = BatchOptions(concurrency=concurrency, today=date(2026, 5, 13), processes=processes)
    ideal = concurrency / latency
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        source = write_cohort(Path(tmp) / "cohort.jsonl", letters)
        for label, rate_429, rate_500 in (("no errors", 0.0, 0.0), ("5% 429 + 2% 500", 0.05, 0.02)):
            out = Path(tmp) / label.replace(" ", "_").replace("%", "")
            server = FakeServer("--latency", str(latency), "--rate-429", str(rate_429), "--rate-500", str(rate_500))
            with server as base_url:
                config = ModelConfig(model="fake-letter-model", base_url=base_url, api_key="not-needed", mode="json")
                cpu = cpu_seconds()
                stats, wall = run(source, out, options, config)
                cpu = cpu_seconds() - cpu  # before the server exits: client and drafting processes only
            statuses, duplicates = accounted(out)
            missing = letters - sum(statuses[s] for s in FINAL)
            throughput = stats.finished_letters / stats.elapsed
            print(f"model ({label}): {stats.finished_letters} letters in {stats.elapsed:.2f}s "
                  f"(+{wall - stats.elapsed:.2f}s start-up) = {throughput:.1f} letters/s; ideal {ideal:.0f}/s "
                  f"-> {throughput / ideal:.2f} of ideal; {cpu / max(1, stats.finished_letters) * 1000:.1f} ms client CPU per letter (worker start-up included); "
                  f"{processes_for(options, config, letters)} drafting processes; {dict(statuses)}; missing {missing}, duplicates {duplicates}; "
                  f"server {server.counts}")
            ok &= missing == 0 and duplicates == 0
            if rate_429 == rate_500 == 0:
                ok &= throughput / ideal >= 0.85
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="all", choices=["offline", "model", "all"])
    parser.add_argument("--letters", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--processes", type=int, default=None, help="drafting processes (default: automatic)")
    args = parser.parse_args()
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LETTERGUARD_MODEL"):
        os.environ.pop(name, None)
    ok = True
    if args.mode in ("offline", "all"):
        ok &= bench_offline(args.letters or 5000, args.processes)
    if args.mode in ("model", "all"):
        ok &= bench_model(args.letters or 1000, args.concurrency, args.latency, args.processes)
    print("OK" if ok else "BELOW TARGET")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""Benchmark: how many letters per second the rubric checks on one core.

Checks every letter of the development corpus repeatedly in one process and prints
letters/s (target: >= 2,000). Also times one cold `letterguard check` start (target:
under 250 ms wall). Run: python benchmarks/bench_check.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "dev_letters.jsonl"


def letters_per_second(rounds: int) -> float:
    from letterguard.rubric import check, default_rubric

    letters = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    default_rubric()
    start = time.perf_counter()
    for _ in range(rounds):
        for letter in letters:
            check(letter["text"], kind=letter["kind"])
    return rounds * len(letters) / (time.perf_counter() - start)


def cold_start_ms(repeats: int = 5) -> float:
    """Best-of-N wall time for `letterguard check one-letter.txt` in a fresh process."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write("Dear Ms. Lee,\n\nThank you for the interview for the analyst role.\n\nBest regards,\nSam\n")
    command = [sys.executable, "-m", "letterguard", "check", handle.name]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rate = letters_per_second(args.rounds)
    print(f"check throughput: {rate:,.0f} letters/s (target >= 2,000)")
    print(f"cold start:       {cold_start_ms():.0f} ms for `letterguard check one-letter.txt` (target < 250 ms)")


if __name__ == "__main__":
    main()

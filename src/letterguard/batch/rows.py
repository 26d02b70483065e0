"""Read interview notes one row at a time from a JSONL file, a CSV file or a folder.

Rows are streamed (each reader is a generator) so a 100,000-row cohort costs no more
memory than a 1,000-row one. A row that cannot become ``InterviewNotes`` is yielded as
a ``Row`` with an ``error`` (and its row number) instead of stopping the run: one bad
line in a cohort must not cost everybody else their letters.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from letterguard.notes import InterviewNotes, NotesError, load_notes, notes_from_mapping

__all__ = [
    "CSV_COLUMNS",
    "InputError",
    "NOTES_SUFFIXES",
    "Row",
    "count_rows",
    "input_format",
    "read_rows",
]

#: File suffixes read from a folder of notes files (one interview per file).
NOTES_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".toml", ".txt", ".md"})

#: CSV column -> meaning. List columns are ``;``-separated.
CSV_COLUMNS: dict[str, str] = {
    "id": "optional row id, copied to results.jsonl",
    "candidate_name": "required",
    "candidate_email": "",
    "candidate_phone": "",
    "company": "required",
    "position": "required",
    "interview_date": "YYYY-MM-DD",
    "interviewers": "required; 'Name (Title) <email>; Name (Title)' - title and email optional",
    "topics": "list",
    "moments": "list",
    "materials_promised": "list",
    "open_question": "",
    "decision_date": "YYYY-MM-DD",
    "outcome": "pending | rejected | offer",
    "channel": "email | paper",
    "tone": "formal | warm",
    "kind": "thank_you | formal_thank_you | status_inquiry | after_rejection",
}
_CSV_LISTS = ("topics", "moments", "materials_promised")
_CSV_REQUIRED = ("candidate_name", "company", "position", "interviewers")
_INTERVIEWER = re.compile(r"^(?P<name>[^(<]+?)\s*(?:\((?P<title>[^)]*)\))?\s*(?:<(?P<email>[^>]*)>)?$")


class InputError(ValueError):
    """The input as a whole cannot be read (missing file, unknown format, bad CSV header)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One interview: its 1-based row number, an id for results, and notes or an error."""

    number: int
    id: str
    notes: InterviewNotes | None = None
    error: str | None = None


def input_format(path: Path) -> str:
    """Return "folder", "jsonl" or "csv", or raise InputError."""
    if path.is_dir():
        return "folder"
    if not path.is_file():
        raise InputError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise InputError(f"{path}: expected a .jsonl or .csv file or a folder of notes files")


def read_rows(path: Path) -> Iterator[Row]:
    """Yield the rows of ``path`` one by one (a generator; nothing is read ahead)."""
    fmt = input_format(path)
    if fmt == "folder":
        return _folder_rows(path)
    if fmt == "jsonl":
        return _jsonl_rows(path)
    return _csv_rows(path)


def count_rows(path: Path) -> int:
    """Cheap row count for the progress bar (an estimate for CSV cells spanning lines)."""
    fmt = input_format(path)
    if fmt == "folder":
        return sum(1 for _ in _notes_files(path))
    with path.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return max(0, lines - 1) if fmt == "csv" else lines


# --- JSONL -------------------------------------------------------------------------


def _jsonl_rows(path: Path) -> Iterator[Row]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield _jsonl_row(path, number, raw)


def _jsonl_row(path: Path, number: int, raw: bytes) -> Row:
    where = f"{path.name} line {number}"
    try:
        data = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
    except UnicodeDecodeError:
        return Row(number, str(number), error=f"{where}: not valid UTF-8")
    except json.JSONDecodeError as exc:
        return Row(number, str(number), error=f"{where}: malformed JSON ({exc.msg}, column {exc.colno})")
    if not isinstance(data, dict):
        return Row(number, str(number), error=f"{where}: expected a JSON object, got {type(data).__name__}")
    row_id = data.pop("id", None)
    return _notes_row(number, str(number if row_id is None else row_id), data, where)


def _notes_row(number: int, row_id: str, data: dict, where: str) -> Row:
    try:
        return Row(number, row_id, notes=notes_from_mapping(data, where))
    except NotesError as exc:
        return Row(number, row_id, error=_one_line(exc, where))


def _one_line(exc: Exception, where: str) -> str:
    text = " ".join(str(exc).split())
    return text if text.startswith(where) else f"{where}: {text}"


# --- CSV ---------------------------------------------------------------------------


class _Lines:
    """Decode a binary file line by line for csv, remembering lines that were not UTF-8."""

    def __init__(self, handle) -> None:
        self._handle = handle
        self.number = 0
        self.bad: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        for raw in self._handle:
            self.number += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.bad.add(self.number)
                line = raw.decode("utf-8", errors="replace")
            yield line.lstrip("\ufeff") if self.number == 1 else line


def _csv_rows(path: Path) -> Iterator[Row]:
    with path.open("rb") as handle:
        lines = _Lines(handle)
        dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
        reader = csv.reader(iter(lines), dialect=dialect, strict=True)
        header = _csv_header(path, reader)
        number = 0
        while True:
            first_line = lines.number + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield Row(number, str(number), error=f"{path.name} line {first_line}: malformed CSV ({exc})")
                continue
            if not any(cell.strip() for cell in cells):
                continue
            number += 1
            where = f"{path.name} row {number} (line {first_line})"
            if lines.bad.intersection(range(first_line, lines.number + 1)):
                yield Row(number, str(number), error=f"{where}: not valid UTF-8")
                continue
            yield _csv_row(header, cells, number, where)


def _csv_header(path: Path, reader) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path}: empty CSV file (expected a header row)") from None
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV header ({exc})") from None
    names = [re.sub(r"[\s\-]+", "_", cell.strip().lower()) for cell in header]
    unknown = [name for name in names if name not in CSV_COLUMNS]
    if unknown:
        raise InputError(f"{path}: unknown CSV column {unknown[0]!r} (see docs/batch.md for the columns)")
    missing = [name for name in _CSV_REQUIRED if name not in names]
    if missing:
        raise InputError(f"{path}: CSV header has no {missing[0]!r} column")
    return names


def _csv_row(header: list[str], cells: list[str], number: int, where: str) -> Row:
    if len(cells) > len(header):
        return Row(number, str(number), error=f"{where}: {len(cells)} cells but the header has {len(header)}")
    values = {name: cell.strip() for name, cell in zip(header, cells) if cell.strip()}
    row_id = values.pop("id", str(number))
    try:
        data = csv_mapping(values)
    except ValueError as exc:
        return Row(number, row_id, error=f"{where}: {exc}")
    return _notes_row(number, row_id, data, where)


def csv_mapping(values: dict[str, str]) -> dict:
    """Turn flat CSV cells into the nested notes mapping ``notes_from_mapping`` reads."""
    data: dict = {key: value for key, value in values.items() if not key.startswith(("candidate_", "interviewers"))}
    candidate = {key.removeprefix("candidate_"): value for key, value in values.items() if key.startswith("candidate_")}
    if candidate:
        data["candidate"] = candidate
    for key in _CSV_LISTS:
        if key in data:
            data[key] = _split(data[key])
    if "interviewers" in values:
        data["interviewers"] = [_interviewer(item) for item in _split(values["interviewers"])]
    return data


def _split(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(";") if item.strip()]


def _interviewer(item: str) -> dict:
    match = _INTERVIEWER.match(item)
    if not match:
        raise ValueError(f"cannot read interviewer {item!r} (expected 'Name (Title) <email>')")
    return {key: value.strip() for key, value in match.groupdict().items() if value and value.strip()}


# --- folder ------------------------------------------------------------------------


def _notes_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in NOTES_SUFFIXES and not path.name.startswith("."):
            yield path


def _folder_rows(folder: Path) -> Iterator[Row]:
    for number, path in enumerate(_notes_files(folder), start=1):
        try:
            yield Row(number, path.name, notes=load_notes(path))
        except (NotesError, OSError) as exc:
            yield Row(number, path.name, error=_one_line(exc, path.name))

"""Render check results: terminal text (rich markup), stable JSON, GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from letterguard.rubric.types import Report, Severity


@dataclass(frozen=True)
class FileResult:
    """The outcome of checking one input path (a report, or why it could not be read)."""

    path: str
    report: Report | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.report is not None and self.report.passed


def summary(results: Sequence[FileResult]) -> dict:
    reports = [r.report for r in results if r.report is not None]
    return {
        "files": len(results),
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results if r.report is not None),
        "unreadable": sum(r.error is not None for r in results),
        "errors": sum(len(r.errors) for r in reports),
        "warnings": sum(len(r.warnings) for r in reports),
    }


def to_json(results: Sequence[FileResult]) -> str:
    """The stable JSON shape other tools rely on (see README: JSON output)."""
    files = []
    for result in results:
        entry = {
            "path": result.path,
            "kind": result.report.kind.value if result.report else None,
            "passed": result.passed,
            "violations": [v.to_dict() for v in result.report.violations] if result.report else [],
        }
        if result.error:
            entry["error"] = result.error
        files.append(entry)
    return json.dumps({"files": files, "summary": summary(results)}, indent=2, ensure_ascii=False)


_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}
Segment = tuple[str, "str | None"]


def to_text(results: Sequence[FileResult], verbose: bool = True) -> list[list[Segment]]:
    """`path:line:col: rule message` lines, each followed by the why and the fix.

    Lines are (text, style) segments: plain output joins the text, a terminal renders the
    styles with rich. Keeping rich out of the plain path keeps `check` quick to start.
    """
    lines: list[list[Segment]] = []
    for result in results:
        if result.report is None:
            continue
        for v in result.report.violations:
            lines.append([
                (f"{result.path}:{v.line}:{v.col}:", "bold"), (" ", None), (v.rule, _STYLE[v.severity]),
                (f" {v.message} ", None), (f"({v.severity.value})", "dim"), (": ", None),
                (f'"{_short(v.text)}"', "italic"),
            ])
            if verbose:
                lines.append([("    why: ", "dim"), (v.why, None)])
                if v.suggestion:
                    lines.append([("    fix: ", "dim"), (v.suggestion, None)])
    lines.append(_summary_line(results))
    return lines


def plain(lines: list[list[Segment]]) -> str:
    return "\n".join("".join(text for text, _ in line) for line in lines)


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _summary_line(results: Sequence[FileResult]) -> list[Segment]:
    s = summary(results)
    ok = s["failed"] == 0 and s["unreadable"] == 0
    extra = f", {s['unreadable']} unreadable" if s["unreadable"] else ""
    return [
        ("all passed" if ok else "problems found", "green" if ok else "red"),
        (f": {s['files']} letter(s), {s['passed']} passed, {s['failed']} failed{extra}; "
         f"{s['errors']} error(s), {s['warnings']} warning(s)", None),
    ]


def to_github(results: Sequence[FileResult]) -> str:
    """GitHub Actions workflow commands, so findings show up inline on a pull request."""
    out = []
    for result in results:
        if result.error:
            out.append(f"::error file={_gh(result.path)}::{_gh(result.error)}")
        for v in result.report.violations if result.report else ():
            level = "error" if v.severity is Severity.ERROR else "warning"
            out.append(
                f"::{level} file={_gh(result.path)},line={v.line},col={v.col},endLine={v.end_line},"
                f"endColumn={v.end_col},title={v.rule}::{_gh(v.message + ': ' + v.why)}"
            )
    return "\n".join(out)


def _gh(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(",", "%2C").replace("::", "%3A%3A")

"""The eval report as a terminal table."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text


def eval_table(result) -> Group:
    table = Table(title=f"letterguard eval: {result.letters} letters")
    for column in ("rule", "precision", "recall", "F1", "tp", "fp", "fn", "misclassified"):
        table.add_column(column, justify="right" if column not in ("rule", "misclassified") else "left")
    for s in result.scores.values():
        wrong = ", ".join([*(f"+{i}" for i in s.false_positives), *(f"-{i}" for i in s.false_negatives)])
        table.add_row(s.rule, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.fp), str(s.fn), wrong or "")
    note = Text("misclassified: +id flagged but labelled clean, -id labelled but missed")
    return Group(table, note, Text(f"macro-F1 (core rules): {result.macro_f1:.3f}", style="bold"))

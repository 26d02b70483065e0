"""Rule documentation for the terminal, rendered from the rubric itself."""

from __future__ import annotations

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text


def rules_table(rubric) -> Table:
    table = Table(title="letterguard rules", show_lines=False)
    table.add_column("id", style="bold")
    table.add_column("severity")
    table.add_column("fix")
    table.add_column("message")
    for rule in rubric.rules:
        severity = f"[red]{rule.severity.value}[/]" if rule.severity.value == "error" else f"[yellow]{rule.severity.value}[/]"
        table.add_row(rule.id, severity, "yes" if rule.fixes else "", escape(rule.message))
    return table


def rule_page(rule) -> Group:
    """One rule as ruff documents a rule: what it flags, why, what to do, examples."""
    parts: list = [
        Text.from_markup(f"[bold]{rule.id}[/] ([italic]{rule.severity.value}[/]): {escape(rule.message)}\n"),
        Text.from_markup(f"[bold]Why it matters[/]\n{escape(rule.why)}\n"),
    ]
    if rule.suggestion:
        parts.append(Text.from_markup(f"[bold]What to do[/]\n{escape(rule.suggestion)}\n"))
    if rule.kinds:
        parts.append(Text(f"Applies to: {', '.join(k.value for k in rule.kinds)}\n"))
    if rule.fixes:
        parts.append(Text(f"Automatic fixes (--fix): {', '.join(rule.fixes)}\n"))
    for title, examples, colour in (("Flagged", rule.bad_examples, "red"), ("Passes", rule.good_examples, "green")):
        for example in examples:
            parts.append(Text.from_markup(f"[{colour}]{title}:[/]"))
            parts.append(Text("    " + example.replace("\n", "\n    ") + "\n"))
    return Group(*parts)

"""`letterguard rules [ID]`: the rules as documentation, straight from the rubric files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from letterguard.cli import app
from letterguard.cli.common import build_rubric, console, fail


@app.command()
def rules(
    rule_id: Annotated[Optional[str], typer.Argument(metavar="[ID]", help="Show one rule in full.")] = None,
    rubric: Annotated[Optional[list[Path]], typer.Option("--rubric", help="Extra rubric TOML file (repeatable).")] = None,
) -> None:
    """List the rules, or show one with why it matters and its examples."""
    from letterguard.render.rules import rule_page, rules_table

    the_rubric = build_rubric(rubric, None, None)
    if rule_id is None:
        console().print(rules_table(the_rubric))
        return
    if rule_id not in the_rubric:
        fail(f"unknown rule '{rule_id}' (see 'letterguard rules')")
    console().print(rule_page(the_rubric.rule(rule_id)))

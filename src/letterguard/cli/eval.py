"""`letterguard eval CORPUS.jsonl`: score the rubric on a labelled corpus."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from letterguard.cli import app
from letterguard.cli.common import build_rubric, console, fail


class EvalFormat(StrEnum):
    text = "text"
    json = "json"


@app.command(name="eval")
def evaluate_corpus(
    corpus: Annotated[Path, typer.Argument(help="JSON Lines corpus labelled per shared/etiquette-rules.md.")],
    output_format: Annotated[EvalFormat, typer.Option("--format", help="text or json.")] = EvalFormat.text,
    rubric: Annotated[Optional[list[Path]], typer.Option("--rubric", help="Extra rubric TOML file (repeatable).")] = None,
) -> None:
    """Per-rule precision, recall and F1, misclassified letter ids, and core macro-F1."""
    from letterguard.render.evaluation import eval_table
    from letterguard.rubric.evaluate import CorpusError, evaluate, read_corpus

    if not corpus.is_file():
        fail(f"{corpus}: no such file")
    try:
        result = evaluate(build_rubric(rubric, None, None), read_corpus(corpus))
    except (CorpusError, UnicodeDecodeError) as exc:
        fail(str(exc))
    if result.letters == 0:
        fail(f"{corpus}: no letters in the corpus")
    if output_format is EvalFormat.json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        console().print(eval_table(result))

"""Locate the data folders (rubrics/, prompts/) in a wheel or a source checkout.

Wheels carry them as ``letterguard/_data/...`` (see pyproject's force-include); an
editable install or a plain checkout reads them from the repository root instead.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def data_dir(name: str) -> Path:
    """Return the folder ``name`` ("rubrics" or "prompts") wherever it is installed."""
    packaged = Path(str(resources.files("letterguard"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"letterguard data folder {name!r} is missing from this install")

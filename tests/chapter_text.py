"""Reading what a chapter states, for the census tests that re-measure its stated ranges."""

from __future__ import annotations

import re
from pathlib import Path


def prose(path: Path) -> str:
    """The chapter's comment lines (its markdown cells among them), markers stripped, joined into one line."""
    lines = [line.lstrip("#").strip() for line in path.read_text().splitlines() if line.lstrip().startswith("#")]
    return " ".join(line for line in lines if line)


def stated(pattern: str, text: str) -> tuple[str, ...]:
    """The groups of ``pattern`` in ``text``; fails (naming the pattern) when the chapter no longer states it."""
    match = re.search(pattern, text)
    assert match, f"the chapter no longer states a figure matching {pattern!r}: update the text and this test together"
    return match.groups()

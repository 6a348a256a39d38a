"""The README's course map — the registry of chapters that tests compare the files on disk with."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def course_map_rows() -> list[tuple[int, str]]:
    """``(number, stem)`` of each row of the README's course map, in its order (``[(0, "00_start_here"), …]``)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## The course map", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| \[[^\]]+\]\(notebooks/([^)]+)\.ipynb\) \|", section, flags=re.M)
    return [(int(n), stem) for n, stem in rows]


def course_map_chapters() -> list[str]:
    """Stems of the chapter notebooks the course map links, in its order."""
    return [stem for _, stem in course_map_rows()]

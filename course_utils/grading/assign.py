"""Generate the student notebooks in ``exercises/`` from the authored ones in ``solutions/``.

``python -m course_utils.grading assign [--check] [--solutions DIR] [--exercises DIR]`` reads every
``solutions/*_exercises.ipynb``, passes it through a small pipeline of notebook transformations (in the
spirit of nbgrader's preprocessors) and writes ``exercises/<same name>.ipynb`` plus its jupytext
``py:percent`` pair. The output is deterministic: running it twice gives byte-identical files, so
``--check`` (which writes nothing and exits 1 listing the stale files) can guard CI.

Markers
-------
In **code cells**, a block between ::

        ### BEGIN SOLUTION: compute ∇f(x) (an array of shape (n,))
        return A @ x - b
        ### END SOLUTION

becomes, at the indentation of the ``BEGIN`` line, ::

        raise NotImplementedError("compute ∇f(x) (an array of shape (n,))")

(without the ``: hint`` part the message is "Replace this line with your solution"). Put solution blocks
inside functions, so the student notebook still runs top to bottom and ``check`` reports "not attempted yet".

In **markdown cells**, the lines between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` become
"*Write your answer here.*".

A cell tagged ``solution-only`` is dropped from the student version. Outputs and execution counts are
stripped everywhere.

nbgrader metadata
-----------------
Both versions carry nbgrader's cell metadata (schema 3), so an instructor can put ``solutions/`` in an nbgrader
course as it is (``nbgrader generate_assignment``, ``nbgrader autograde``, no flags) and a student may submit the
``exercises/`` notebook instead of nbgrader's release. It is derived here from what the author already wrote,
never typed by hand: a code cell with a ``### BEGIN SOLUTION`` block is an autograded answer (``solution``,
unlocked; id ``answer_<exercise>``, the exercise whose check follows it); a cell made only of one
``check("N.M", answer)`` call is an autograder test worth :data:`NBGRADER_POINTS` (``grade``, locked; id
``check_<exercise>``) — :func:`~course_utils.grading.check.check` shows the fraction of cases passed as the
cell's value while nbgrader executes it, which nbgrader reads as partial credit; a markdown cell with a solution
block is a manually graded answer worth 0 points (the course grader does not grade prose either). Any other
``nbgrader`` metadata is removed. :func:`assign` writes the metadata into ``solutions/*.ipynb`` too (only the
metadata changes there) and ``--check`` fails when it is missing or stale. The ``.py`` halves of the pairs do not
carry it (``jupytext.toml`` keeps only tags), so the authored text stays free of JSON.
"""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Callable
from pathlib import Path

from ..validation import check_bool

__all__ = ["PIPELINE", "make_exercise", "render", "expected_files", "annotated_solutions", "assign", "add_parser",
           "add_nbgrader_metadata",
           "NBGRADER_POINTS"]

SOLUTION_ONLY_TAG = "solution-only"
GENERIC_MESSAGE = "Replace this line with your solution"
MARKDOWN_PLACEHOLDER = "*Write your answer here.*"
_CODE_BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?::\s*(?P<hint>.*?))?\s*$")
_CODE_END = re.compile(r"^[ \t]*### END SOLUTION\s*$")
_MD_BEGIN = re.compile(r"^\s*<!--\s*BEGIN SOLUTION\s*-->\s*$")
_MD_END = re.compile(r"^\s*<!--\s*END SOLUTION\s*-->\s*$")
_NOTEBOOK_METADATA_KEPT = ("jupytext", "kernelspec")
# Each exercise is worth one point, as in the course grader's CSV; check() reports the fraction of cases passed.
NBGRADER_POINTS = 1
_NBGRADER_SCHEMA = 3


class MarkerError(ValueError):
    """A BEGIN marker without its END (or the reverse)."""


def _replace_blocks(source: str, begin: re.Pattern, end: re.Pattern, replacement: Callable[[re.Match], str],
                    where: str) -> str:
    out: list[str] = []
    opened: re.Match | None = None
    for number, line in enumerate(source.split("\n"), start=1):
        if opened is None:
            match = begin.match(line)
            if match:
                opened = match
                out.append(replacement(match))
            elif end.match(line):
                raise MarkerError(f"{where}, line {number}: END SOLUTION without a BEGIN SOLUTION")
            else:
                out.append(line)
        elif begin.match(line):
            raise MarkerError(f"{where}, line {number}: BEGIN SOLUTION inside another solution block")
        elif end.match(line):
            opened = None
    if opened is not None:
        raise MarkerError(f"{where}: BEGIN SOLUTION without an END SOLUTION")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# The transformations: each takes a notebook and returns it (modified), like nbgrader preprocessors.


def drop_solution_only_cells(nb):
    """Remove cells tagged ``solution-only``."""
    nb.cells = [c for c in nb.cells if SOLUTION_ONLY_TAG not in c.get("metadata", {}).get("tags", [])]
    return nb


def replace_code_solutions(nb):
    """Replace each ``### BEGIN SOLUTION`` … ``### END SOLUTION`` block with ``raise NotImplementedError``."""

    def stub(match: re.Match) -> str:
        message = match.group("hint") or GENERIC_MESSAGE
        quoted = '"' + message.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{match.group('indent')}raise NotImplementedError({quoted})"

    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.source = _replace_blocks(cell.source, _CODE_BEGIN, _CODE_END, stub, f"code cell {index}")
    return nb


def replace_markdown_solutions(nb):
    """Replace each ``<!-- BEGIN SOLUTION -->`` … ``<!-- END SOLUTION -->`` block in markdown with a prompt."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = _replace_blocks(cell.source, _MD_BEGIN, _MD_END, lambda m: MARKDOWN_PLACEHOLDER,
                                          f"markdown cell {index}")
    return nb


def clear_outputs(nb):
    """Strip outputs, execution counts and run-time cell metadata; keep only the pair's notebook metadata."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled", "jp-MarkdownHeadingCollapsed"):
            cell.metadata.pop(key, None)
    nb.metadata = {k: nb.metadata[k] for k in _NOTEBOOK_METADATA_KEPT if k in nb.metadata}
    return nb


def _grade_id_part(exercise_id: str) -> str:
    return exercise_id.replace(".", "_")  # nbgrader ids allow letters, digits, "_" and "-"


def add_nbgrader_metadata(nb):
    """Give solution cells and check cells nbgrader's cell metadata (derived from the markers, see the module
    docstring); remove any other ``nbgrader`` cell metadata.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The authored notebook; modified in place.

    Returns
    -------
    nbformat.NotebookNode
        ``nb`` itself.

    Raises
    ------
    MarkerError
        When a check-only cell calls ``check`` more than once (nbgrader reads one score per cell), two cells check
        the same exercise, or a line holds "BEGIN SOLUTION" or "END SOLUTION" without being a marker (nbgrader
        would take it for one).
    """
    from .submission import find_check_calls, is_check_only

    _check_notebook(nb, "nb")
    checks: dict[int, str] = {}
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code" and is_check_only(cell.source):
            calls = find_check_calls(cell.source)
            if len(calls) != 1:
                raise MarkerError(f"code cell {index}: one check(...) call per cell, so nbgrader can read its score "
                                  f"(found {len(calls)})")
            if calls[0][0] in checks.values():
                raise MarkerError(f"code cell {index}: exercise {calls[0][0]} is checked in two cells")
            checks[index] = calls[0][0]

    for index, cell in enumerate(nb.cells):
        begin, end = (_CODE_BEGIN, _CODE_END) if cell.cell_type == "code" else (_MD_BEGIN, _MD_END)
        for number, line in enumerate(cell.source.split("\n"), start=1):
            # nbgrader's ClearSolutions takes any line containing these words for a marker
            if ("BEGIN SOLUTION" in line and not begin.match(line)) or ("END SOLUTION" in line and not end.match(line)):
                raise MarkerError(f"{cell.cell_type} cell {index}, line {number}: 'BEGIN/END SOLUTION' outside a "
                                  f"marker line (nbgrader would take it for one): {line.strip()[:80]}")

    used: set[str] = set()

    def unique(grade_id: str) -> str:
        candidate, number = grade_id, 1
        while candidate in used:
            number += 1
            candidate = f"{grade_id}_{number}"
        used.add(candidate)
        return candidate

    for index, cell in enumerate(nb.cells):
        if index in checks:
            cell.metadata["nbgrader"] = {
                "grade": True, "grade_id": unique("check_" + _grade_id_part(checks[index])), "locked": True,
                "points": NBGRADER_POINTS, "schema_version": _NBGRADER_SCHEMA, "solution": False}
            continue
        begin = _CODE_BEGIN if cell.cell_type == "code" else _MD_BEGIN if cell.cell_type == "markdown" else None
        if begin is None or not any(begin.match(line) for line in cell.source.split("\n")):
            continue
        following = next((checks[i] for i in sorted(checks) if i > index), None)
        grade_id = unique("answer_" + (_grade_id_part(following) if following else "final"))
        if cell.cell_type == "code":
            cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": False,
                                         "schema_version": _NBGRADER_SCHEMA, "solution": True}
        else:  # nbgrader requires a markdown answer to be a graded one; worth 0, like the course grader's
            cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": False, "points": 0,
                                         "schema_version": _NBGRADER_SCHEMA, "solution": True}
    return nb


PIPELINE: tuple[Callable, ...] = (add_nbgrader_metadata, drop_solution_only_cells, replace_code_solutions,
                                  replace_markdown_solutions, clear_outputs)


def _check_notebook(nb, name: str) -> None:
    import nbformat

    if not isinstance(nb, nbformat.NotebookNode) or "cells" not in nb:
        raise TypeError(f"`{name}` must be a notebook (nbformat.NotebookNode, e.g. from jupytext.read), "
                        f"got {type(nb).__name__}")


def _check_dir(path, name: str) -> Path:
    if not isinstance(path, (str, Path)):
        raise TypeError(f"`{name}` must be a path (str or pathlib.Path), got {path!r} of type {type(path).__name__}")
    return Path(path)


class MissingDirectory(FileNotFoundError, ValueError):
    """A directory argument that does not exist (both a ``FileNotFoundError`` and a bad ``ValueError`` argument)."""


def make_exercise(solution_nb, pipeline=PIPELINE):
    """The student version of ``solution_nb`` (a new notebook; the input is not modified).

    Parameters
    ----------
    solution_nb : nbformat.NotebookNode
        The authored notebook with solution markers (e.g. from ``jupytext.read``).
    pipeline : sequence of callable, default PIPELINE
        Transforms ``nb -> nb`` applied in order to a deep copy of ``solution_nb``; the default adds nbgrader's
        cell metadata, drops ``solution-only`` cells, replaces code and markdown solution blocks, and clears
        outputs.

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    MarkerError
        When a solution block's BEGIN and END markers do not pair up.
    """
    _check_notebook(solution_nb, "solution_nb")
    if isinstance(pipeline, (str, bytes)) or not hasattr(pipeline, "__iter__") or not all(map(callable, pipeline)):
        raise TypeError(f"`pipeline` must be a sequence of notebook transforms (callables), got {pipeline!r}"[:200])
    nb = copy.deepcopy(solution_nb)
    for transform in pipeline:
        nb = transform(nb)
    return nb


def render(nb) -> dict[str, str]:
    """The text of the ``.ipynb`` and of its jupytext ``py:percent`` pair, keyed by suffix.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook to write out (normally from :func:`make_exercise`).

    Returns
    -------
    dict of str to str
        ``{".ipynb": ..., ".py": ...}``; the ``.ipynb`` text ends with a newline.
    """
    import jupytext

    _check_notebook(nb, "nb")
    ipynb = jupytext.writes(nb, fmt="ipynb")
    # The jupytext CLI ends files with a newline: match it so `jupytext --sync` leaves our output unchanged.
    return {".ipynb": ipynb if ipynb.endswith("\n") else ipynb + "\n", ".py": jupytext.writes(nb, fmt="py:percent")}


def expected_files(solutions_dir: Path, exercises_dir: Path) -> dict[Path, str]:
    """Every file ``exercises_dir`` should contain, mapped to its exact text.

    Parameters
    ----------
    solutions_dir : str or Path
        Folder of the authored notebooks; every ``*_exercises.ipynb`` in it is converted.
    exercises_dir : str or Path
        Folder of the student notebooks; only used to build the returned paths (nothing is read or written).

    Returns
    -------
    dict of Path to str
        ``exercises_dir / "<name>.ipynb"`` and ``exercises_dir / "<name>.py"`` for each source ``<name>.ipynb``.
    """
    import jupytext

    solutions_dir, exercises_dir = _check_dir(solutions_dir, "solutions_dir"), _check_dir(exercises_dir, "exercises_dir")
    files: dict[Path, str] = {}
    for source in sorted(Path(solutions_dir).glob("*_exercises.ipynb")):
        try:
            nb = make_exercise(jupytext.read(source, fmt="ipynb"))
        except MarkerError as exc:
            raise MarkerError(f"{source}: {exc}") from None
        for suffix, text in render(nb).items():
            files[Path(exercises_dir) / (source.stem + suffix)] = text
    return files


def _nbgrader_cells(nb) -> list:
    return [cell.metadata.get("nbgrader") for cell in nb.cells]


def annotated_solutions(solutions_dir: Path) -> dict[Path, str]:
    """The ``solutions_dir`` notebooks whose nbgrader metadata is missing or stale, mapped to their annotated text.

    Parameters
    ----------
    solutions_dir : str or Path
        Folder of the authored notebooks (``*_exercises.ipynb``).

    Returns
    -------
    dict of Path to str
        Only the notebooks to rewrite; in each, only cells' ``nbgrader`` metadata differ from the file.
    """
    import jupytext

    files: dict[Path, str] = {}
    for source in sorted(_check_dir(solutions_dir, "solutions_dir").glob("*_exercises.ipynb")):
        nb = jupytext.read(source, fmt="ipynb")
        try:
            annotated = add_nbgrader_metadata(copy.deepcopy(nb))
        except MarkerError as exc:
            raise MarkerError(f"{source}: {exc}") from None
        if _nbgrader_cells(annotated) != _nbgrader_cells(nb):
            files[source] = render(annotated)[".ipynb"]
    return files


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def assign(solutions_dir: Path | str = "solutions", exercises_dir: Path | str = "exercises", *,
           check: bool = False) -> list[Path]:
    """Generate (or with ``check=True`` only compare) ``exercises_dir``; return the files that were stale.

    Stale means missing, different from what would be generated, or a generated-looking file
    (``*_exercises.ipynb`` / ``.py``) without a source in ``solutions_dir`` (deleted unless checking); a
    ``solutions_dir`` notebook whose nbgrader metadata is missing or stale is stale too (its metadata is
    rewritten unless checking).

    Parameters
    ----------
    solutions_dir : str or Path, default "solutions"
        Folder of the authored notebooks; must exist (else :class:`MissingDirectory`). Relative paths are
        relative to the current directory.
    exercises_dir : str or Path, default "exercises"
        Folder of the generated student notebooks; created if missing (unless checking).
    check : bool, default False
        When True, write and delete nothing, only report the stale files.

    Returns
    -------
    list of Path
        The stale files: the solutions annotated and the exercises written (or that would be), then the orphans
        deleted (or that would be).
    """
    solutions_dir, exercises_dir = _check_dir(solutions_dir, "solutions_dir"), _check_dir(exercises_dir, "exercises_dir")
    check = check_bool(check, "check")
    if not solutions_dir.is_dir():
        raise MissingDirectory(f"`solutions_dir` (--solutions) must be an existing directory, got {str(solutions_dir)!r}")
    wanted = expected_files(solutions_dir, exercises_dir)
    annotated = annotated_solutions(solutions_dir)
    stale = [path for path, text in wanted.items() if _read(path) != text]
    existing = sorted(exercises_dir.glob("*_exercises.ipynb")) + sorted(exercises_dir.glob("*_exercises.py"))
    orphans = [p for p in existing if p not in wanted]
    if not check:
        exercises_dir.mkdir(parents=True, exist_ok=True)
        for path, text in [*annotated.items(), *((path, wanted[path]) for path in stale)]:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        for path in orphans:
            path.unlink()
    return list(annotated) + stale + orphans


# ---------------------------------------------------------------------------------------------------------------
# CLI


def add_parser(subparsers) -> None:
    """Register the ``assign`` subcommand on an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``ArgumentParser.add_subparsers()``.
    """

    if not hasattr(subparsers, "add_parser"):
        raise TypeError("`subparsers` must be what argparse.ArgumentParser().add_subparsers() returns, "
                        f"got {type(subparsers).__name__}")
    parser = subparsers.add_parser(
        "assign", help="generate exercises/ from solutions/",
        description="Generate the student notebooks (exercises/) from the authored ones (solutions/).")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and list the files if exercises/ (or the nbgrader metadata of "
                             "solutions/) is out of date")
    parser.add_argument("--solutions", type=Path, default=Path("solutions"), metavar="DIR",
                        help="authored notebooks with solution markers (default: solutions)")
    parser.add_argument("--exercises", type=Path, default=Path("exercises"), metavar="DIR",
                        help="where the student notebooks go (default: exercises)")
    parser.set_defaults(func=_run)


def _run(args) -> int:
    try:
        stale = assign(args.solutions, args.exercises, check=args.check)
    except (MarkerError, FileNotFoundError) as exc:
        print(f"assign: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if stale:
            print(f"{args.exercises}/ (or the nbgrader metadata of {args.solutions}/) is out of date; run `python -m course_utils.grading assign` "
                  "(or `make exercises`). Stale files:", file=sys.stderr)
            for path in stale:
                print(f"  {path}", file=sys.stderr)
            return 1
        print(f"{args.exercises}/ and the nbgrader metadata of {args.solutions}/ are up to date")
        return 0
    for path in stale:
        print(f"{'removed' if not path.exists() else 'wrote'} {path}")
    if not stale:
        print(f"{args.exercises}/ was already up to date")
    return 0

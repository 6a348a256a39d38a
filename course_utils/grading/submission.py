"""Reading a submitted notebook: who sent it, which chapter it is, and where each exercise is checked.

The grader never trusts the notebook's stored outputs. It locates each exercise by its ``check("N.M", answer)``
call — the cell that holds it, and the *expression* passed as the answer (usually a function name) — so it can
grade the exercise right after that cell ran, on the value the expression has at that moment. A file that is
not a notebook, or corrupt JSON, becomes a :class:`Submission` with a ``problem`` instead of an exception.
"""

from __future__ import annotations

import ast
import json
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..validation import check_str

__all__ = ["CheckSite", "Cell", "Submission", "read_submission", "find_check_calls", "defined_names",
           "is_check_only", "chapter_of", "check_path", "check_exercise_ids", "stripped_notebook", "student_id_of", "NOT_A_NOTEBOOK",
           "CORRUPT_JSON", "UNREADABLE", "FILE_NOT_FOUND"]

NOT_A_NOTEBOOK = "not a notebook"
CORRUPT_JSON = "corrupt JSON"
UNREADABLE = "unreadable file"
FILE_NOT_FOUND = "file not found"

_CHECK_CALL = re.compile(r"""\bcheck\(\s*(['"])(?P<id>\d+\.\d+[a-z]?)\1\s*,\s*(?P<expr>[^()\n]*?)\s*\)""")
_STUDENT_ID = re.compile(r"[^A-Za-z0-9._@+-]+")
_MAX_READ = 300 * 2**20  # bytes of file; a bigger "notebook" is not a submission (outputs may be large)
_MAX_CODE = 50 * 2**20  # characters of cell sources (what actually runs): the limit that matters


@dataclass(frozen=True)
class CheckSite:
    """Where exercise ``exercise_id`` is checked: the code cell's index and the answer expression's source.

    Parameters
    ----------
    exercise_id : str
        The exercise id passed to ``check``, such as ``"2.3"``.
    expression : str
        Source of the answer argument of that ``check`` call (usually a function name), whitespace collapsed.
    cell_index : int
        Index of the code cell holding the call among all the notebook's cells (0-based).
    """

    exercise_id: str
    expression: str
    cell_index: int


@dataclass(frozen=True)
class Cell:
    """A cell's type and source (all the grader needs; outputs are ignored).

    Parameters
    ----------
    cell_type : str
        The notebook's ``cell_type``: ``"code"``, ``"markdown"`` or ``"raw"`` (empty when missing).
    source : str
        The cell's source as one string (a list of lines in the file is joined).
    """

    cell_type: str
    source: str


@dataclass
class Submission:
    """One submitted file, read and analysed (nothing executed yet).

    Parameters
    ----------
    path : Path
        The file that was read.
    student_id : str
        ``metadata["student_id"]`` of the notebook when present, else the file name without its suffix.
    cells : list of Cell
        Empty when ``problem`` is set.
    sites : dict
        Exercise id -> :class:`CheckSite` of its last ``check`` call.
    chapters : list of int
        Chapters of the check calls found (sorted), or from the file name (``"01_…"``) when there are none.
    problem : str or None
        ``"not a notebook"``, ``"corrupt JSON"``, ``"file not found"`` or ``"unreadable file"`` (with ``detail``);
        None when readable.
    detail : str
        A sentence explaining ``problem`` (e.g. where the JSON broke); empty when readable.
    """

    path: Path
    student_id: str
    cells: list[Cell] = field(default_factory=list)
    sites: dict[str, CheckSite] = field(default_factory=dict)
    chapters: list[int] = field(default_factory=list)
    problem: str | None = None
    detail: str = ""


_EXERCISE_ID = re.compile(r"(\d+)\.\d+[a-z]?")


def check_path(value, name: str) -> Path:
    """A file or directory argument: a ``str`` or ``os.PathLike`` (not a number, not None), as a ``Path``.

    Parameters
    ----------
    value : str or os.PathLike
        The argument to check; a blank string is rejected.
    name : str
        The argument's name, quoted in the error message.

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        When ``value`` is not a non-blank ``str`` or ``os.PathLike``.
    """
    if isinstance(value, (str, os.PathLike)) and str(value).strip():
        return Path(value)
    raise TypeError(f"`{name}` must be a path (a str or pathlib.Path), got {value!r:.60} of type {type(value).__name__}")


def check_exercise_ids(value, name: str = "exercise_ids") -> list[str]:
    """A list (or tuple) of exercise ids such as ``["3.1", "3.2"]``.

    Parameters
    ----------
    value : list or tuple of str
        The ids, each ``chapter.exercise`` with an optional letter (``"3.1"``, ``"3.2b"``).
    name : str, default "exercise_ids"
        The argument's name, quoted in the error message.

    Returns
    -------
    list of str
        ``value`` as a new list.

    Raises
    ------
    TypeError
        When ``value`` is a string or not a list or tuple.
    ValueError
        When an item is not an exercise id.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"`{name}` must be a list of exercise ids such as ['3.1', '3.2'], got {value!r:.60} "
                        f"of type {type(value).__name__}")
    for item in value:
        if not isinstance(item, str) or not _EXERCISE_ID.fullmatch(item):
            raise ValueError(f"`{name}` must hold exercise ids such as '3.1', got {item!r:.60}")
    return list(value)


def chapter_of(exercise_id: str) -> int:
    """The chapter number of an id: ``"2.3" -> 2``.

    Parameters
    ----------
    exercise_id : str
        An id ``chapter.exercise`` with an optional letter, e.g. ``"2.3"`` or ``"2.3b"``; surrounding spaces
        are ignored.

    Returns
    -------
    int
    """
    check_str(exercise_id, "exercise_id")
    match = _EXERCISE_ID.fullmatch(exercise_id.strip())
    if match is None:
        raise ValueError(f"`exercise_id` must look like '2.3' (chapter.exercise), got {exercise_id!r:.60}")
    return int(match.group(1))


def _check_calls_ast(source: str) -> list[tuple[str, str]] | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check"
                and len(node.args) == 2 and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            expression = ast.get_source_segment(source, node.args[1])
            if expression is not None:
                calls.append((node.args[0].value.strip(), " ".join(expression.split())))
    return calls


def find_check_calls(source: str) -> list[tuple[str, str]]:
    """``(exercise_id, answer expression)`` of every ``check(...)`` call in a code cell's source, in order.

    Parsed with :mod:`ast`; a cell that does not parse (a syntax error, IPython magics) falls back to a regular
    expression that recognises ``check("N.M", name)``.

    Parameters
    ----------
    source : str
        Source of one code cell.

    Returns
    -------
    list of tuple of (str, str)
        Calls whose id looks like ``"N.M"`` (optionally with a letter), in source order.
    """
    check_str(source, "source")
    calls = _check_calls_ast(source)
    if calls is None:
        calls = [(m.group("id"), m.group("expr")) for m in _CHECK_CALL.finditer(source) if m.group("expr")]
    return [(eid, expr) for eid, expr in calls if re.fullmatch(r"\d+\.\d+[a-z]?", eid)]


def is_check_only(source: str) -> bool:
    """True when the cell consists of ``check(...)`` calls only (the grader skips it: it runs the real check).

    Parameters
    ----------
    source : str
        Source of one code cell; a cell that does not parse, or is empty, is not check-only.

    Returns
    -------
    bool
    """
    check_str(source, "source")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return bool(tree.body) and all(
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Name)
        and stmt.value.func.id == "check" for stmt in tree.body)


def defined_names(source: str) -> set[str]:
    """Names a cell binds at top level (functions, classes, assignments, imports); empty if it does not parse.

    Parameters
    ----------
    source : str
        Source of one code cell.

    Returns
    -------
    set of str
        For ``import a.b`` the bound name ``a``; names bound inside ``if``/``for``/``with`` blocks are not
        included.
    """
    check_str(source, "source")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _student_id(metadata, path: Path) -> str:
    value = metadata.get("student_id") if isinstance(metadata, dict) else None
    if isinstance(value, (str, int)) and str(value).strip():
        cleaned = _STUDENT_ID.sub("_", str(value).strip())[:64].strip("._")
        if cleaned:
            return cleaned
    return _STUDENT_ID.sub("_", path.stem)[:64] or "submission"


def student_id_of(path) -> str:
    """The student id the grader derives from a file name alone (what metadata may override).

    Parameters
    ----------
    path : str or os.PathLike
        The submitted file.

    Returns
    -------
    str
    """
    return _student_id({}, check_path(path, "path"))


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def read_submission(path) -> Submission:
    """Read and analyse one submitted file; problems become ``Submission.problem``, never exceptions.

    (A ``path`` that is not a path at all — a number, None — is a programming error: ``TypeError``.)

    Parameters
    ----------
    path : str or os.PathLike
        The submitted file, normally a ``.ipynb`` notebook (nbformat 4, or older formats converted by
        ``nbformat``). Stored outputs are ignored; a file larger than 300 MB, or whose cells hold more than
        50 MB of source, is rejected as not a notebook.

    Returns
    -------
    Submission
    """

    path = check_path(path, "path")
    stem_id = _student_id({}, path)
    try:
        if path.stat().st_size > _MAX_READ:
            return Submission(path, stem_id, problem=NOT_A_NOTEBOOK, detail="the file is larger than 300 MB")
        raw = path.read_bytes()
    except FileNotFoundError:
        return Submission(path, stem_id, problem=FILE_NOT_FOUND, detail=f"there is no file {str(path)!r}")
    except OSError as exc:
        return Submission(path, stem_id, problem=UNREADABLE, detail=exc.strerror or type(exc).__name__)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Submission(path, stem_id, problem=NOT_A_NOTEBOOK, detail="the file is not text (binary data)")
    if not text.lstrip().startswith("{"):
        what = "the file is empty" if not text.strip() else "the file is not JSON (a notebook is a JSON document)"
        return Submission(path, stem_id, problem=NOT_A_NOTEBOOK, detail=what)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Submission(path, stem_id, problem=CORRUPT_JSON,
                          detail=f"{exc.msg} at line {exc.lineno}, column {exc.colno}; the file was probably "
                                 "truncated or edited by hand — re-download it from Jupyter")
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        return Submission(path, stem_id, problem=NOT_A_NOTEBOOK, detail="JSON without notebook cells")
    if isinstance(data.get("cells"), list):  # nbformat 4: read the cells directly (nbformat's validation is slow)
        raw_cells, metadata = data["cells"], data.get("metadata", {})
    else:  # nbformat 3 and older: let nbformat convert
        try:
            import nbformat

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nb = nbformat.reads(text, as_version=4)
            raw_cells, metadata = nb.cells, nb.get("metadata", {})
        except Exception as exc:  # nbformat rejects some malformed documents
            return Submission(path, stem_id, problem=NOT_A_NOTEBOOK,
                              detail=f"unreadable notebook structure ({exc})"[:300])
    if not all(isinstance(c, dict) for c in raw_cells):
        return Submission(path, stem_id, problem=NOT_A_NOTEBOOK, detail="its cells are not notebook cells")
    cells = [Cell(str(c.get("cell_type", "")), _source(c)) for c in raw_cells]
    del raw, text, data, raw_cells  # the stored outputs: never used, and possibly large
    if sum(len(c.source) for c in cells) > _MAX_CODE:
        return Submission(path, stem_id, problem=NOT_A_NOTEBOOK, detail="its cells hold more than 50 MB of code")

    submission = Submission(path, _student_id(metadata, path), cells=cells)
    for index, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        for exercise_id, expression in find_check_calls(cell.source):
            submission.sites[exercise_id] = CheckSite(exercise_id, expression, index)  # the last call wins
    chapters = Counter(chapter_of(eid) for eid in submission.sites)
    if not chapters:
        match = re.match(r"(\d+)_", path.name)
        if match:
            chapters[int(match.group(1))] += 1
    submission.chapters = sorted(chapters)
    return submission


def stripped_notebook(submission: Submission) -> str:
    """The submission as an nbformat-4 notebook without outputs, attachments or metadata (JSON text).

    Parameters
    ----------
    submission : Submission
        A readable submission (``problem`` is None).

    Returns
    -------
    str
        What the grader's kernel gets as its copy of the notebook: the same cells, sources only.
    """
    if not isinstance(submission, Submission):
        raise TypeError(f"`submission` must be a Submission, got {type(submission).__name__}")
    cells = []
    for cell in submission.cells:
        entry: dict = {"cell_type": cell.cell_type or "raw", "metadata": {}, "source": cell.source}
        if cell.cell_type == "code":
            entry.update(execution_count=None, outputs=[])
        cells.append(entry)
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}, indent=1)

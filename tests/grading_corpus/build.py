"""Build the batch grader's test corpus from the real chapter-0 notebooks.

Every submission starts from ``solutions/00_start_here_exercises.ipynb`` (all correct) or
``exercises/00_start_here_exercises.ipynb`` (all stubs) and changes a few cells with nbformat, so the corpus
follows the notebooks whenever they change. ``build_corpus(directory)`` writes the files and returns, per
file name, the *edits* made (the test derives the expected grades from them).

Run ``python tests/grading_corpus/build.py DIR`` to write the corpus somewhere and try the grader on it::

    python -m course_utils.grading grade DIR --timeout 6 --jobs 2 --csv grades.csv --feedback feedback
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "00_start_here_exercises.ipynb"
EXERCISES = REPO / "exercises" / "00_start_here_exercises.ipynb"
CHAPTER1 = REPO / "exercises" / "01_convexity_and_jensen_exercises.ipynb"
FUNCTIONS = {"0.1": "quadratic_gradient", "0.2": "gradient_descent_step", "0.3": "loss_after_k_steps"}

# Answers used below (each a whole replacement of the exercise's function cell).
WRONG_SIGN_STEP = '''def gradient_descent_step(grad, x, lr):
    return x + lr * grad(x)
'''
ZERO_GRADIENT = '''def quadratic_gradient(A, b, x):
    import numpy as np
    return np.zeros_like(x)
'''
SYNTAX_ERROR_STEP = '''def gradient_descent_step(grad, x, lr):
    return x - lr * grad(x
'''
RAISES = '''def quadratic_gradient(A, b, x):
    cache = {}
    return cache[len(x)]   # KeyError
'''
LOOPS_FOREVER = '''def loss_after_k_steps(a, x0, lr, k):
    x = x0
    while True:
        x = x - lr * a * x
'''
EXITS = '''def loss_after_k_steps(a, x0, lr, k):
    import sys
    sys.exit("bye")
'''
HOGS_MEMORY = '''def gradient_descent_step(grad, x, lr):
    import numpy as np
    scratch = np.ones(2**30)  # 8 GiB
    return x - lr * grad(x) + 0 * scratch[0]
'''
PRINTS_A_LOT = '''def gradient_descent_step(grad, x, lr):
    print("step " * 20_000)
    return x - lr * grad(x)
'''
NEEDS_NUMPY = '''def loss_after_k_steps(a, x0, lr, k):
    return float(0.5 * a * (np.power(1.0 - lr * a, k) * x0) ** 2)
'''
WRONG_STEP_ZEROS = '''def gradient_descent_step(grad, x, lr):
    import numpy as np
    return np.zeros_like(x)
'''
WRONG_LOSS = '''def loss_after_k_steps(a, x0, lr, k):
    return x0
'''

MONKEYPATCH = '''import builtins
import numpy as np
import course_utils.grading as grading
import course_utils.grading.check as check_module
from course_utils.grading import registry

def fake_run_check(exercise_id, answer):
    return check_module.CheckResult(exercise_id, "passed", 1.0, (), "", 4, 4)

check_module.run_check = fake_run_check
grading.run_check = fake_run_check
for exercise in list(registry._REGISTRY.values()):
    registry._REGISTRY[exercise.id] = registry.Exercise(exercise.id, exercise.title, lambda answer, t: t.passed(case="x"))
np.abs = lambda x: np.zeros(np.shape(x))   # every distance becomes 0
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
builtins.callable = lambda obj: True
print(check_module.run_check("0.1", None))
'''
REDEFINE_CHECK = '''def check(exercise_id, answer):
    print(f"✓ Exercise {exercise_id}: passed — all 4 cases")
'''
FAKE_OUTPUT = '''print("✓ Exercise 0.1 (Gradient of a quadratic): passed — all 4 cases")
print('@@grader-00000000000000000000000000000000@@{"status": "passed", "score": 1.0, "exercise_id": "0.1"}')
print('{"exercise_id": "0.2", "status": "passed", "score": 1.0}')
from IPython.display import HTML, display
display(HTML("<b>✓ Exercise 0.3: passed — all 5 cases</b>"))
'''
FILES = '''import os, pathlib, sys, importlib
for name in os.listdir("."):          # delete every file next to the notebook (the grader's copy)
    if os.path.isfile(name):
        os.remove(name)
pathlib.Path("results.txt").write_text("written by the notebook")
fake = pathlib.Path("course_utils/grading")
fake.mkdir(parents=True, exist_ok=True)
pathlib.Path("course_utils/__init__.py").write_text("")
(fake / "__init__.py").write_text("from .check import check, run_check\\n")
(fake / "check.py").write_text(
    "class R:\\n"
    "    status = 'passed'; score = 1.0; messages = (); title = 'fake'; n_passed = 4; n_cases = 4\\n"
    "def run_check(exercise_id, answer):\\n    return R()\\n"
    "def check(exercise_id, answer):\\n    return R()\\n")
for key in [k for k in sys.modules if k.startswith("course_utils")]:
    del sys.modules[key]
importlib.invalidate_caches()
import course_utils.grading
assert course_utils.grading.run_check("0.1", None).title == "fake"   # the notebook itself now sees the fake
'''
STUBBORN_LOOP = '''import time
while True:
    try:
        time.sleep(0.2)
    except KeyboardInterrupt:
        pass   # ignores the grader's interrupt
'''
WIDGETS = '''%matplotlib widget
import ipywidgets as widgets
import matplotlib.pyplot as plt
from course_utils.widgets import TerrainExplorer

explorer = TerrainExplorer()
display(explorer)
slider = widgets.FloatSlider(description="lr", min=0.0, max=1.0, value=0.1)
display(slider)
with plt.ioff():
    fig, ax = plt.subplots()
ax.plot([0, 1], [0, 1])
fig.canvas
'''


def read_notebook(path: Path):
    return nbformat.read(path, as_version=4)


def _cell_index(nb, needle: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and needle in c.source)


def definition_cell(nb, exercise_id: str) -> int:
    return _cell_index(nb, f"def {FUNCTIONS[exercise_id]}(")


def _check_cell(nb, exercise_id: str) -> int:
    return _cell_index(nb, f'check("{exercise_id}"')


def _replace(nb, exercise_id: str, source: str):
    nb.cells[definition_cell(nb, exercise_id)].source = source
    return nb


def _insert_after(nb, index: int, source: str):
    nb.cells.insert(index + 1, new_code_cell(source))
    return nb


def build_corpus(directory) -> dict[str, dict]:
    """Write every corpus file into ``directory``; return ``{file name: description}``.

    The description gives ``answers`` (exercise id -> function source, or None for the untouched solution,
    "stub" for the untouched stub) used by the test to compute expected scores, plus ``status`` and per-exercise
    ``expect`` (exercise id -> status) for the outcomes that are the grader's own (timeouts, deaths, …).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    solution, stubs = read_notebook(SOLUTIONS), read_notebook(EXERCISES)
    cases: dict[str, tuple] = {}

    def sol():
        return copy.deepcopy(solution)

    def stub():
        return copy.deepcopy(stubs)

    nb = sol()
    nb.metadata["student_id"] = "alice"
    cases["correct.ipynb"] = (nb, {})
    cases["stubs.ipynb"] = (stub(), {e: "stub" for e in FUNCTIONS})

    # Partly correct; a later cell reuses the name of an earlier answer, which must not change its grade.
    nb = _replace(stub(), "0.1", solution.cells[definition_cell(solution, "0.1")].source)
    nb = _insert_after(_replace(nb, "0.2", WRONG_SIGN_STEP), _check_cell(stubs, "0.3"), ZERO_GRADIENT)
    cases["partial.ipynb"] = (nb, {"0.2": WRONG_SIGN_STEP, "0.3": "stub"})

    cases["syntax_error.ipynb"] = (_replace(sol(), "0.2", SYNTAX_ERROR_STEP),
                                   {"expect": {"0.2": "not defined"}, "notes": {"0.2": "SyntaxError"}})

    # Exceptions: in an answer (0.1), in a cell of its own and sys.exit() at top level (0.2), exit in an answer.
    nb = _replace(_replace(sol(), "0.1", RAISES), "0.3", EXITS)
    nb = _insert_after(nb, definition_cell(nb, "0.2"), 'raise ValueError("a cell that fails on its own")')
    nb = _insert_after(nb, definition_cell(nb, "0.2"), "import sys\nsys.exit(1)")
    cases["exception.ipynb"] = (nb, {"0.1": RAISES, "expect": {"0.3": "error"},
                                     "notes": {"0.2": "SystemExit"}, "message": {"0.1": "KeyError", "0.3": "sys.exit"}})

    cases["infinite_loop.ipynb"] = (_replace(sol(), "0.3", LOOPS_FOREVER), {"expect": {"0.3": "timeout"}})

    nb = _replace(sol(), "0.3", NEEDS_NUMPY)  # 0.3 needs the setup cell's numpy after the restart
    cases["stubborn_loop.ipynb"] = (_insert_after(nb, definition_cell(nb, "0.2"), STUBBORN_LOOP),
                                    {"0.3": NEEDS_NUMPY, "expect": {"0.2": "timeout"}})

    nb = _replace(sol(), "0.3", NEEDS_NUMPY)
    cases["os_exit.ipynb"] = (_insert_after(nb, definition_cell(nb, "0.2"), "import os\nos._exit(1)"),
                              {"0.3": NEEDS_NUMPY, "expect": {"0.2": "kernel died"}})

    nb = _insert_after(sol(), definition_cell(solution, "0.1"), 'print("flood " * 2_000_000)\nfor i in range(50_000):\n'
                                                            '    print(i)')
    cases["output_flood.ipynb"] = (_replace(nb, "0.2", PRINTS_A_LOT), {"0.2": PRINTS_A_LOT})

    nb = _insert_after(sol(), definition_cell(solution, "0.3"), "hog = bytearray(8 * 2**30)")
    cases["memory_hog.ipynb"] = (_replace(nb, "0.2", HOGS_MEMORY),
                                 {"expect": {"0.2": "error"}, "notes": {"0.3": "MemoryError"},
                                  "message": {"0.2": "MemoryError"}})

    # Stubs that redefine `check` and print imitations of verdicts (plain, HTML and grader-like JSON).
    nb = _insert_after(stub(), _cell_index(stubs, "from course_utils.grading import check"), REDEFINE_CHECK)
    nb = _insert_after(nb, _check_cell(nb, "0.3"), FAKE_OUTPUT)
    cases["fake_verdicts.ipynb"] = (_insert_after(nb, _check_cell(nb, "0.1"), FAKE_OUTPUT),
                                    {e: "stub" for e in FUNCTIONS})

    nb = _replace(_replace(_replace(stub(), "0.1", ZERO_GRADIENT), "0.2", WRONG_STEP_ZEROS), "0.3", WRONG_LOSS)
    nb = _insert_after(nb, _cell_index(nb, "from course_utils.grading import check"), MONKEYPATCH)
    cases["monkeypatched.ipynb"] = (nb, {"0.1": ZERO_GRADIENT, "0.2": WRONG_STEP_ZEROS, "0.3": WRONG_LOSS})

    nb = _replace(sol(), "0.1", ZERO_GRADIENT)
    cases["files.ipynb"] = (_insert_after(nb, definition_cell(nb, "0.1"), FILES), {"0.1": ZERO_GRADIENT})

    cases["widgets.ipynb"] = (_insert_after(sol(), definition_cell(solution, "0.1"), WIDGETS), {})

    nb = sol()
    del nb.cells[_check_cell(nb, "0.2")]
    cases["no_check_cell.ipynb"] = (nb, {})

    if CHAPTER1.exists():
        cases["wrong_chapter.ipynb"] = (read_notebook(CHAPTER1), {"status": "wrong chapter"})

    for name, (notebook, _) in cases.items():
        nbformat.write(notebook, directory / name)
    (directory / "not_a_notebook.ipynb").write_text("These are my answers: 1) A x - b 2) x - lr g 3) ...\n")
    text = (directory / "correct.ipynb").read_text()
    (directory / "corrupt_json.ipynb").write_text(text[: len(text) // 2])
    described = {name: description for name, (_, description) in cases.items()}
    described["not_a_notebook.ipynb"] = {"status": "not a notebook"}
    described["corrupt_json.ipynb"] = {"status": "corrupt JSON"}
    return described


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/grading_corpus/build.py DIRECTORY")
    for name in build_corpus(sys.argv[1]):
        print(Path(sys.argv[1]) / name)

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
FUNCTIONS = {"0.1": "quadratic_gradient", "0.2": "gradient_descent_step", "0.3": "loss_after_k_steps",
             "0.4": "max_stable_lr"}

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
ROUND_BOWL_LIMIT = '''def max_stable_lr(amplitude):
    return 1.0   # the round bowl's limit: right only without ripples (A = 0)
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


# Honest students who silence output for a while: every verdict must still arrive (issue 22).
STRINGIO_STDOUT = '''import io, sys
sys.stdout = io.StringIO()     # silence everything from here on
'''
DEVNULL_STDOUT = '''import os, sys
sys.stdout = open(os.devnull, "w")
print("this goes nowhere")
sys.stdout = sys.__stdout__   # the common idiom: "restore" to the process's stdout
'''
# Answers that raise what is not an Exception, or wait for the keyboard: the student's error, not the grader's.
RAISES_KEYBOARD_INTERRUPT = '''def quadratic_gradient(A, b, x):
    raise KeyboardInterrupt("stop")
'''
ASKS_FOR_INPUT = '''def gradient_descent_step(grad, x, lr):
    lr = float(input("learning rate? "))
    return x - lr * grad(x)
'''
RAISES_BASE_EXCEPTION = '''class Done(BaseException):
    pass

def loss_after_k_steps(a, x0, lr, k):
    raise Done("finished early")
'''

# Forgery from inside the student's own process (issue 22's first list): an audit hook, a swapped stdlib module,
# NumPy's any/all patched to say "true", every loaded Tester made to record passes, and answers
# that search their callers' frames for the check's expected values, the grader's functions or a result to
# rewrite. Where the check runs in the grader none of this exists in the kernel: each answer falls back to NaN, and
# its fair grade is what an honest all-NaN answer (NAN_ANSWERS) earns — run in a clean process, such answers
# pass only the cases about not changing the inputs. (Run in the same process as the checks, these attacks give
# the NaN answers full marks on every exercise.)
NAN_ANSWERS = {
    "0.1": "def quadratic_gradient(A, b, x):\n    return np.full(np.shape(x), np.nan)\n",
    "0.2": "def gradient_descent_step(grad, x, lr):\n    return np.full(np.shape(x), np.nan)\n",
    "0.3": "def loss_after_k_steps(a, x0, lr, k):\n    return float('nan')\n",
    "0.4": "def max_stable_lr(amplitude):\n    return float('nan')\n",
}
FORGE_IN_PROCESS = '''import sys, types, warnings as _real_warnings
import numpy as np

sys.addaudithook(lambda event, args: None)
fake_warnings = types.ModuleType("warnings")
fake_warnings.__dict__.update(_real_warnings.__dict__)
sys.modules["warnings"] = fake_warnings
try:
    import numpy._core.fromnumeric as _fromnumeric
except ImportError:
    import numpy.core.fromnumeric as _fromnumeric
_fromnumeric._wrapreduction_any_all = lambda *args, **kwargs: True


def _rig_and_steal(shape):
    for name, module in list(sys.modules.items()):
        tester = getattr(module, "Tester", None)
        if name.startswith("course_utils") and isinstance(tester, type):
            tester._record = lambda self, case, passed, message="", hint=None: self.cases.append(
                __import__("types").SimpleNamespace(case=case, passed=True, message="", hint=None)) or True
    for depth in range(1, 60):
        try:
            frame = sys._getframe(depth)
        except ValueError:
            break
        for name, value in {**frame.f_globals, **frame.f_locals}.items():
            if name.startswith("_course_grader_") and callable(value):
                try:
                    value("0.1", "quadratic_gradient", "forged")
                except BaseException:
                    pass
            if name in ("expected", "reference", "want") and np.shape(value) == shape:
                return value
    return None


def quadratic_gradient(A, b, x):
    stolen = _rig_and_steal(np.shape(x))
    return stolen if stolen is not None else np.full(np.shape(x), np.nan)


def gradient_descent_step(grad, x, lr):
    stolen = _rig_and_steal(np.shape(x))
    return stolen if stolen is not None else np.full(np.shape(x), np.nan)


def loss_after_k_steps(a, x0, lr, k):
    stolen = _rig_and_steal(())
    return float(stolen) if stolen is not None else float("nan")


def max_stable_lr(amplitude):
    stolen = _rig_and_steal(())
    return float(stolen) if stolen is not None else float("nan")
'''

# Hostile cells (issue 22's red team). Each is built with the absolute paths it attacks baked in, swallows its
# own failures, and sits in a notebook of stubs (fair grade 0) unless noted. In the sandbox none of these paths
# exists, no process of the grader is visible, and the course is read-only.
FORGE_AND_KILL = '''import json, os, signal
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
    except OSError:
        continue
    if b"--worker" in argv:  # the grading worker: its spec names the file it reports through
        try:
            spec = json.loads(open(argv[argv.index(b"--worker") + 1].decode()).read())
            grade = {"path": spec["path"], "student_id": "forger", "chapter": 0, "status": "ok",
                     "exercises": {e: {"exercise_id": e, "status": "passed", "score": 1.0}
                                   for e in spec["exercise_ids"]}}
            open(spec["out"], "w").write(json.dumps(grade))
            os.kill(int(pid), signal.SIGKILL)
        except Exception as exc:
            print("forging failed:", exc)
for pid in (os.getppid(), 1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError as exc:
        print("kill failed:", exc)
'''
OVERWRITE_OTHERS = '''import os
for target in {targets!r}:
    try:
        with open(target, "w") as f:
            f.write("overwritten by another student")
    except OSError as exc:
        print("overwrite failed:", exc)
    try:
        os.remove(target)
    except OSError as exc:
        print("delete failed:", exc)
try:
    open({marker!r}, "w").write("pwned")
except OSError as exc:
    print("marker failed:", exc)
'''
STEAL_ANSWERS = '''import json
for source in {sources!r}:   # the instructor's solutions, then another student's submission
    try:
        cells = json.load(open(source))["cells"]
    except Exception as exc:
        print("reading failed:", exc)
        continue
    for cell in cells:
        code = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and code.lstrip().startswith("def "):
            exec(code, globals())
'''
WRITE_COURSE = '''for target, text in {targets!r}:
    try:
        with open(target, "a") as f:
            f.write(text)
    except OSError as exc:
        print("write failed:", exc)
'''
DAEMON = '''import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        code = ("import os, time\\n# {marker}\\n"
                "for _ in range(150):\\n"
                "    time.sleep(0.2)\\n"
                "    for target in {targets!r}:\\n"
                "        try:\\n"
                "            open(target, 'w').write('student_id\\\\nhacked\\\\n')\\n"
                "        except OSError:\\n"
                "            pass\\n")
        os.execv(sys.executable, [sys.executable, "-c", code])
    os._exit(0)
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


def build_corpus(directory, *, hostile: dict | None = None) -> dict[str, dict]:
    """Write every corpus file into ``directory``; return ``{file name: description}``.

    The description gives ``answers`` (exercise id -> function source, or None for the untouched solution,
    "stub" for the untouched stub) used by the test to compute expected scores, plus ``status`` and per-exercise
    ``expect`` (exercise id -> status) for the outcomes that are the grader's own (timeouts, deaths, …).

    ``hostile`` adds the red team's attacks on the grader and on other students (issue 22); only for a sandboxed
    grader, since they really try: ``{"out": the grader's output folder, "marker": a unique string}``. Their
    descriptions name in ``attack`` what they try.
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
    cases["partial.ipynb"] = (nb, {"0.2": WRONG_SIGN_STEP, "0.3": "stub", "0.4": "stub"})

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
    nb = _replace(nb, "0.4", ROUND_BOWL_LIMIT)
    nb = _insert_after(nb, _cell_index(nb, "from course_utils.grading import check"), MONKEYPATCH)
    cases["monkeypatched.ipynb"] = (nb, {"0.1": ZERO_GRADIENT, "0.2": WRONG_STEP_ZEROS, "0.3": WRONG_LOSS,
                                         "0.4": ROUND_BOWL_LIMIT})

    nb = _replace(sol(), "0.1", ZERO_GRADIENT)
    cases["files.ipynb"] = (_insert_after(nb, definition_cell(nb, "0.1"), FILES), {"0.1": ZERO_GRADIENT})

    cases["widgets.ipynb"] = (_insert_after(sol(), definition_cell(solution, "0.1"), WIDGETS), {})

    nb = sol()
    del nb.cells[_check_cell(nb, "0.2")]
    cases["no_check_cell.ipynb"] = (nb, {})

    if CHAPTER1.exists():
        cases["wrong_chapter.ipynb"] = (read_notebook(CHAPTER1), {"status": "wrong chapter"})
        # The same id as correct.ipynb's metadata: flagged on both rows (cheap: a wrong chapter runs no kernel).
        nb = read_notebook(CHAPTER1)
        nb.metadata["student_id"] = "alice"
        cases["claims_alice.ipynb"] = (nb, {"status": "wrong chapter"})

    # Honest students who redirect stdout (0.1: for good, to a StringIO; 0.2: os.devnull, then sys.__stdout__).
    nb = _insert_after(sol(), definition_cell(solution, "0.1"), STRINGIO_STDOUT)
    cases["stdout_redirected.ipynb"] = (_insert_after(nb, definition_cell(nb, "0.2"), DEVNULL_STDOUT), {})

    nb = _replace(_replace(_replace(sol(), "0.1", RAISES_KEYBOARD_INTERRUPT), "0.2", ASKS_FOR_INPUT), "0.3",
                  RAISES_BASE_EXCEPTION)
    cases["base_exceptions.ipynb"] = (nb, {"expect": {"0.1": "error", "0.2": "error", "0.3": "error"},
                                           "message": {"0.1": "KeyboardInterrupt", "0.2": "stdin",
                                                       "0.3": "Done"}})

    # exit() ends the kernel after the cell's reply: the exercise of that cell is blamed, every time.
    cases["exit_call.ipynb"] = (_insert_after(sol(), definition_cell(solution, "0.2"), "exit()"),
                                {"expect": {"0.2": "kernel died"}})

    # > 50 MB of stored outputs in a legitimate notebook: stripped before it runs, graded normally.
    nb = sol()
    nb.cells[definition_cell(nb, "0.1")].outputs = [nbformat.v4.new_output(
        "display_data", data={"image/png": "iVBORw0KGgo" * (6 * 2**20)})]  # 66 MB of base64
    cases["big_outputs.ipynb"] = (nb, {})
    nb = stub()
    for eid in sorted(FUNCTIONS, reverse=True):  # after each stub's definition, so the forging answer is graded
        nb = _insert_after(nb, definition_cell(nb, eid), FORGE_IN_PROCESS)
    cases["forge_in_process.ipynb"] = (nb, dict(NAN_ANSWERS))

    if hostile is not None:
        out, marker = Path(hostile["out"]), hostile["marker"]
        _add_hostile(cases, stub, stubs, directory, out, marker)

    for name, (notebook, _) in cases.items():
        nbformat.write(notebook, directory / name)
    (directory / "not_a_notebook.ipynb").write_text("These are my answers: 1) A x - b 2) x - lr g 3) ...\n")
    (directory / "=1+2.ipynb").write_text("a file name a spreadsheet would evaluate\n")
    text = (directory / "correct.ipynb").read_text()
    (directory / "corrupt_json.ipynb").write_text(text[: len(text) // 2])
    described = {name: description for name, (_, description) in cases.items()}
    described["not_a_notebook.ipynb"] = {"status": "not a notebook"}
    described["corrupt_json.ipynb"] = {"status": "corrupt JSON"}
    described["=1+2.ipynb"] = {"status": "not a notebook"}
    return described


def _add_hostile(cases, stub, stubs, directory: Path, out: Path, marker: str) -> None:
    def stubs_with(source, after="from course_utils.grading import check"):
        return _insert_after(stub(), _cell_index(stubs, after), source)

    cases["forge_and_kill.ipynb"] = (stubs_with(FORGE_AND_KILL), {e: "stub" for e in FUNCTIONS} | {
        "attack": "writes a full-marks grade to the worker's output file (found via /proc), kills the worker"})
    targets = [str(directory / "correct.ipynb"), str(directory / "stubs.ipynb")]
    cases["overwrite_others.ipynb"] = (
        stubs_with(OVERWRITE_OTHERS.format(targets=targets, marker=str(out / f"{marker}-overwrite"))),
        {e: "stub" for e in FUNCTIONS} | {"attack": "overwrites and deletes other submissions"})
    sources = [str(SOLUTIONS), str(directory / "correct.ipynb")]
    nb = stub()
    for eid in sorted(FUNCTIONS, reverse=True):  # after each stub's definition, so the stolen one wins
        nb = _insert_after(nb, definition_cell(nb, eid), STEAL_ANSWERS.format(sources=sources))
    cases["steal_answers.ipynb"] = (nb, {e: "stub" for e in FUNCTIONS} | {
        "attack": "reads solutions/ and another submission and runs their answers"})
    grading = REPO / "course_utils" / "grading"
    writes = [(str(grading / "registry.py"), "\ndef _score(*a, **k):\n    return 1.0  # corpus attack\n"),
              (str(grading / "check.py"), "\n# corpus attack\n"),
              (str(REPO / f"{marker}-package-root.txt"), "written into the package root"),
              (str(REPO / "course_utils" / f"{marker}_module.py"), "PWNED = True\n")]
    cases["write_course.ipynb"] = (stubs_with(WRITE_COURSE.format(targets=writes)), {
        e: "stub" for e in FUNCTIONS} | {"attack": "rewrites registry.py and check.py, writes into the package root"})
    targets = [str(out / "grades.csv"), str(out / f"{marker}-daemon")]
    cases["daemon.ipynb"] = (stubs_with(DAEMON.format(marker=marker, targets=targets)), {
        e: "stub" for e in FUNCTIONS} | {"attack": "leaves a setsid daemon that rewrites grades.csv"})


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/grading_corpus/build.py DIRECTORY")
    for name in build_corpus(sys.argv[1]):
        print(Path(sys.argv[1]) / name)

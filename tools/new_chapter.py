r"""Scaffold a new chapter: ``make new-chapter N=08 SLUG=my_topic [TITLE="My topic"]``.

A chapter of the course is nine files and a README row, and the tests find every one of them by globbing
(``tests/test_notebooks_pairs.py``, ``tests/test_claims_seeds.py``, ``tests/test_reproducibility.py``,
``tests/test_assign.py``, ``benchmarks/notebook_runtime.py``, ``tests/browser/``) or through the exercise
registry (``check("N.1", …)`` imports ``course_utils/grading/exercises/chNN.py``). This tool writes all of
them so that the new chapter passes ``make test`` the moment it exists:

* ``notebooks/NN_slug.py`` + ``.ipynb`` — the chapter (a jupytext pair): learning goals → the idea → predict,
  then check → an explorer → one experiment with its claim asserted → summary → link to the exercises;
* ``solutions/NN_slug_exercises.py`` + ``.ipynb`` — exercise N.1 between ``### BEGIN/END SOLUTION`` markers,
  and its ``check("N.1", …)`` cell;
* ``exercises/NN_slug_exercises.py`` + ``.ipynb`` — the student version, made by the pipeline of
  ``python -m course_utils.grading assign`` (so ``assign --check`` passes);
* ``course_utils/grading/exercises/chNN.py`` — the check of exercise N.1: property cases plus the
  misconceptions, each with a hint;
* ``demos/NN_slug.py`` + ``.ipynb`` — the Voilà dashboard (its explorers with ``presentation=True``);
* ``README.md`` — a row in the course-map table.

The worked example is real and small — gradient descent's step-size limit :math:`\eta < 2/\lambda_{\max}` on
random quadratics, with the Stability Explorer — so the generated chapter runs in a second and its asserted
claims hold for every seed (``COURSE_SEED``) and rounding (``COURSE_PERTURB``). It is marked as the part to
replace; CONTRIBUTING.md ("A new chapter") says what to fill in.

The tool refuses, naming the argument, a malformed ``N`` (two digits) or ``SLUG`` (snake_case), a ``TITLE`` on
several lines, a chapter number that is taken (by any of the files above) or that would leave a gap (the
seed test requires chapters 00, 01, … without holes), and it never overwrites a file: it checks every
target first, creates each with mode ``"x"``, and removes what it created if anything fails.

Usage: ``python tools/new_chapter.py N=08 SLUG=my_topic [TITLE="My topic"] [--root DIR]``.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ScaffoldError", "Chapter", "chapter", "next_number", "plan", "create", "main"]

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("notebooks", "solutions", "exercises", "demos")
CHECKS_DIR = Path("course_utils") / "grading" / "exercises"
_N = re.compile(r"^\d\d$")
_SLUG = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_SLUG_MAX = 40
_MAP_HEADING = "## The course map"
_USAGE = 'make new-chapter N=08 SLUG=my_topic [TITLE="My topic"]'


class ScaffoldError(ValueError):
    """A refused request: a bad argument, a taken chapter number, or a file that already exists."""


@dataclass(frozen=True)
class Chapter:
    """A validated request: ``number`` "08", ``slug`` "my_topic", ``title`` "My topic"."""

    number: str
    slug: str
    title: str

    @property
    def stem(self) -> str:
        """``08_my_topic``: the name the chapter's notebooks share."""
        return f"{self.number}_{self.slug}"

    @property
    def exercise_id(self) -> str:
        """``8.1``: the id of the chapter's first exercise (ids drop the leading zero)."""
        return f"{int(self.number)}.1"


# ---------------------------------------------------------------------------------------------------------------
# Validation


def chapter(number, slug, title=None) -> Chapter:
    """Validate ``N``, ``SLUG`` and ``TITLE`` (their syntax only; :func:`plan` checks them against the tree)."""
    if number is None or str(number).strip() == "":
        raise ScaffoldError(f"`N` is required (the chapter number, two digits): {_USAGE}")
    number = str(number).strip()
    if not _N.match(number):
        hint = f"; did you mean N={int(number):02d}?" if number.isdigit() and len(number) == 1 else ""
        raise ScaffoldError(f"`N` must be two digits such as 08, got {number!r}{hint}")
    if slug is None or str(slug).strip() == "":
        raise ScaffoldError(f"`SLUG` is required (snake_case, used in the file names): {_USAGE}")
    slug = str(slug).strip()
    if not _SLUG.match(slug) or len(slug) > _SLUG_MAX:
        suggestion = re.sub(r"[^a-z0-9]+", "_", slug.lower()).strip("_")
        hint = (f"; did you mean SLUG={suggestion}?" if suggestion and suggestion != slug and _SLUG.match(suggestion)
                and len(suggestion) <= _SLUG_MAX else "")
        raise ScaffoldError(f"`SLUG` must be snake_case — lowercase letters and digits joined by single underscores, "
                            f"starting with a letter, at most {_SLUG_MAX} characters — got {slug!r}{hint}")
    if title is None or str(title).strip() == "":
        title = slug.replace("_", " ").capitalize()
    title = str(title).strip()
    if "\n" in title or "\r" in title:
        raise ScaffoldError(f"`TITLE` must be a single line, got {title!r}")
    if "\\" in title or '"""' in title:
        raise ScaffoldError(f"`TITLE` must not contain a backslash or triple quotes (it goes into a docstring), "
                            f"got {title!r}")
    return Chapter(number, slug, title)


def _chapter_numbers(root: Path) -> dict[str, list[Path]]:
    """``{"07": [files that use chapter number 07], …}`` over the chapter's folders and the checks modules."""
    used: dict[str, list[Path]] = {}
    for folder in FOLDERS:
        for path in sorted((root / folder).glob("[0-9][0-9]_*")):
            used.setdefault(path.name[:2], []).append(path)
    for path in sorted((root / CHECKS_DIR).glob("ch[0-9][0-9].py")):
        used.setdefault(path.stem[2:], []).append(path)
    return used


def next_number(root: Path | str = ROOT) -> str:
    """The number the next chapter must take: one more than the last chapter in ``notebooks/`` ("00" if none)."""
    chapters = [int(p.name[:2]) for p in Path(root, "notebooks").glob("[0-9][0-9]_*.ipynb")]
    return f"{max(chapters) + 1:02d}" if chapters else "00"


# ---------------------------------------------------------------------------------------------------------------
# The files


def _fill(template: str, ch: Chapter) -> str:
    for token, value in (("@NUM@", str(int(ch.number))), ("@NN@", ch.number), ("@STEM@", ch.stem),
                         ("@SLUG@", ch.slug), ("@TITLE@", ch.title), ("@ID@", ch.exercise_id)):
        template = template.replace(token, value)
    return template


def _ipynb_text(py_text: str) -> str:
    """The ``.ipynb`` of a py:percent notebook, as ``jupytext --sync`` writes it (no outputs, same metadata)."""
    import jupytext

    text = jupytext.writes(jupytext.reads(py_text, fmt="py:percent"), fmt="ipynb")
    return text if text.endswith("\n") else text + "\n"


def _solution_ipynb_text(py_text: str) -> str:
    """The solution's ``.ipynb`` with the nbgrader cell metadata that ``assign`` writes into ``solutions/``."""
    import jupytext

    from course_utils.grading.assign import add_nbgrader_metadata, render

    return render(add_nbgrader_metadata(jupytext.reads(py_text, fmt="py:percent")))[".ipynb"]


def _exercise_texts(solution_ipynb: str) -> dict[str, str]:
    """The student pair, exactly as ``python -m course_utils.grading assign`` generates it from the solution."""
    import jupytext

    from course_utils.grading.assign import make_exercise, render

    return render(make_exercise(jupytext.reads(solution_ipynb, fmt="ipynb")))


def _readme_with_row(text: str, ch: Chapter) -> str:
    """``text`` (the README) with the chapter's row appended to the course-map table."""
    lines = text.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == _MAP_HEADING)
        first = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("|"))
    except StopIteration:
        raise ScaffoldError(f"README.md has no table under {_MAP_HEADING!r} to add the chapter's row to") from None
    last = first
    while last + 1 < len(lines) and lines[last + 1].startswith("|"):
        last += 1
    number = str(int(ch.number))
    for line in lines[first + 2:last + 1]:
        if line.split("|")[1].strip() == number:
            raise ScaffoldError(f"`N`={ch.number}: README.md's course map already has a row for chapter {number}: "
                                f"{line.strip()[:100]}")
    title = ch.title.replace("|", "\\|")
    row = (f"| {number} | [{title}](notebooks/{ch.stem}.ipynb) | Scaffold example, to replace: gradient descent's "
           f"step-size limit η < 2/λ_max on random quadratics | 30 min |")
    return "\n".join(lines[:last + 1] + [row] + lines[last + 1:])


def plan(ch: Chapter, root: Path | str = ROOT) -> dict[Path, str]:
    """Every file to create for ``ch`` under ``root`` (absolute path → text), after checking the tree.

    Raises :class:`ScaffoldError` when the number is taken or leaves a gap, or when a target file exists.
    ``README.md`` is not included: :func:`create` edits it.
    """
    root = Path(root)
    used = _chapter_numbers(root)
    if ch.number in used:
        first, others = used[ch.number][0], len(used[ch.number]) - 1
        more = f" (and {others} more file{'s' if others > 1 else ''} numbered {ch.number})" if others else ""
        raise ScaffoldError(f"`N`={ch.number} is taken: {first.relative_to(root)} exists{more}; the next free chapter "
                            f"number is {next_number(root)}")
    expected = next_number(root)
    if ch.number != expected:
        raise ScaffoldError(f"`N` must be the next chapter number, {expected}, got {ch.number}: the chapters are "
                            "numbered without gaps (tests/test_claims_seeds.py checks that 00, 01, … all exist)")
    chapter_py = _fill(CHAPTER, ch)
    solution_py = _fill(SOLUTIONS, ch)
    solution_ipynb = _solution_ipynb_text(solution_py)
    demo_py = _fill(DEMO, ch)
    exercise = _exercise_texts(solution_ipynb)
    files = {
        root / "notebooks" / f"{ch.stem}.py": chapter_py,
        root / "notebooks" / f"{ch.stem}.ipynb": _ipynb_text(chapter_py),
        root / "solutions" / f"{ch.stem}_exercises.py": solution_py,
        root / "solutions" / f"{ch.stem}_exercises.ipynb": solution_ipynb,
        root / "exercises" / f"{ch.stem}_exercises.py": exercise[".py"],
        root / "exercises" / f"{ch.stem}_exercises.ipynb": exercise[".ipynb"],
        root / CHECKS_DIR / f"ch{ch.number}.py": _fill(CHECKS, ch),
        root / "demos" / f"{ch.stem}.py": demo_py,
        root / "demos" / f"{ch.stem}.ipynb": _ipynb_text(demo_py),
    }
    existing = [str(p.relative_to(root)) for p in files if p.exists()]
    if existing:
        raise ScaffoldError(f"refusing to overwrite {', '.join(existing)}: remove it or choose another `N`/`SLUG`")
    missing = sorted({str(p.parent.relative_to(root)) for p in files if not p.parent.is_dir()})
    if missing:
        raise ScaffoldError(f"{root} does not look like the course: missing folder(s) {', '.join(missing)}")
    return files


def create(ch: Chapter, root: Path | str = ROOT) -> list[Path]:
    """Create the chapter's files and its README row; return the paths written (README last).

    Nothing is written unless every check passes; each file is created with mode ``"x"`` (never overwritten),
    and if one write fails the files already created are removed again.
    """
    root = Path(root)
    files = plan(ch, root)
    readme = root / "README.md"
    if not readme.is_file():
        raise ScaffoldError(f"{readme} is missing: the chapter's row goes into its course map")
    readme_text = _readme_with_row(readme.read_text(encoding="utf-8"), ch)
    written: list[Path] = []
    try:
        for path, text in files.items():
            with open(path, "x", encoding="utf-8", newline="\n") as f:
                written.append(path)
                f.write(text)
        with open(readme, "w", encoding="utf-8", newline="\n") as f:
            f.write(readme_text)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written + [readme]


# ---------------------------------------------------------------------------------------------------------------
# Command line


def _parse(argv: list[str] | None):
    parser = argparse.ArgumentParser(
        prog="python tools/new_chapter.py",
        description="Scaffold a new chapter (notebook, solutions, exercises, checks, demo, README row).",
        epilog=f"Usually run as: {_USAGE}")
    parser.add_argument("assignments", nargs="*", metavar="NAME=VALUE",
                        help="N=08 (two digits), SLUG=my_topic (snake_case), TITLE='My topic' (optional)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the course's root folder (default: this clone)")
    args = parser.parse_args(argv)
    values: dict[str, str] = {}
    for item in args.assignments:
        name, sep, value = item.partition("=")
        if not sep or name not in ("N", "SLUG", "TITLE"):
            close = difflib.get_close_matches(name.upper(), ["N", "SLUG", "TITLE"], n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]}=…?" if close else ""
            raise ScaffoldError(f"unknown argument {item!r}: expected N=…, SLUG=… or TITLE=…{hint}")
        values[name] = value
    return values, args.root


def main(argv: list[str] | None = None) -> int:
    try:
        values, root = _parse(argv)
        ch = chapter(values.get("N"), values.get("SLUG"), values.get("TITLE"))
        written = create(ch, root)
    except ScaffoldError as exc:
        print(f"new-chapter: {exc}", file=sys.stderr)
        return 2
    print(f"Chapter {int(ch.number)} — {ch.title}: created")
    for path in written:
        print(f"  {path.relative_to(root) if path.is_relative_to(root) else path}")
    print(f"""
Next (CONTRIBUTING.md, "A new chapter"):
  1. replace the scaffold's example in notebooks/{ch.stem}.py, solutions/{ch.stem}_exercises.py,
     course_utils/grading/exercises/ch{ch.number}.py and demos/{ch.stem}.py (each marks what to replace);
  2. make sync && make exercises   (the .ipynb halves and the student version follow the .py files);
  3. describe the chapter in README.md's course map and add it to the map in notebooks/00_start_here.py;
  4. make test.""")
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Templates. Tokens: @NUM@ chapter number without the leading zero ("8"), @NN@ two digits ("08"), @STEM@
# "08_my_topic", @SLUG@, @TITLE@, @ID@ the first exercise's id ("8.1").

_HEADER = """\
# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---
"""

CHAPTER = _HEADER + r'''
# %% [markdown]
# # Chapter @NUM@ — @TITLE@
#
# > **Scaffold: replace this note.** `make new-chapter` wrote this chapter as a skeleton that runs and passes the
# > tests as it stands. It keeps the course's rhythm — learning goals → the idea → predict, then check → an
# > explorer → one experiment with its claim asserted → summary → exercises — around a placeholder example:
# > gradient descent's step-size limit on a quadratic. Replace the example section by section with your own
# > (CONTRIBUTING.md, "A new chapter"), keep the claims asserted, and delete this note.
#
# **By the end of this chapter you can** *(the example's goals: replace them with yours)*
#
# 1. explain why gradient descent on a quadratic converges exactly when $\eta < 2/\lambda_{\max}$;
# 2. predict from the Hessian's eigenvalues which learning rates diverge;
# 3. test a claim on many random problems instead of on one lucky draw.

# %%
# %matplotlib widget
import numpy as np

from course_utils import plotting
from course_utils.randomness import default_rng
from course_utils.widgets import StabilityExplorer

# %% [markdown]
# ## 1. The idea
#
# *(Replace this example.)* On the quadratic $f(\theta) = \tfrac12 \theta^\top A \theta$, with $A$ symmetric
# positive definite, one gradient-descent step is $\theta \leftarrow \theta - \eta A\theta = (I - \eta A)\,\theta$.
# Along an eigenvector of $A$ with eigenvalue $\lambda$ the step multiplies the component of $\theta$ by
# $1 - \eta\lambda$, so every component shrinks — from every start — exactly when $|1 - \eta\lambda| < 1$ for every
# eigenvalue:
#
# $$0 < \eta < \frac{2}{\lambda_{\max}} .$$
#
# Only the largest curvature decides *whether* gradient descent converges; the other eigenvalues and the
# eigenvectors decide how *fast*.
#
# ## 2. Predict, then check
#
# **Predict first.** A quadratic in three dimensions has Hessian eigenvalues 1, 4 and 10 along random directions,
# so $2/\lambda_{\max} = 0.2$. Run 100 steps of gradient descent with $\eta$ 10 % below that limit, and 100 with
# $\eta$ 10 % above it. Does the second run (a) converge, only more slowly, (b) stall, or (c) diverge? Write down
# your guess before running the next cells.

# %%
rng = default_rng(0)
Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))  # random eigenvectors: the claim must not depend on them
A = Q @ np.diag([1.0, 4.0, 10.0]) @ Q.T
theta0 = rng.standard_normal(3)
limit = 2 / np.linalg.eigvalsh(A)[-1]
print(f"2/λ_max = {limit:.3f}")  # NBVAL_CHECK_OUTPUT

# %%
def gd_losses(A, theta0, lr, steps=100):
    """The loss ½θᵀAθ before each of `steps` gradient-descent steps from `theta0`, shape (steps,)."""
    theta, losses = theta0.copy(), []
    for _ in range(steps):
        losses.append(0.5 * theta @ A @ theta)
        theta = theta - lr * (A @ theta)
    return np.array(losses)


below, above = gd_losses(A, theta0, 0.9 * limit), gd_losses(A, theta0, 1.1 * limit)
print(f"η = 0.9 · 2/λ_max: loss {below[0]:.3g} → {below[-1]:.3g} after 100 steps")
print(f"η = 1.1 · 2/λ_max: loss {above[0]:.3g} → {above[-1]:.3g} after 100 steps")
assert below[-1] < 1e-6 * below[0]  # converges
assert above[-1] > 1e3 * above[0]  # diverges: answer (c)

# %%
fig, ax = plotting.new_figure(figsize=(6.0, 3.2))
plotting.plot_loss_curves(ax, {"η = 0.9 · 2/λ_max": below, "η = 1.1 · 2/λ_max": above},
                          title="10 % either side of the step-size limit", xlabel="step", ylabel="loss ½θᵀAθ")
fig

# %% [markdown]
# **Check.** The answer is (c): 10 % above the limit, the component along the sharpest direction is multiplied by
# $|1 - 1.1 \cdot 2| = 1.2$ per step, so the loss grows by $1.2^2 = 1.44$ per step, however small that component
# was at the start. Below the limit every factor is smaller than 1 and the loss falls geometrically.
#
# ## 3. Explore
#
# *(Replace with your chapter's explorer; CONTRIBUTING.md, "A new explorer".)* The Stability Explorer runs gradient
# descent on a 2-D quadratic with eigenvalues 1 and 10. **Goal:** find the largest learning rate at which the loss
# still falls after 40 steps, and compare it with $2/\lambda_{\max} = 0.2$. Between $1/\lambda_{\max}$ and
# $2/\lambda_{\max}$ the path zig-zags across the valley: why does it still converge?

# %%
StabilityExplorer()

# %% [markdown]
# ## 4. The experiment: the limit holds for every quadratic
#
# *(Replace this experiment with your chapter's result in miniature.)* One run could be luck. Draw 20 random
# quadratics — random eigenvectors, random eigenvalues between 0.5 and 10, random starts — and run gradient descent
# on each at $\eta = r \cdot 2/\lambda_{\max}$ for six values of $r$. **The claim:** every run with $r < 1$ ends
# below its starting loss and every run with $r > 1$ ends above it, whatever the draw. The cell asserts it, so it
# is tested for other seeds and roundings too.

# %%
ratios = np.array([0.5, 0.8, 0.95, 1.05, 1.2, 1.5])  # η in units of 2/λ_max
rng = default_rng(1)
end_over_start = np.empty((20, ratios.size))
for i in range(20):
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    A_i = Q @ np.diag(rng.uniform(0.5, 10.0, size=3)) @ Q.T
    theta_i = rng.standard_normal(3)
    limit_i = 2 / np.linalg.eigvalsh(A_i)[-1]
    for j, r in enumerate(ratios):
        losses = gd_losses(A_i, theta_i, r * limit_i, steps=200)
        end_over_start[i, j] = losses[-1] / losses[0]
converged = (end_over_start < 1).mean(axis=0)
for r, share in zip(ratios, converged):
    print(f"η = {r:.2f} · 2/λ_max: {share:.0%} of the 20 runs end below their starting loss")
assert np.all(converged[ratios < 1] == 1.0) and np.all(converged[ratios > 1] == 0.0)

# %% [markdown]
# ## 5. Summary
#
# *(Replace with your chapter's summary: the claims it showed, one line each.)*
#
# * Gradient descent on a quadratic multiplies each eigen-component by $1 - \eta\lambda$ per step.
# * It converges from every start exactly when $\eta < 2/\lambda_{\max}$: the sharpest direction sets the limit.
# * A claim worth making holds for every draw: test it on many random problems, not one.
#
# **Exercises:** [@STEM@_exercises.ipynb](../exercises/@STEM@_exercises.ipynb) — exercise @ID@, the largest stable
# learning rate.
'''

SOLUTIONS = _HEADER + r'''
# %% [markdown]
# # Chapter @NUM@ exercises: @TITLE@
#
# Replace each `raise NotImplementedError(...)` with your code and run the `check(...)` cell below it. `check`
# prints a one-line verdict — passed, failed (with the input that broke your code and a hint), "not attempted
# yet", or the error your code raised — and never stops the notebook.

# %% [markdown] tags=["solution-only"]
# **Scaffold: replace this exercise with your chapter's, and delete this cell.** (Tagged `solution-only`, it is
# left out of the student version.) Each exercise is a markdown cell with the task and the expected verdict, a
# function whose body lies between the two solution markers shown below (after the colon of the first: what the
# student sees instead), and a `check(...)` cell; its check lives in `course_utils/grading/exercises/ch@NN@.py`.
# After editing: `make sync && make exercises`.

# %%
import numpy as np

from course_utils.grading import check

# %% [markdown]
# ## Exercise @ID@ — the largest stable learning rate
#
# Gradient descent on $f(\theta) = \tfrac12 \theta^\top A \theta$, with $A$ symmetric positive definite, converges
# from every start when the learning rate $\eta$ is small enough and diverges from almost every start when it is
# too large. Write `largest_stable_lr(A)`: it returns the boundary $\eta^*$, the largest number such that gradient
# descent converges from every start for every $0 < \eta < \eta^*$. Return one float; do not modify `A`.
#
# *Expected output:* `✓ Exercise @ID@ (The largest stable learning rate): passed — all 9 cases`.

# %%
def largest_stable_lr(A):
    """The largest stable learning rate of gradient descent on f(θ) = ½ θᵀAθ.

    Parameters
    ----------
    A : array, shape (n, n)
        Symmetric positive definite.

    Returns
    -------
    float
        η* such that gradient descent converges from every start for every 0 < η < η*.
    """
    ### BEGIN SOLUTION: return η*, one float computed from A
    return 2.0 / np.linalg.eigvalsh(A)[-1]
    ### END SOLUTION


# %%
check("@ID@", largest_stable_lr)
'''

CHECKS = r'''r"""Checks for chapter @NUM@ (@TITLE@).

Scaffold: ``make new-chapter`` wrote this module with the check of the placeholder exercise @ID@. Replace it with
your chapter's checks — one ``@exercise("@NUM@.k", …)`` per exercise, built from property cases plus the cases that
catch the usual misconceptions, each with a hint that diagnoses without giving the answer (see
:mod:`course_utils.grading`).

Exercise @ID@: ``answer(A)`` for a symmetric positive-definite ``A`` of shape (n, n) returns the largest stable
learning rate of gradient descent on :math:`f(\theta) = \tfrac12 \theta^\top A \theta`, :math:`2/\lambda_{\max}(A)`.
"""

from __future__ import annotations

import numpy as np

from ..registry import exercise

_EIGEN_HINT = ("Each step multiplies the component of θ along an eigenvector of A by (1 − ηλ). Gradient descent "
               "converges from every start only if every such factor is smaller than 1 in size: which eigenvalue "
               "limits η?")
_ONE_OVER_HINT = ("At η = 1/λ the sharpest component is zeroed in one step, but larger steps converge too: they "
                  "overshoot and oscillate with a shrinking amplitude. For which η does |1 − ηλ| reach 1?")
_DIAGONAL_HINT = ("The diagonal entries of A are its curvatures along the coordinate axes only; the sharpest "
                  "direction of a non-diagonal A lies elsewhere (along an eigenvector).")
_NUMBER_HINT = "Return one positive float (for instance `float(...)`), not an array, a list or None."


def _one_number(value) -> float | None:
    """``value`` as a float if it is one finite positive number, else None."""
    try:
        x = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return float(x) if x.shape == () and np.isfinite(x) and x > 0 else None


def _hint(value, A: np.ndarray) -> str:
    """The hint for a wrong ``value``: which misconception it looks like."""
    x = _one_number(value)
    if x is None:
        return _NUMBER_HINT
    lam_max = np.linalg.eigvalsh(A)[-1]
    if np.isclose(x, 1.0 / lam_max, rtol=1e-3):
        return _ONE_OVER_HINT
    if np.isclose(x, 2.0 / np.max(np.diag(A)), rtol=1e-3):
        return _DIAGONAL_HINT
    return _EIGEN_HINT


def _loss_ratio(A: np.ndarray, theta0: np.ndarray, lr: float, steps: int = 500) -> float:
    """f(θ_steps) / f(θ_0) for gradient descent with step ``lr`` (inf or nan once it has blown up)."""
    theta = theta0.copy()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            theta = theta - lr * (A @ theta)
        return float((theta @ A @ theta) / (theta0 @ A @ theta0))


def _random_spd(rng: np.random.Generator, n: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q @ np.diag(rng.uniform(1.0, 10.0, size=n)) @ q.T


@exercise("@ID@", title="The largest stable learning rate", budget=5.0)
def check_largest_stable_lr(answer, t):
    """answer(A) -> η* = 2/λ_max(A) for A symmetric positive definite, shape (n, n) -> float; A unchanged."""
    A = np.diag([1.0, 10.0])
    value = answer(A.copy())
    t.close(value, 2.0 / 10.0, case="A = diag(1, 10)", rtol=1e-6, hint=_hint(value, A))

    c = np.sqrt(0.5)
    R = np.array([[c, -c], [c, c]])
    A = R @ np.diag([1.0, 10.0]) @ R.T  # its diagonal is (5.5, 5.5): the sharp direction is off the axes
    value = answer(A.copy())
    t.close(value, 2.0 / 10.0, case="A = diag(1, 10) rotated by 45° (diagonal entries 5.5 and 5.5)", rtol=1e-6,
            hint=_hint(value, A))

    # The defining property, whatever the formula: just below η* GD converges, just above it diverges.
    rng = np.random.default_rng(0)
    for k in range(3):
        A, theta0 = _random_spd(rng, 4), rng.standard_normal(4)
        value = answer(A.copy())
        lr = _one_number(value)
        case = f"random 4×4 symmetric positive-definite A #{k + 1}, 500 steps of gradient descent from a random start"
        if lr is None:
            t.fail("your function did not return one positive finite number", case=case, hint=_NUMBER_HINT)
            t.fail("your function did not return one positive finite number", case=case, hint=_NUMBER_HINT)
            continue
        ratio = _loss_ratio(A, theta0, 0.99 * lr)
        t.true(ratio < 1e-6, case=case + ", at 0.99 × your η (it must converge)",
               message=("gradient descent diverges just below your learning rate: it is too large" if not ratio <= 1
                        else "gradient descent has not converged after 500 steps just below your learning rate"),
               hint=_hint(value, A))
        t.true(_loss_ratio(A, theta0, 1.01 * lr) > 1, case=case + ", at 1.01 × your η (it must diverge)",
               message="gradient descent still converges just above your learning rate: it is not the largest",
               hint=_hint(value, A))

    A = np.diag([2.0, 5.0])
    before = A.copy()
    answer(A)
    t.true(np.array_equal(A, before), case="the input A after the call (it must be unchanged)",
           message="your function changed the caller's A in place",
           hint="Work on a copy (`A.copy()`) if you need to modify the matrix.")
'''

DEMO = _HEADER + r'''
# %% [markdown]
# # @NN@ · @TITLE@
# *Loss Landscapes, demo mode: the chapter's explorers, large, without code.*

# %%
# %matplotlib widget
# Scaffold: replace the Stability Explorer with your chapter's explorers — one markdown cell (a heading and two
# lines for the audience) and one code cell per explorer, each in presentation mode (the browser test counts that
# keyword argument in the code to know how many explorers to expect, so do not write it in comments). Voilà
# hides the code, so notes for authors belong in comments like this one, never in the markdown.
from course_utils.widgets import StabilityExplorer

# %% [markdown]
# ## Stability Explorer
# Gradient descent on a quadratic is stable only while the step size η stays below 2/λ_max. Push η across the line
# and watch the loss turn from falling to exploding.

# %%
StabilityExplorer(presentation=True)
'''


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # this clone's course_utils, whichever one the environment has installed
    sys.exit(main())

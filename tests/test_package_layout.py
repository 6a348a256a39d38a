"""The package's own map is true: every submodule is reachable as an attribute and sits in a declared layer."""

from __future__ import annotations

import configparser
import importlib
from pathlib import Path

import course_utils

PACKAGE = Path(course_utils.__file__).parent
ROOT = PACKAGE.parent


def _submodules() -> set[str]:
    files = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")}
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    return files | packages


def test_every_submodule_is_an_attribute():
    # the lazy loader's list is exactly the modules on disk: a new module cannot be forgotten
    assert course_utils._SUBMODULES == _submodules()
    for name in sorted(_submodules()):
        assert getattr(course_utils, name) is importlib.import_module(f"course_utils.{name}")


def test_every_submodule_is_in_a_layer_or_aside():
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = config["importlinter:contract:layers"]["layers"]
    named = {m.strip().removeprefix("course_utils.") for line in layers.splitlines() for m in line.split(":") if m.strip()}
    assert named | {"grading"} == _submodules()
    # and the docstring's layer list names each of them
    for name in _submodules():
        assert f"``{name}``" in course_utils.__doc__, name


def _library_sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


def test_autograd_is_imported_only_by_the_derivative_backend():
    import re

    importers = {path for path, text in _library_sources().items()
                 if re.search(r"^\s*(import autograd|from autograd)", text, flags=re.MULTILINE)}
    assert importers == {"course_utils/derivatives.py"}


def test_no_private_objective_member_is_used_outside_objective():
    # the fast path is the public unchecked_* methods; a class may still call its own hooks through `self.`, or
    # the inherited one through `super()` (a landscape with a closed-form gradient falls back to autograd's)
    import re

    private = re.compile(r"(?<!self)(?<!super\(\))\.(_loss|_loss_batch|_grad_fn|_grad_batch)\b")
    offenders = {path: sorted(set(private.findall(text))) for path, text in _library_sources().items()
                 if path != "course_utils/objective.py" and private.search(text)}
    assert offenders == {}


def test_no_private_name_is_imported_across_modules():
    # `from .x import _name`, or `module._name` through a module imported by name: the library never reaches
    # into another module's privates (a test may)
    import re

    private_import = re.compile(r"from \.+[\w.]* import \(?[^)\n]*\b(_[a-z]\w*)")
    module_names = re.compile(r"from \.+[\w.]* import \(?([\w, \n]+)\)?|import course_utils\.(\w+)")
    offenders = {}
    for path, text in _library_sources().items():
        hits = [m.group(1) for m in private_import.finditer(text)]
        modules = {name.strip().split(" as ")[-1] for m in module_names.finditer(text)
                   for name in (m.group(1) or m.group(2) or "").split(",") if name.strip()}
        modules &= {p.stem for p in PACKAGE.rglob("*.py")} | {p.name for p in PACKAGE.rglob("*") if p.is_dir()}
        for mod in modules:
            hits += re.findall(rf"\b{mod}\._[a-z]\w*", text)
        if hits:
            offenders[path] = hits
    assert offenders == {}

"""Every public function, class and public method of ``course_utils`` documents each of its parameters.

The oracle is numpydoc's own validator (``numpydoc.validate``, the checker behind ``numpydoc lint``), not a
parser of ours: a callable passes when the validator reports none of

* ``GL08`` — no docstring at all;
* ``PR01`` — a parameter of the signature missing from the ``Parameters`` section;
* ``PR02`` — a documented parameter that the signature does not have (a renamed argument left behind);
* ``GL06``/``GL07`` — an unknown or misordered section (``Example`` instead of ``Examples``), which numpydoc
  then silently drops from the rendered documentation.

"Public" means what a student can reach: the names in a module's ``__all__`` that the module defines, and the
methods of those classes whose names do not start with an underscore. A class documents its constructor's
parameters in its own docstring (numpydoc's convention), so ``__init__`` needs no docstring of its own.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import course_utils

validate = pytest.importorskip("numpydoc.validate").validate

CHECKED = {"GL08", "PR01", "PR02", "GL06", "GL07"}


def _public_callables() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if getattr(obj, "__module__", None) != module.__name__:
                continue  # re-exported: checked where it is defined
            if inspect.isfunction(obj):
                names.append(f"{module.__name__}.{name}")
            elif inspect.isclass(obj):
                names.append(f"{module.__name__}.{name}")
                names += [f"{module.__name__}.{name}.{attr}" for attr, value in vars(obj).items()
                          if not attr.startswith("_") and inspect.isfunction(value)]
    return sorted(names)


PUBLIC = _public_callables()


def test_the_walk_reaches_every_module_on_disk():
    # every module file that defines a public name contributes it: a walk that stopped early would pass everything
    root = Path(course_utils.__file__).parent
    on_disk = {".".join(("course_utils", *p.relative_to(root).with_suffix("").parts)) for p in root.rglob("*.py")}
    defining = set()
    for name in on_disk:
        module = importlib.import_module(name.removesuffix(".__init__"))
        if any(getattr(getattr(module, n), "__module__", None) == module.__name__ for n in getattr(module, "__all__", [])):
            defining.add(module.__name__)
    walked = {q.rsplit(".", 1)[0] for q in PUBLIC if q.rsplit(".", 1)[0] in defining}
    assert walked == defining


@pytest.mark.parametrize("qualname", PUBLIC)
def test_every_parameter_is_documented(qualname):
    errors = [(code, message) for code, message in validate(qualname)["errors"] if code in CHECKED]
    assert not errors, f"{qualname}: " + "; ".join(f"{code} {message}" for code, message in errors)

"""The code the batch grader injects into a student's kernel.

Two injected cells, both run with ``store_history=False`` so they never appear in the kernel's ``In``:

1. :func:`guard_code`, run before any student code, snapshots what a submission could tamper with — the
   ``builtins``, ``math`` and ``numpy`` module namespaces, ``sys.meta_path`` — and defines the probe function in a
   private namespace whose builtins are that snapshot.
2. :func:`probe_code`, run right after an exercise's ``check(...)`` cell, calls the probe. The probe, with the
   snapshot restored, the student's ``course_utils`` modules set aside, the working directory taken off
   ``sys.path`` (a fake ``course_utils/`` written there is never imported) and the import hooks reset, imports
   the installed :mod:`course_utils.grading.remote` afresh and serves the grader's calls to the student's answer
   (the expression passed to ``check`` in their notebook, as it is *at that moment*) over a socket of the grader's.
   Afterwards the student's state is put back, so later cells run as they would in the notebook.

The check itself, its cases, its reference values and its verdict never exist in the kernel: they are in the
grader's process (:mod:`.remote`), which receives only the answer's return values, as plain data. So nothing the
notebook redefines, patches or prints — ``check``, ``course_utils``, the registry, the builtins, NumPy,
``sys.stdout``, the probe's frames — can change a verdict; it can only change what its own answer returns. The
snapshot is kept so that an honest answer runs as it would have in a fresh kernel (``input()`` raises a clear
error, a stray ``course_utils/`` folder is not imported).
"""

from __future__ import annotations

import os
import secrets

from ..validation import check_str

__all__ = ["guard_code", "probe_code", "new_token", "PROTECTED_MODULES"]

PROTECTED_MODULES = ("builtins", "math", "numpy", "numpy.linalg")

# Runs inside the kernel, exec'd in a private namespace (see guard_code). `_TOKEN` and `_ROOT` are injected.
_GUARD_SOURCE = r'''
import builtins as _builtins_module
import contextlib
import importlib
import os
import sys
import types

import IPython

_SHELL = IPython.get_ipython()
_START_CWD = os.getcwd()
_META_PATH = list(sys.meta_path)
_PATH_HOOKS = list(sys.path_hooks)


class StdinNotAllowed(RuntimeError):
    """input() inside a graded answer: there is no keyboard while grading."""


# compiled under a "<frozen …>" name, so that check's report points at the student's line that called input()
exec(compile("def _no_input(*args, **kwargs):\n"
             "    raise StdinNotAllowed('input() was called, but a graded answer cannot read from the keyboard (stdin '\n"
             "                          'is not available while grading); take the value as an argument instead')\n",
             "<frozen course grader>", "exec"), globals())
_PROTECTED = {}
for _name in _PROTECTED_NAMES:
    try:
        _module = importlib.import_module(_name)
    except Exception:
        continue
    _PROTECTED[_name] = (_module, dict(_module.__dict__))


def _set_namespace(namespace, wanted):
    """Give every name of `wanted` its value in the module dict `namespace`.

    Names added since the snapshot stay: they are harmless to the checks, and deleting them would break
    lazily imported submodules (numpy's __getattr__ recurses when `numpy.random` is in sys.modules but not
    in numpy's namespace).
    """
    namespace.update(wanted)


def _is_ours(name):
    return name == "course_utils" or name.startswith("course_utils.")


@contextlib.contextmanager
def _pristine():
    saved_modules = {k: m for k, m in sys.modules.items() if _is_ours(k)}
    saved_protected = {}
    saved_path, saved_meta, saved_hooks = list(sys.path), list(sys.meta_path), list(sys.path_hooks)
    try:
        for key in saved_modules:
            del sys.modules[key]
        for name, (module, snapshot) in _PROTECTED.items():
            saved_protected[name] = (sys.modules.get(name), dict(module.__dict__))
            sys.modules[name] = module
            _set_namespace(module.__dict__, snapshot)
        _builtins_module.input = _no_input
        here = {os.path.abspath(os.getcwd()), os.path.abspath(_START_CWD)}
        sys.path[:] = [_ROOT] + [p for p in saved_path if p not in ("", ".") and os.path.abspath(p) not in here]
        sys.meta_path[:] = _META_PATH
        sys.path_hooks[:] = _PATH_HOOKS
        sys.path_importer_cache.clear()
        importlib.invalidate_caches()
        yield
    finally:
        for key in [k for k in sys.modules if _is_ours(k)]:
            del sys.modules[key]
        sys.modules.update(saved_modules)
        for name, (entry, namespace) in saved_protected.items():
            _set_namespace(_PROTECTED[name][0].__dict__, namespace)
            if entry is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = entry
        sys.path[:] = saved_path
        sys.meta_path[:] = saved_meta
        sys.path_hooks[:] = saved_hooks
        sys.path_importer_cache.clear()


def probe(exercise_id, expression, address):
    """Serve the grader's calls to the student's answer (course_utils.grading.remote.serve), with the snapshot
    restored and the installed course_utils imported afresh; the check and its verdict stay in the grader."""
    with _pristine():
        remote = importlib.import_module("course_utils.grading.remote")
        check_module = importlib.import_module("course_utils.grading.check")
        for module in (remote, check_module):
            where = os.path.abspath(module.__file__)
            if not where.startswith(os.path.join(_ROOT, "course_utils") + os.sep):
                raise ImportError(f"{module.__name__} came from {where}, not from {_ROOT}")

        def where_of(exc):
            frame = check_module._student_frame(exc)
            return check_module._where(frame) if frame is not None else ""

        remote.serve(address, expression, _SHELL.user_ns, where_of=where_of)


_registry_module = types.ModuleType(_TOKEN)
_registry_module.probe = probe
sys.modules[_TOKEN] = _registry_module
_SHELL.user_ns_hidden[_TOKEN] = probe
_SHELL.user_ns[_TOKEN] = probe
'''


def _check_token(token) -> str:
    check_str(token, "token")
    if not token.isidentifier():
        raise ValueError(f"`token` must be a Python identifier (it names the probe in the kernel), got {token!r:.60}")
    return token


def _check_text(value, name: str) -> str:
    check_str(value, name, allow_empty=False)
    return value


def new_token() -> str:
    """A fresh secret identifier under which the probe is installed in one kernel."""
    return "_course_grader_" + secrets.token_hex(8)


def guard_code(token: str, package_root: str) -> str:
    """The cell that installs the probe (run once per kernel, before any student code).

    ``token`` names the probe in ``sys.modules`` and the user namespace; ``package_root`` is the directory that
    contains the installed ``course_utils`` package.

    Parameters
    ----------
    token : str
        A Python identifier, secret per kernel, under which the probe is installed.
    package_root : str or os.PathLike
        The directory that contains the installed ``course_utils`` package; the probe imports the check from
        there and refuses any other copy.

    Returns
    -------
    str
        Python source of the cell.
    """
    _check_token(token)
    if not isinstance(package_root, (str, os.PathLike)) or not str(package_root):
        raise TypeError(f"`package_root` must be a directory path, got {package_root!r:.60} "
                        f"of type {type(package_root).__name__}")
    setup = {"_TOKEN": token, "_ROOT": str(package_root), "_PROTECTED_NAMES": PROTECTED_MODULES, "__name__": token}
    return (f"exec(compile({_GUARD_SOURCE!r}, '<course grader>', 'exec'), "
            f"{{**{setup!r}, '__builtins__': dict(__import__('builtins').__dict__)}})")


def probe_code(token: str, exercise_id: str, expression: str, address: str) -> str:
    """The cell that serves the grader's calls to the answer ``expression`` of ``exercise_id``.

    Parameters
    ----------
    token : str
        The identifier the probe was installed under by :func:`guard_code`.
    exercise_id : str
        The exercise being graded, such as ``"2.3"``; not empty.
    expression : str
        The answer expression from the student's ``check`` call (usually a function name), evaluated in the
        student's namespace when the cell runs; not empty.
    address : str
        The grader's ZeroMQ socket (:class:`.remote.Channel`); not empty.

    Returns
    -------
    str
        Python source of the cell.
    """
    _check_token(token)
    for value, name in ((exercise_id, "exercise_id"), (expression, "expression"), (address, "address")):
        _check_text(value, name)
    call = f"({exercise_id!r}, {expression!r}, {address!r})"
    # The probe is looked up in sys.modules when the student's `%reset` or `del` removed the hidden name.
    return (f"try:\n    {token}{call}\nexcept NameError:\n"
            f"    __import__('sys').modules[{token!r}].probe{call}\n")

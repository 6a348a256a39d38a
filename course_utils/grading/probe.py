"""The code the batch grader injects into a student's kernel, and the parsing of what it reports.

Two injected cells, both run with ``store_history=False`` so they never appear in the kernel's ``In``:

1. :func:`guard_code`, run before any student code, snapshots what a submission could tamper with — the
   ``builtins``, ``math`` and ``numpy`` module namespaces, ``sys.meta_path``, the kernel's display channel —
   and defines the probe function in a private namespace whose builtins are that snapshot.
2. :func:`probe_code`, run right after an exercise's ``check(...)`` cell, calls the probe. The probe looks up
   the student's answer (the expression passed to ``check`` in their notebook) as it is *at that moment*, then,
   with the snapshot restored, the student's ``course_utils`` modules set aside, the working directory taken
   off ``sys.path`` (a fake ``course_utils/`` written there is never imported) and the import hooks reset,
   imports the installed ``course_utils.grading.check`` afresh and calls its ``run_check``. Afterwards the
   student's state is put back, so later cells run as they would in the notebook.

The verdict is sent as one ``display_data`` message of MIME type :data:`.kernel_runner.VERDICT_MIME` on the
kernel's own iopub socket (never through ``sys.stdout``, which honest students redirect), as JSON prefixed with
a nonce that the grader draws per probe and that exists only in the injected cell. :func:`parse_probe_output` accepts
exactly one line carrying the nonce; a printed imitation has no nonce, and a second tagged line (an answer that
dug the nonce out of the probe's frame) makes the result count as tampered.

Threat model: this defeats redefining ``check``, monkeypatching or shadowing ``course_utils``, editing the
registry, rebinding builtins or NumPy functions, replacing ``sys.stdout`` and printing fake verdicts. Code that
runs in the same process can always attack the process itself (IPython input transformers, patching the
kernel's stream class); such a notebook is plainly visible on inspection and is out of scope.
"""

from __future__ import annotations

import json
import os
import secrets

from ..validation import check_str
from .kernel_runner import VERDICT_MIME

__all__ = ["guard_code", "probe_code", "new_nonce", "parse_probe_output", "PROTECTED_MODULES"]

PROTECTED_MODULES = ("builtins", "math", "numpy", "numpy.linalg")

# Runs inside the kernel, exec'd in a private namespace (see guard_code). `_TOKEN` and `_ROOT` are injected.
_GUARD_SOURCE = r'''
import builtins as _builtins_module
import contextlib
import importlib
import json
import os
import sys
import types

import IPython

_SHELL = IPython.get_ipython()
_START_CWD = os.getcwd()
_META_PATH = list(sys.meta_path)
_PATH_HOOKS = list(sys.path_hooks)
# The verdict travels as a display_data message of its own MIME type on the kernel's iopub socket, sent through
# the session and socket captured here: whatever a student later does to sys.stdout (io.StringIO, os.devnull,
# sys.__stdout__) or to the display machinery cannot swallow or misdirect it.
_PUB = _SHELL.display_pub
_SEND, _PUB_SOCKET, _TOPIC = _PUB.session.send, _PUB.pub_socket, getattr(_PUB, "topic", None)
_PARENT = type(_SHELL).parent_header.fget if isinstance(getattr(type(_SHELL), "parent_header", None), property) \
    else (lambda shell: shell.parent_header)


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


def _report(nonce, payload):
    content = {"data": {_MIME: nonce + json.dumps(payload)}, "metadata": {}, "transient": {}}
    _SEND(_PUB_SOCKET, "display_data", content, parent=_PARENT(_SHELL), ident=_TOPIC)


def probe(exercise_id, expression, nonce):
    payload = {"exercise_id": exercise_id}
    try:
        answer = eval(compile(expression, "<answer>", "eval"), _SHELL.user_ns)
    except NameError:
        payload.update(status="not defined", messages=[
            f"`{expression}` is not defined when exercise {exercise_id} is graded; make sure the cell that "
            "defines it runs without errors (Restart & Run All)."])
        return _report(nonce, payload)
    except BaseException as exc:
        payload.update(status="error", messages=[
            f"evaluating your answer `{expression}` raised {type(exc).__name__}: {str(exc)[:300]}"])
        return _report(nonce, payload)
    try:
        with _pristine():
            check_module = importlib.import_module("course_utils.grading.check")
            where = os.path.abspath(check_module.__file__)
            if not where.startswith(os.path.join(_ROOT, "course_utils") + os.sep):
                raise ImportError(f"course_utils.grading.check came from {where}, not from {_ROOT}")
            result = check_module.run_check(exercise_id, answer)
        payload.update(status=result.status, score=float(result.score), messages=list(result.messages),
                       title=result.title, n_passed=int(result.n_passed), n_cases=int(result.n_cases))
    except SystemExit:
        payload.update(status="error", messages=["your code called sys.exit() (or exit()) while being checked; "
                                                 "return a value instead."])
    except Exception as exc:  # run_check reports every Exception of the student's code itself: this one is ours
        payload.update(status="grader error", messages=[f"the grader could not run the check: "
                                                        f"{type(exc).__name__}: {str(exc)[:300]}"])
    except BaseException as exc:  # KeyboardInterrupt, GeneratorExit, a BaseException subclass: the student's
        # (when the grader itself interrupted a check that ran too long, the runner reports a timeout instead)
        payload.update(status="error", messages=[f"your code raised {type(exc).__name__} while being checked"
                                                 + (f": {str(exc)[:300]}" if str(exc) else "")
                                                 + "; an answer must return a value."])
    _report(nonce, payload)


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


def new_nonce() -> str:
    """A fresh secret that tags one probe's verdict line."""
    return "@@grader-" + secrets.token_hex(16) + "@@"


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
    setup = {"_TOKEN": token, "_ROOT": str(package_root), "_PROTECTED_NAMES": PROTECTED_MODULES,
             "_MIME": VERDICT_MIME, "__name__": token}
    return (f"exec(compile({_GUARD_SOURCE!r}, '<course grader>', 'exec'), "
            f"{{**{setup!r}, '__builtins__': dict(__import__('builtins').__dict__)}})")


def probe_code(token: str, exercise_id: str, expression: str, nonce: str) -> str:
    """The cell that grades ``exercise_id`` on the value of ``expression`` in the student's namespace.

    Parameters
    ----------
    token : str
        The identifier the probe was installed under by :func:`guard_code`.
    exercise_id : str
        The exercise to grade, such as ``"2.3"``; not empty.
    expression : str
        The answer expression from the student's ``check`` call (usually a function name), evaluated in the
        student's namespace when the cell runs; not empty.
    nonce : str
        The secret that tags this probe's verdict line (see :func:`new_nonce`); not empty.

    Returns
    -------
    str
        Python source of the cell.
    """
    _check_token(token)
    for value, name in ((exercise_id, "exercise_id"), (expression, "expression"), (nonce, "nonce")):
        _check_text(value, name)
    call = f"({exercise_id!r}, {expression!r}, {nonce!r})"
    # The probe is looked up in sys.modules when the student's `%reset` or `del` removed the hidden name.
    return (f"try:\n    {token}{call}\nexcept NameError:\n"
            f"    __import__('sys').modules[{token!r}].probe{call}\n")


def parse_probe_output(stdout: str, nonce: str) -> dict | None:
    """The verdict carried by the nonce-tagged line of ``stdout``.

    Returns None when no tagged line is present (the probe did not finish), and a ``"tampered"`` verdict when
    more than one line carries the nonce or the line is not valid JSON.

    Parameters
    ----------
    stdout : str
        What the probe cell reported: its :attr:`.kernel_runner.CellRun.verdicts` joined by newlines (the
        verdict channel; the cell's stdout carries none).
    nonce : str
        The nonce the probe cell was built with; not empty.

    Returns
    -------
    dict or None
        The verdict: ``"status"`` and ``"messages"``, plus ``"score"``, ``"title"``, ``"n_passed"``,
        ``"n_cases"`` when the check ran.
    """

    check_str(stdout, "stdout")
    _check_text(nonce, "nonce")
    tagged = [line[line.index(nonce) + len(nonce):] for line in stdout.splitlines() if nonce in line]
    if not tagged:
        return None
    tampered = {"status": "tampered", "messages": [
        "the grader's verdict for this exercise was imitated or interfered with; it scores 0."]}
    if len(tagged) > 1:
        return tampered
    try:
        payload = json.loads(tagged[0])
    except json.JSONDecodeError:
        return tampered
    return payload if isinstance(payload, dict) and isinstance(payload.get("status"), str) else tampered

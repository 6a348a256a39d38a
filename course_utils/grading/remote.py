"""Verdicts computed outside the student's process: the student's answer is called across a socket.

The batch grader runs every check in its own (trusted) process on a :class:`RemoteAnswer`, a stand-in for the
student's function. Calling it sends the arguments to the student's kernel, where :func:`serve` (installed by
the grader before any student code ran) calls the real answer and sends back what it returned — as plain data:
numbers, strings, NumPy arrays and scalars, tuples, lists and dicts of those. Whatever the student's code does to
its own process (patching ``course_utils``, NumPy, the builtins, ``sys.stdout``, the checks' frames), the cases,
the reference values and the comparison never exist there, so nothing it patches decides a verdict.

The in-notebook ``check()`` is unchanged: it runs the same check in the student's kernel, for instant feedback.

The wire format (:func:`encode` / :func:`decode`) is JSON with tagged objects:

* ``None``, ``bool``, ``int``, ``float`` and ``str`` of exactly those types are JSON values (a non-finite float is
  tagged ``{"$": "float"}``); tuples, lists and dicts are tagged, so their types survive;
* a NumPy array or scalar of a numeric, boolean or string dtype is tagged with its dtype, shape and raw bytes;
* from the grader to the kernel only: a callable the check passes (a loss, a gradient, a Hessian-vector product)
  becomes a *callback* — the kernel gets a stand-in that asks the grader to run it, so the check counts the calls
  itself; a ``numpy.random.Generator`` travels as its bit generator's state (and the state it ends in travels
  back); any other object travels pickled (the kernel trusts the grader, not the other way round);
* from the kernel to the grader, anything else arrives as an :class:`Opaque` placeholder that names its type —
  the grader never unpickles anything the student's process sent.

After each call, the arguments the answer could change in place (arrays, lists, dicts, generators) are sent back
and copied into the grader's originals, so a check still sees an answer that mutates its inputs.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import json
import math
import pickle
import sys
import time
from typing import Any

import numpy as np

from ..validation import check_int

# What checks use; the codec, RemoteAnswer, Channel and serve are the grader's and the probe's own machinery.
__all__ = ["AnswerRaised", "AnswerRaisedBase", "KernelGone", "LineBudgetExceeded", "watching"]

MAX_MESSAGE_BYTES = 64 * 2**20  # a larger message from the kernel is refused (a memory attack on the grader)
_DTYPE_KINDS = "biufcU"  # bool, int, uint, float, complex, unicode: the dtypes that travel as plain data
_MUTABLE_TAGS = ("nd", "list", "dict", "rng")


class Opaque:
    """What the grader receives for a returned object that is not plain data (its type name and a short repr).

    Parameters
    ----------
    type_name : str
        The name of the object's type in the student's process.
    text : str
        Its ``repr``, at most 200 characters.
    """

    def __init__(self, type_name: str, text: str = "") -> None:
        self.type_name, self.text = str(type_name)[:100], str(text)[:200]

    def __repr__(self) -> str:
        return self.text or f"<{self.type_name} object>"


class AnswerRaised(Exception):
    """The student's answer raised an ``Exception`` in its kernel; re-raised in the grader.

    For a built-in exception type the instance is also of that type (a ``TypeError`` of the answer is a
    ``TypeError`` here), so a check that expects, say, ``ValueError`` from an answer sees one.

    Attributes
    ----------
    type_name : str
        The exception's type name in the kernel.
    where : str
        ``"line N of f: source"`` of the student's deepest frame, or ``""``.
    """

    type_name = "Exception"
    where = ""


class AnswerRaisedBase(BaseException):
    """The answer raised a ``BaseException`` that is not an ``Exception`` (``SystemExit``, ``KeyboardInterrupt``)."""

    type_name = "BaseException"
    where = ""


class KernelGone(BaseException):
    """The student's kernel died, or stopped serving, while a check was calling the answer."""


_RAISED_TYPES: dict[str, type] = {}


def _raised(type_name: str, message: str, where: str, base: bool = False) -> BaseException:
    """An exception to raise in the grader for ``type_name`` raised in the kernel (``base``: not an Exception)."""
    cls = _RAISED_TYPES.get(type_name) if not base else None
    if base:
        cls = type(type_name if type_name.isidentifier() else "AnswerError", (AnswerRaisedBase,), {})
    elif cls is None:
        builtin = getattr(builtins, type_name, None)
        if isinstance(builtin, type) and issubclass(builtin, Exception):
            cls = type(type_name, (AnswerRaised, builtin), {})
        elif isinstance(builtin, type) and issubclass(builtin, BaseException):
            cls = type(type_name, (AnswerRaisedBase,), {})
        else:
            cls = type(type_name if type_name.isidentifier() else "AnswerError", (AnswerRaised,), {})
        _RAISED_TYPES[type_name] = cls
    exc = cls(message)
    exc.type_name, exc.where = type_name, where
    return exc


# ---------------------------------------------------------------------------------------------------------------
# The codec


def _array(value: np.ndarray) -> dict:
    data = value if value.flags.c_contiguous else value.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)
    return {"$": "nd", "dtype": data.dtype.str, "shape": list(data.shape),
            "data": base64.b64encode(data.tobytes()).decode("ascii")}


def encode(value: Any, callbacks: list | None = None, *, trusted: bool = False, aliases: list | None = None,
           _depth: int = 0) -> Any:
    """``value`` as JSON-able data in the tagged format described in the module docstring.

    Parameters
    ----------
    value : object
        What to send.
    callbacks : list or None
        Where callables are registered (each becomes ``{"$": "cb", "id": k}`` with ``k`` its index); None sends
        a callable as an :class:`Opaque` (the kernel's direction).
    trusted : bool, default False
        Whether objects that are not plain data may travel pickled (only the grader's direction is trusted).
    aliases : list of numpy.ndarray or None
        The call's argument arrays (see :func:`arrays_in`): a returned array that shares memory with argument
        ``k`` is marked ``"alias": k``, so the grader can hand the check its own argument back.

    Returns
    -------
    object
        Nested dicts, lists, strings and numbers, ready for ``json.dumps``.
    """
    if _depth > 50:
        return {"$": "opaque", "type": type(value).__name__, "repr": "(nested too deeply)"}
    kind = type(value)
    if value is None or kind in (bool, str) or kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if isinstance(value, np.ndarray) and value.dtype.kind in _DTYPE_KINDS:
        shared = [k for k, a in enumerate(aliases or ()) if np.may_share_memory(value, a)]
        return {**_array(value), **({"alias": shared[0]} if shared else {})}
    if isinstance(value, np.generic) and value.dtype.kind in _DTYPE_KINDS:
        return {**_array(np.asarray(value)), "$": "np"}
    if kind in (tuple, list):
        return {"$": kind.__name__, "items": [encode(v, callbacks, trusted=trusted, aliases=aliases, _depth=_depth + 1)
                                              for v in value]}
    if kind is dict:
        return {"$": "dict", "items": [[encode(k, callbacks, trusted=trusted, _depth=_depth + 1),
                                        encode(v, callbacks, trusted=trusted, aliases=aliases, _depth=_depth + 1)]
                                       for k, v in value.items()]}
    if isinstance(value, np.random.Generator) and trusted:
        return {"$": "rng", "bitgen": type(value.bit_generator).__name__, "state": value.bit_generator.state}
    if trusted and callbacks is not None and callable(value) and _is_function(value):
        callbacks.append(value)
        return {"$": "cb", "id": len(callbacks) - 1}
    if trusted:
        return {"$": "pickle", "data": base64.b64encode(pickle.dumps(value)).decode("ascii")}
    try:
        text = repr(value)[:200]
    except Exception:
        text = ""
    return {"$": "opaque", "type": kind.__name__, "repr": text}


def arrays_in(value: Any) -> list:
    """The NumPy arrays inside ``value`` (an argument list), depth first, in a fixed order on both sides."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (list, tuple)):
        return [a for item in value for a in arrays_in(item)]
    if isinstance(value, dict):
        return [a for item in value.values() for a in arrays_in(item)]
    return []


def _is_function(value: Any) -> bool:
    """Functions, methods, ufuncs and lambdas travel as callbacks; callable objects with state (a model) pickled."""
    import types

    return isinstance(value, (types.FunctionType, types.MethodType, types.BuiltinFunctionType, np.ufunc))


def _decode_array(data: dict) -> np.ndarray:
    dtype = np.dtype(str(data["dtype"]))
    if dtype.kind not in _DTYPE_KINDS:
        raise ValueError(f"refused an array of dtype {dtype}")
    shape = tuple(int(n) for n in data["shape"])
    raw = base64.b64decode(str(data["data"]), validate=True)
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(data: Any, callback=None, *, trusted: bool = False, aliases: list | None = None) -> Any:
    """The value that :func:`encode` turned into ``data``.

    Parameters
    ----------
    data : object
        Parsed JSON.
    callback : callable or None
        ``callback(k)`` gives the stand-in for callback ``k`` (the kernel's direction); None refuses callbacks.
    trusted : bool, default False
        Whether pickled objects and generator states are accepted (the kernel's side only: the grader never
        unpickles what the student's process sent).
    aliases : list of numpy.ndarray or None
        The grader's own argument arrays: an array marked as an alias of argument ``k`` (and of its shape and dtype)
        decodes to that very array, so ``np.shares_memory`` tells the check that the answer returned its input.

    Returns
    -------
    object
    """
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:  # never produced by encode; a forged message
        raise ValueError("untagged list in a message")
    if type(data) is not dict:
        raise ValueError(f"unexpected {type(data).__name__} in a message")
    tag = data.get("$")
    if tag == "float":
        return float(str(data["v"]))
    if tag == "nd":
        array = _decode_array(data)
        k = data.get("alias")
        if aliases and type(k) is int and 0 <= k < len(aliases):
            original = aliases[k]
            # the argument itself (or a view with its very values): hand it back, so `is` / shares_memory hold;
            # a view with other values (a reversed or transposed one) is a new array as far as the check can tell
            if (original.shape == array.shape and original.dtype == array.dtype
                    and np.array_equal(original, array, equal_nan=array.dtype.kind in "fc")):
                return original
        return array
    if tag == "np":
        return _decode_array(data)[()]
    if tag in ("tuple", "list"):
        items = [decode(v, callback, trusted=trusted, aliases=aliases) for v in data["items"]]
        return tuple(items) if tag == "tuple" else items
    if tag == "dict":
        out = {}
        for pair in data["items"]:
            key = decode(pair[0], callback, trusted=trusted)
            try:
                hash(key)
            except TypeError:
                key = Opaque(type(key).__name__, repr(key))
            out[key] = decode(pair[1], callback, trusted=trusted, aliases=aliases)
        return out
    if tag == "opaque":
        return Opaque(str(data.get("type", "object")), str(data.get("repr", "")))
    if tag == "cb" and callback is not None:
        return callback(int(data["id"]))
    if tag == "rng" and trusted:
        bitgen = getattr(np.random, str(data["bitgen"]))()
        bitgen.state = data["state"]
        return np.random.Generator(bitgen)
    if tag == "pickle" and trusted:
        return pickle.loads(base64.b64decode(data["data"]))
    raise ValueError(f"refused a message item tagged {tag!r}")


def _mirror(original: Any, after: Any) -> None:
    """Copy into ``original`` what the answer left in the kernel's copy of it (``after``, decoded)."""
    if isinstance(original, np.ndarray) and isinstance(after, np.ndarray):
        if original.shape == after.shape and original.flags.writeable:
            try:
                np.copyto(original, after, casting="unsafe")
            except (TypeError, ValueError):
                pass
    elif isinstance(original, list) and isinstance(after, list):
        if len(original) == len(after):
            for k, (o, a) in enumerate(zip(original, after)):
                if isinstance(o, (np.ndarray, list, dict, np.random.Generator)):
                    _mirror(o, a)
                else:
                    original[k] = a
        else:
            original[:] = after
    elif isinstance(original, dict) and isinstance(after, dict):
        for key in list(original):
            if key not in after:
                del original[key]
        for key, value in after.items():
            if key in original and isinstance(original[key], (np.ndarray, list, dict, np.random.Generator)):
                _mirror(original[key], value)
            else:
                original[key] = value
    elif isinstance(original, np.random.Generator) and isinstance(after, dict):
        try:
            original.bit_generator.state = after
        except (TypeError, ValueError, KeyError):
            pass


# ---------------------------------------------------------------------------------------------------------------
# The grader's side


class RemoteAnswer:
    """The student's answer, called in their kernel; the check calls it like the function itself.

    Parameters
    ----------
    channel : object
        The grader's end of the connection: ``send(message: dict)`` and ``receive() -> dict`` (see
        :class:`Channel`).
    name : str
        The answer's ``__name__`` in the kernel (the check's error messages name it).
    """

    def __init__(self, channel, name: str) -> None:
        self._channel = channel
        self.__name__ = self.__qualname__ = str(name)[:100] or "answer"
        # Set by a check that watches how the answer works (:func:`watching`): ``{"count": ["module:function",
        # ...]}`` counts calls of those functions in the kernel, ``{"line_budget": n}`` stops the answer after n
        # lines of Python (``LineBudgetExceeded``). ``counts`` accumulates what the kernel reports.
        self.watch: dict = {}
        self.counts: dict = {}

    def __repr__(self) -> str:
        return f"<your function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        callbacks: list = []
        message = {"op": "call", "args": encode(list(args), callbacks, trusted=True),
                   "kwargs": encode(dict(kwargs), callbacks, trusted=True), "watch": self.watch}
        self._channel.send(message)
        while True:
            reply = self._channel.receive()
            op = reply.get("op")
            if op == "cb":
                self._run_callback(callbacks, reply)
            elif op == "return":
                after = reply.get("after") or {}
                for k, value in enumerate(args):
                    encoded = after.get(str(k))
                    if encoded is not None:
                        _mirror(value, _decode_state(value, encoded))
                for key, value in kwargs.items():
                    encoded = after.get(key)
                    if encoded is not None:
                        _mirror(value, _decode_state(value, encoded))
                counts = reply.get("counts") or {}
                for target in self.watch.get("count", ()):
                    n = counts.get(target, 0) if isinstance(counts, dict) else 0
                    self.counts[target] = self.counts.get(target, 0) + (n if type(n) is int and n >= 0 else 0)
                return decode(reply.get("value"), aliases=arrays_in([list(args), dict(kwargs)]))
            elif op == "raise":
                raise _raised(str(reply.get("type", "Exception"))[:100], str(reply.get("message", ""))[:1000],
                              str(reply.get("where", ""))[:500], base=reply.get("base") is True)
            else:
                raise KernelGone(f"the kernel sent an unexpected message ({str(op)[:40]!r})")

    def _run_callback(self, callbacks, request) -> None:
        try:
            fn = callbacks[int(request["id"])]
            args = decode(request.get("args"))
            kwargs = decode(request.get("kwargs"))
            if not isinstance(args, list) or not isinstance(kwargs, dict) or not all(isinstance(k, str)
                                                                                    for k in kwargs):
                raise TypeError("malformed call")
            value = fn(*args, **kwargs)
            self._channel.send({"op": "cb-return", "value": encode(value, None)})
        except (AnswerRaisedBase, KernelGone):
            raise
        except Exception as exc:  # the check's function refused the answer's arguments: the answer's error
            self._channel.send({"op": "cb-raise", "type": type(exc).__name__ if isinstance(
                getattr(builtins, type(exc).__name__, None), type) else "RuntimeError", "message": str(exc)[:500]})


def _decode_state(original, encoded):
    if isinstance(original, np.random.Generator):
        return encoded if isinstance(encoded, dict) else None  # a bit generator's state dict, checked by NumPy
    return decode(encoded)


class Channel:
    """The grader's end of the ZeroMQ PAIR socket that one kernel's :func:`serve` connects to.

    Every wait polls in short slices, so the check's own time limit (a signal) interrupts it, and ``alive()`` is
    asked between slices, so a kernel that died is noticed within a second.

    Parameters
    ----------
    address : str
        ``tcp://127.0.0.1:*`` or ``ipc:///path`` to bind.
    alive : callable
        ``alive() -> bool``: whether the kernel is still running the serving cell (the grader reads the kernel's
        output in it, between slices).
    """

    def __init__(self, address: str, alive) -> None:
        import zmq

        self._zmq = zmq
        self.context = zmq.Context.instance()
        self.socket = self.context.socket(zmq.PAIR)
        self.socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.bind(address)
        self.address = self.socket.getsockopt(zmq.LAST_ENDPOINT).decode()
        self.alive = alive

    def send(self, message: dict, timeout: float | None = None) -> None:
        """Send ``message``; a kernel that no longer listens (the serving cell ended) raises :class:`KernelGone`."""
        started = time.monotonic()
        while not self.socket.poll(200, self._zmq.POLLOUT):  # a PAIR socket without a peer would block forever
            if not self.alive():
                raise KernelGone("the kernel stopped listening")
            if timeout is not None and time.monotonic() - started > timeout:
                raise KernelGone("the kernel did not listen in time")
        self.socket.send(json.dumps(message, allow_nan=False).encode(), self._zmq.NOBLOCK)

    def receive(self, timeout: float | None = None) -> dict:
        started = time.monotonic()
        while not self.socket.poll(200):
            if not self.alive():
                raise KernelGone("the kernel stopped while your answer was being called")
            if timeout is not None and time.monotonic() - started > timeout:
                raise KernelGone("the kernel did not answer in time")
        raw = self.socket.recv()
        try:
            message = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise KernelGone("the kernel sent a malformed message") from exc
        if not isinstance(message, dict):
            raise KernelGone("the kernel sent a malformed message")
        return message

    def close(self) -> None:
        self.socket.close(linger=0)


# ---------------------------------------------------------------------------------------------------------------
# The kernel's side (imported by the grader's setup cell before any student code runs)


def serve(address: str, answer_expression: str, namespace: dict, where_of=None) -> None:
    """Evaluate the answer in ``namespace`` and serve the grader's calls to it until the grader says done.

    Runs in the student's kernel. The first message reports what the answer is: a callable (its name), a value
    (encoded), or why it could not be evaluated.

    Parameters
    ----------
    address : str
        The grader's socket.
    answer_expression : str
        The expression passed to ``check`` in the notebook, usually a function name.
    namespace : dict
        The student's namespace.
    where_of : callable or None
        ``where_of(exc) -> str``: the student's line that raised.
    """
    import zmq

    context = zmq.Context.instance()
    sock = context.socket(zmq.PAIR)
    sock.setsockopt(zmq.LINGER, 2000)
    sock.connect(address)

    def send(message):
        sock.send(json.dumps(message, allow_nan=False).encode())

    def receive():
        return json.loads(sock.recv())

    def failure(exc):
        where = ""
        if where_of is not None:
            try:
                where = where_of(exc) or ""
            except Exception:
                where = ""
        return {"op": "raise", "type": type(exc).__name__, "message": str(exc)[:1000], "where": where,
                "base": not isinstance(exc, Exception)}

    try:
        try:
            answer = eval(compile(answer_expression, "<answer>", "eval"), namespace)
        except NameError:
            send({"op": "bound", "status": "not defined"})
            return
        except BaseException as exc:
            send({"op": "bound", "status": "error", "message": f"{type(exc).__name__}: {str(exc)[:300]}"})
            return
        if callable(answer) and not isinstance(answer, type):
            send({"op": "bound", "status": "ok", "callable": True, "name": str(getattr(answer, "__name__", "answer"))})
        else:
            send({"op": "bound", "status": "ok", "callable": False, "value": encode(answer)})

        def stand_in(k):
            def call_grader(*args, **kwargs):
                send({"op": "cb", "id": k, "args": encode(list(args)), "kwargs": encode(dict(kwargs))})
                reply = receive()
                if reply.get("op") == "cb-raise":
                    cls = getattr(builtins, str(reply.get("type")), RuntimeError)
                    cls = cls if isinstance(cls, type) and issubclass(cls, Exception) else RuntimeError
                    raise cls(reply.get("message", ""))
                return decode(reply.get("value"))
            call_grader.__name__ = f"grader_function_{k}"
            return call_grader

        while True:
            request = receive()
            if request.get("op") != "call":
                return
            args = decode(request["args"], stand_in, trusted=True)
            kwargs = decode(request["kwargs"], stand_in, trusted=True)
            watch = request.get("watch") or {}
            counts: dict = {}
            try:
                with _watched(watch, counts):
                    value = answer(*args, **kwargs)
            except BaseException as exc:  # the student's error travels back; the grader decides what it means
                send(failure(exc))
                if not isinstance(exc, Exception):
                    return
                continue
            after = {}
            for key, item in [*((str(k), v) for k, v in enumerate(args)), *kwargs.items()]:
                if isinstance(item, np.random.Generator):
                    after[key] = item.bit_generator.state
                elif isinstance(item, (np.ndarray, list, dict)):
                    after[key] = encode(item)
            try:
                send({"op": "return", "value": encode(value, aliases=arrays_in([args, kwargs])), "after": after,
                      "counts": counts})
            except (TypeError, ValueError) as exc:  # e.g. a non-finite float inside a state: report, go on
                send({"op": "raise", "type": "TypeError", "message": f"the answer's value could not be sent: {exc}",
                      "where": ""})
    finally:
        sock.close()


class LineBudgetExceeded(RuntimeError):
    """Raised inside an answer that ran more lines of Python than the check allows (a loop that never ends)."""


@contextlib.contextmanager
def _watched(watch: dict, counts: dict):
    """In the kernel: count calls of ``watch["count"]``'s functions and apply ``watch["line_budget"]``."""
    import importlib

    patched = []
    for target in watch.get("count", ()):
        module_name, _, attr = str(target).partition(":")
        module = importlib.import_module(module_name)
        original = getattr(module, attr)

        def spy(*args, _original=original, _target=target, **kwargs):
            counts[_target] = counts.get(_target, 0) + 1
            return _original(*args, **kwargs)

        setattr(module, attr, spy)
        patched.append((module, attr, original))
    limit = watch.get("line_budget")
    previous = sys.gettrace()
    if limit is not None:
        executed = [0]

        def local(frame, event, arg):
            if event == "line":
                executed[0] += 1
                if executed[0] > limit:
                    raise LineBudgetExceeded(f"more than {limit} lines of Python ran")
            return local

        sys.settrace(lambda frame, event, arg: local)
    try:
        yield
    finally:
        if limit is not None:
            sys.settrace(previous)
        for module, attr, original in patched:
            setattr(module, attr, original)


def watching(answer, *, count=(), line_budget: int | None = None):
    """In the grader: ask the kernel to watch the answer while the block calls it (no effect on a local answer).

    Parameters
    ----------
    answer : object
        The answer the check calls; only a :class:`RemoteAnswer` is watched remotely.
    count : sequence of str
        ``"module:function"`` names whose calls the kernel counts; read them from ``answer.counts`` afterwards.
    line_budget : int or None
        Lines of Python the answer may run per call before ``LineBudgetExceeded`` is raised in it.

    Returns
    -------
    context manager
        Entering it gives whether the answer is remote (then the caller's own in-process watch sees nothing of it).
    """
    if not isinstance(count, (list, tuple)) or not all(isinstance(c, str) and c.count(":") == 1 for c in count):
        raise TypeError(f"`count` must be a sequence of 'module:function' strings, got {count!r:.80}")
    if line_budget is not None:
        line_budget = check_int(line_budget, "line_budget", low=1)
    return _watching(answer, list(count), line_budget)


@contextlib.contextmanager
def _watching(answer, count, line_budget):
    if not isinstance(answer, RemoteAnswer):
        yield False
        return
    saved = answer.watch
    answer.watch = {**({"count": list(count)} if count else {}),
                    **({"line_budget": int(line_budget)} if line_budget is not None else {})}
    answer.counts = {}
    try:
        yield True
    finally:
        answer.watch = saved

"""Plain data as JSON, both ways across the remote call: the one codec of the grader and the kernel.

``encode`` writes numbers, strings, None, NumPy arrays and scalars (``.npy`` bytes written with
``allow_pickle=False``, in base64), lists, tuples and dicts with string keys, nested at most
``MAX_DEPTH`` deep. Anything else goes to the caller's ``other(value)``, which writes a stand-in
(a handle to an object that stays where it is, a reference to a helpers function) or raises
TypeError. ``decode`` reads exactly that back and refuses anything else with ValueError; it never
unpickles. The grader imports this module; the kernel runs the same file from its source, so it
imports nothing but the standard library and NumPy.
"""

import base64
import io

import numpy as np

MAX_DEPTH = 32


def save(array: np.ndarray) -> str:
    """An array as base64 text of its ``.npy`` bytes, never pickled."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def load(text: str) -> np.ndarray:
    """The array that ``save`` wrote: ``.npy`` only (not ``.npz``); ValueError for anything that would need pickle."""
    if not isinstance(text, str):
        raise ValueError("an array must come as base64 text")
    return np.lib.format.read_array(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def encode(value, other, depth: int = 0):
    """value as JSON-ready data; ``other(value)`` writes what is not plain data, or raises TypeError."""
    if depth > MAX_DEPTH:
        raise ValueError("the value is nested too deeply")
    if isinstance(value, np.ndarray) and not value.dtype.hasobject:
        return {"__ndarray__": save(value)}
    if isinstance(value, np.generic) and not value.dtype.hasobject:
        return {"__scalar__": save(np.asarray(value))}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return {"__list__" if isinstance(value, list) else "__tuple__": [encode(v, other, depth + 1) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v, other, depth + 1) for k, v in value.items()}}
    return other(value)


def decode(value, handle, ref=None, depth: int = 0):
    """The value ``encode`` wrote; ``handle(data)`` stands for a handle, ``ref(text)`` for a reference (refused when None)."""
    if depth > MAX_DEPTH:
        raise ValueError("the value is nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"a {type(value).__name__} that is not plain data")
    if "__ndarray__" in value:
        return load(value["__ndarray__"])
    if "__scalar__" in value:
        return load(value["__scalar__"])[()]
    if isinstance(value.get("__list__"), list):
        return [decode(v, handle, ref, depth + 1) for v in value["__list__"]]
    if isinstance(value.get("__tuple__"), list):
        return tuple(decode(v, handle, ref, depth + 1) for v in value["__tuple__"])
    if isinstance(value.get("__dict__"), dict):
        return {k: decode(v, handle, ref, depth + 1) for k, v in value["__dict__"].items()}
    if "__handle__" in value:
        return handle(value)
    if "__ref__" in value and ref is not None:
        return ref(value["__ref__"])
    raise ValueError(f"a value that is not plain data (keys {sorted(value)[:3]})")

"""The grader's handler inside a submission's kernel: it answers the checks' lookups, calls and attributes.

The kernel never imports this file: ``grader.remote`` sends its source and ``codec.py``'s, and
the kernel runs them in a namespace of their own, so it needs nothing importable from grader.
Everything here runs beside the submission's code, which may have patched any module: the
grader trusts nothing it sends back beyond what ``codec.decode`` reads on the grader's side, and
``defined_in`` (where a looked-up function or class was defined) is a hint the grader checks as text.
"""

import importlib
import json
import types

import numpy as np

TENSOR_MODULES = ("tensorflow", "keras", "torch", "jax", "jaxlib")  # their tensors go back as arrays


def install(codec_source: str, mime: str):
    """In the kernel: load the codec from its source and return the handler that answers on IPython's display channel."""
    from IPython import get_ipython
    from IPython.display import display

    codec = types.ModuleType("grader_codec")
    exec(compile(codec_source, "grader/codec.py", "exec"), codec.__dict__)
    return make_handler(codec, get_ipython().user_ns, lambda text: display({mime: text}, raw=True))


def make_handler(codec, namespace: dict, reply):
    """``handle(request_json)``: run one request on namespace and pass the JSON answer to ``reply``."""
    objects = {}  # handle -> an object that stays in the kernel

    def keep(value):
        if type(value).__module__.split(".")[0] in TENSOR_MODULES and hasattr(value, "numpy"):
            return codec.encode(np.asarray(value.numpy()), keep)
        objects[len(objects) + 1] = value
        return {"__handle__": len(objects), "type": type(value).__name__}

    def defined_in(value):
        """'module.qualname' of a function or class, so the grader can tell the course's own code; else None."""
        if not isinstance(value, (types.FunctionType, type)):
            return None
        try:
            return f"{value.__module__}.{value.__qualname__}"[:300]
        except Exception:  # noqa: BLE001 - a class may make its own attributes raise
            return None

    def find(data):
        return objects[data["__handle__"]]

    def ref(text):
        module, name = text.split(":")
        return getattr(importlib.import_module(module), name)

    def handle(text: str) -> None:
        try:
            request = json.loads(text)
            op = request["op"]
            if op == "lookup":
                if request["name"] not in namespace:
                    raise NameError(f"name {request['name']!r} is not defined")
                result = namespace[request["name"]]
            elif op == "call":
                args, kwargs = codec.decode(request["args"], find, ref), codec.decode(request["kwargs"], find, ref)
                result = objects[request["target"]](*args, **kwargs)
            elif op == "getattr":
                result = getattr(objects[request["target"]], request["name"])
            elif op == "setattr":
                result = setattr(objects[request["target"]], request["name"], codec.decode(request["value"], find, ref))
            else:
                raise ValueError(f"unknown request {op!r}")
            answer = {"value": codec.encode(result, keep)}
            if op == "lookup":
                answer["defined_in"] = defined_in(result)
        except BaseException as error:  # whatever the learner's code raises goes back as an answer
            answer = {"error": [type(error).__name__, str(error)[:2000]]}
        reply(json.dumps(answer))

    return handle

"""Calling the learner's code from the grader: the checks run here, the learner's functions in the kernel.

A request (look a name up, call an object, get or set an attribute) goes to the handler that
``grader.kernel_side`` installed in the kernel; the answer comes back on the display channel as
JSON written by ``grader.codec``: plain data, or a handle to an object that stays in the kernel
(a ``RemoteObject`` here). Nothing from the kernel is unpickled or executed in the grader.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import time
from pathlib import Path

from grader import codec
from grader.runner import NotebookRun
from helpers import checks

MIME = "application/x-deep-learning-lab-grader"
HANDLER = "__deep_learning_lab_grader__"
MAX_REPLY_BYTES = 64_000_000
COURSE_CODE = re.compile(r"helpers\.[A-Za-z0-9_.<>]{1,200}")  # where the course's own functions and classes are defined

# Read once, when the grader starts: what the kernel runs cannot change while a batch is graded.
_KERNEL_SIDE, _CODEC = (Path(__file__).with_name(name).read_text(encoding="utf-8") for name in ("kernel_side.py", "codec.py"))
INSTALL = (
    f"{HANDLER} = (lambda side: exec(compile({_KERNEL_SIDE!r}, 'grader/kernel_side.py', 'exec'), side)"
    f" or side['install']({_CODEC!r}, {MIME!r}))({{'__name__': 'grader_kernel_side'}})"
)


class RemoteError(Exception):
    """An exception raised by the learner's code in the kernel: its type's name and its message."""

    def __init__(self, type_name: str, message: str):
        super().__init__(message)
        self.type_name = type_name


class RemoteTimeout(checks.StopCheck):
    """The time limit ran out while the learner's code was running."""


class RemoteUnavailable(checks.StopCheck):
    """The kernel is gone (it died, or was stopped at the time limit)."""


class RemoteObject:
    """A stand-in for an object that lives in the submission's kernel: calls and attributes go there."""

    __slots__ = ("_session", "_handle", "_type")

    def __init__(self, session: RemoteSession, handle: int, type_name: str):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_type", type_name)

    def __call__(self, *args, **kwargs):
        return self._session.request({"op": "call", "target": self._handle, "args": to_kernel(list(args)), "kwargs": to_kernel(kwargs)})

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._session.request({"op": "getattr", "target": self._handle, "name": name})

    def __setattr__(self, name: str, value) -> None:
        self._session.request({"op": "setattr", "target": self._handle, "name": name, "value": to_kernel(value)})

    def __repr__(self) -> str:
        return f"<the submission's {self._type} object>"


def _stand_in(value):
    """What the grader sends for a value that is not plain data: a handle it was given, or a helpers function."""
    if isinstance(value, RemoteObject):
        return {"__handle__": object.__getattribute__(value, "_handle")}
    module, name = getattr(value, "__module__", "") or "", getattr(value, "__qualname__", "")
    if callable(value) and module.startswith("helpers.") and name.isidentifier():
        return {"__ref__": f"{module}:{name}"}
    raise TypeError(f"the grader cannot send a {type(value).__name__} to the submission's kernel")


def to_kernel(value):
    """A check's argument as JSON-ready data for the kernel (TypeError for what cannot cross)."""
    return codec.encode(value, _stand_in)


def from_kernel(value, session: RemoteSession | None):
    """An answer from the kernel: plain data, or RemoteObjects for what stayed there; ValueError for anything else."""

    def handle(data):
        return RemoteObject(session, int(data["__handle__"]), str(data.get("type", "object")))

    return codec.decode(value, handle)  # no ref: the kernel cannot make the grader import anything


class RemoteSession:
    """Calls into a notebook's kernel after it ran: the grader's side of the checks' function calls."""

    def __init__(self, run: NotebookRun, deadline: float):
        from jupyter_client.blocking import BlockingKernelClient

        self.run, self.deadline = run, deadline
        self.stopped: str | None = None
        self.kc = BlockingKernelClient()
        self.kc.load_connection_info(run.km.get_connection_info())
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=30)
        payload, error = self._execute(INSTALL)
        if error:
            raise RemoteError(*error)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.kc.stop_channels()

    def _stop(self, why: str, exception=RemoteUnavailable):
        self.stopped = why
        self.run.kill()
        raise exception(why)

    def _execute(self, code: str):
        if self.stopped:
            raise RemoteUnavailable(self.stopped)
        if time.monotonic() >= self.deadline:
            self._stop("the time limit ran out before this check could run", RemoteTimeout)
        msg_id = self.kc.execute(code, silent=False, store_history=False, allow_stdin=False, stop_on_error=False)
        payload, error = None, None
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.25)
            except queue.Empty:
                if not self.run.alive():
                    self._stop("the kernel died while running the submission's code")
                if time.monotonic() >= self.deadline:
                    self._stop("the time limit ran out while the submission's code was running", RemoteTimeout)
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "display_data" and MIME in content.get("data", {}):
                payload = content["data"][MIME]
            elif kind == "error":
                error = (content.get("ename", "Error"), content.get("evalue", ""))
            elif kind == "status" and content.get("execution_state") == "idle":
                return payload, error

    def request(self, request: dict):
        """What the learner's code answered: plain data or RemoteObjects; RemoteError for what it raised."""
        return from_kernel(self.reply(request)["value"], self)

    def reply(self, request: dict) -> dict:
        """The kernel's JSON answer to a request, its value still encoded; RemoteError for what the code raised."""
        payload, error = self._execute(f"{HANDLER}({json.dumps(json.dumps(request))})")
        if payload is None:
            kind, message = error or ("GraderError", "the kernel sent no answer")
            raise RemoteError(kind, message)
        if not isinstance(payload, str) or len(payload) > MAX_REPLY_BYTES:
            raise RemoteError("GraderError", "the answer from the kernel is too large")
        reply = json.loads(payload)
        if not isinstance(reply, dict):
            raise RemoteError("GraderError", "the answer from the kernel is not a JSON object")
        if "error" in reply:
            kind, message = reply["error"]
            if kind == "NotImplementedError":
                raise NotImplementedError(message)
            raise RemoteError(kind, message)
        return reply


class RemoteNamespace:
    """The names a notebook defined, looked up in its kernel (what ``checks.run_lab`` receives).

    ``course_code`` keeps each looked-up name that is a function or class of the course's own
    ``helpers`` package (``from helpers.scratch import conv2d``), as the kernel says: a hint for
    the instructor, which the grades do not depend on.
    """

    def __init__(self, session: RemoteSession):
        self.session = session
        self.course_code: dict[str, str] = {}  # e.g. 'conv2d' -> 'helpers.scratch.conv2d'

    def __getitem__(self, name: str):
        try:
            reply = self.session.reply({"op": "lookup", "name": name})
        except RemoteError as error:
            if error.type_name == "NameError":
                raise KeyError(name) from None
            raise
        where = reply.get("defined_in")
        if isinstance(where, str) and COURSE_CODE.fullmatch(where):
            self.course_code[name] = where
        return from_kernel(reply["value"], self.session)

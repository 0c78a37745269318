"""Grade a class's lab notebooks offline: ``python -m helpers.grade LAB SUBMISSIONS... [--out DIR]``.

For each submitted notebook (a file, or every ``.ipynb`` under a folder) the grader

1. copies it into a fresh temporary folder and works on the copy: a submission is never written to;
2. turns away what is not a notebook, and a notebook for another lab (its metadata
   ``deep_learning_lab.lab``, else a ``# Lab NN`` title);
3. runs it top to bottom in a fresh Jupyter kernel, a child process with a time limit for the
   whole submission, an address-space limit (``RLIMIT_AS``) and a watchdog on the memory of the
   kernel and its children; what the notebook prints is capped;
4. runs the lab's checks (``helpers.checks``) in the grader's own process, which never executes
   the submission's code. When a check calls a learner's function, the call runs in the kernel
   and only plain data comes back (numbers, strings, NumPy arrays, lists, dicts, or a handle to
   an object that stays in the kernel), decoded without pickle. A submission that redefines the
   check functions or patches ``helpers``, NumPy or anything else in its kernel changes nothing
   in the grader; to pass, its functions must return the right values.
5. writes ``grades.csv`` (one row per submission, one column per check, a total; rewritten
   atomically after every submission, so an interrupted run leaves the rows done so far) and one
   feedback file per submission under ``feedback/``.

The grader runs students' code as the user who starts it: it is not a sandbox. See
docs/instructors-grading.md for what it isolates and what it does not.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import hashlib
import io
import json
import math
import os
import queue
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers import checks
from helpers.labs import METADATA_KEY

DEFAULT_TIMEOUT = 300  # seconds per submission: running the notebook and its checks
DEFAULT_MEMORY_MB = 4096  # address space of the kernel (TensorFlow alone reserves about 2 GB)
STARTUP_TIMEOUT = 120  # seconds for a kernel to start (not counted in the time limit)
MAX_OUTPUT_BYTES = 2_000_000  # what a notebook's outputs may hold in the grader's memory
MAX_NOTEBOOK_BYTES = 100_000_000
MAX_REPLY_BYTES = 64_000_000
MIME = "application/x-deep-learning-lab-grader"
HANDLER = "__deep_learning_lab_grader__"
KERNEL_NAME = "deep-learning-lab-grader"

# --- running a notebook in a limited kernel -------------------------------------------------

_KERNEL_LAUNCHER = """\
import os, resource, sys
limit = int(sys.argv.pop(1)) * 1048576
log = os.open(sys.argv.pop(1), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
os.dup2(log, 1)
os.dup2(log, 2)
if limit > 0:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass  # not enforceable here (macOS): the grader's memory watchdog still is
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""


def kernel_environment(profile: str | None = None) -> dict:
    """Environment variables of a grading kernel: offline data, the chosen profile, checks that never raise."""
    return {
        "LAB_PROFILE": profile or os.environ.get("LAB_PROFILE") or "cpu",
        "LAB_OFFLINE": "1",
        "LAB_STRICT": "0",
        "LAB_PROGRESS_FILE": "off",  # a submission's checks must not write to the instructor's progress
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "MALLOC_ARENA_MAX": "2",  # glibc reserves 64 MB of address space per arena otherwise
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@dataclass
class Execution:
    """How a notebook ran: the cells that raised, and whether it timed out, died or ran out of memory."""

    errors: list = field(default_factory=list)  # (cell index, ename, evalue)
    timed_out: int | None = None  # index of the cell running when time ran out
    died: int | None = None  # index of the cell running when the kernel died
    out_of_memory: bool = False
    truncated: bool = False
    peak_mb: float | None = None
    exit_code: int | None = None
    log_tail: str = ""

    @property
    def finished(self) -> bool:
        return self.timed_out is None and self.died is None


class _Watchdog(threading.Thread):
    """Samples the memory of a process and its children; kills them all above a limit."""

    def __init__(self, pid: int, limit_bytes: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.limit, self.interval = pid, limit_bytes, interval
        self.peak = 0
        self.tripped = False
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil comes with the dev extras
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop_event.is_set():
            try:
                family = [root, *root.children(recursive=True)]
                rss = 0
                for process in family:
                    with contextlib.suppress(psutil.Error):
                        rss += process.memory_info().rss
            except psutil.Error:
                return
            self.peak = max(self.peak, rss)
            if self.limit and rss > self.limit:
                self.tripped = True
                for process in family:
                    with contextlib.suppress(psutil.Error):
                        process.kill()
                return
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()


def _output_size(msg: dict) -> int:
    content = msg.get("content", {})
    if "text" in content:
        return len(content["text"])
    return sum(len(str(value)) for value in content.get("data", {}).values()) + 64


class NotebookRun:
    """A notebook in a fresh kernel with limits; the kernel stays up until the context ends (for the checks)."""

    def __init__(self, nb, cwd, *, memory_mb: int = DEFAULT_MEMORY_MB, env: dict | None = None, allow_errors: bool = True):
        self.nb, self.cwd = nb, Path(cwd)
        self.memory_mb = int(memory_mb)
        self.env = {**kernel_environment(), **(env or {})}
        self.allow_errors = allow_errors
        self.execution = Execution()
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> NotebookRun:
        from jupyter_client import AsyncKernelManager
        from jupyter_client.kernelspec import KernelSpecManager
        from nbclient import NotebookClient

        execution = self.execution

        class CappedClient(NotebookClient):
            """nbclient, keeping at most MAX_OUTPUT_BYTES of a notebook's outputs."""

            def output(self, outs, msg, display_id, cell_index):
                if msg["msg_type"] == "error":
                    msg["content"]["traceback"] = msg["content"].get("traceback", [])[-20:]
                    return super().output(outs, msg, display_id, cell_index)
                self.stored_bytes = getattr(self, "stored_bytes", 0) + _output_size(msg)
                if self.stored_bytes <= MAX_OUTPUT_BYTES:
                    return super().output(outs, msg, display_id, cell_index)
                if not execution.truncated:
                    execution.truncated = True
                    outs.append(_stream(f"[the grader dropped the rest of this notebook's output after {MAX_OUTPUT_BYTES:,} bytes]\n"))
                return None

        spec_root = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="dll-kernel-")))
        spec_dir = spec_root / KERNEL_NAME
        spec_dir.mkdir()
        self.log_path = spec_root / "kernel.log"
        argv = [sys.executable, "-c", _KERNEL_LAUNCHER, str(self.memory_mb), str(self.log_path), "-f", "{connection_file}"]
        spec = {"argv": argv, "display_name": "Deep Learning Lab grader", "language": "python", "env": self.env}
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        self.km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_root)]))
        self.client = CappedClient(
            self.nb,
            km=self.km,
            allow_errors=self.allow_errors,
            startup_timeout=STARTUP_TIMEOUT,
            shutdown_kernel="immediate",
            record_timing=False,
            skip_cells_with_tag="",
        )
        try:
            self._stack.enter_context(self.client.setup_kernel(cwd=str(self.cwd), cleanup_kc=True))
        except BaseException:
            self.start_log = self.log_tail()
            self._stack.close()
            raise
        self._stack.callback(self._kill_family)
        self.pid = self.km.provisioner.pid
        self.pgid = getattr(self.km.provisioner, "pgid", None)
        self.watchdog = _Watchdog(self.pid, self.memory_mb * 1048576)
        self.watchdog.start()
        self._stack.callback(self.watchdog.stop)
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def log_tail(self, lines: int = 5) -> str:
        """The last lines the kernel process wrote to its stdout or stderr (outside any cell)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        kept = [line for line in text.splitlines() if line.strip() and "without encryption" not in line]
        return "\n".join(kept[-lines:])[-1000:]

    def alive(self) -> bool:
        process = getattr(self.km.provisioner, "process", None)
        return process is not None and process.poll() is None

    def kill(self) -> None:
        """Kill the kernel and everything it started, now."""
        self._kill_family()

    def _kill_family(self) -> None:
        with contextlib.suppress(Exception):
            import psutil

            for child in psutil.Process(self.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    child.kill()
        if self.pgid and self.pgid != os.getpgid(0):  # the kernel's own session, never the grader's
            with contextlib.suppress(OSError):
                os.killpg(self.pgid, signal.SIGKILL)

    def run_cells(self, deadline: float) -> Execution:
        """Run every code cell in order until the deadline (time.monotonic()); return what happened."""
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        execution, index = self.execution, None
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                execution.timed_out = index
                break
            self.client.timeout = max(1, math.ceil(remaining))
            try:
                self.client.execute_cell(cell, index)
            except CellTimeoutError:
                execution.timed_out = index
            except DeadKernelError:
                execution.died = index
            except CellExecutionError as error:  # only when allow_errors is False
                execution.errors.append((index, getattr(error, "ename", "Error"), getattr(error, "evalue", str(error))))
                break
            execution.errors += [(index, o.get("ename", ""), o.get("evalue", "")) for o in cell.outputs if o.get("output_type") == "error"]
            if self.watchdog.tripped or not execution.finished:
                break
        if self.watchdog.tripped:
            execution.out_of_memory = True
            execution.died = execution.died if execution.died is not None else index
        if any("MemoryError" in ename or "ResourceExhausted" in ename for _, ename, _ in execution.errors):
            execution.out_of_memory = True
        if execution.died is not None:
            process = getattr(self.km.provisioner, "process", None)
            execution.exit_code = process.poll() if process is not None else None
            execution.log_tail = self.log_tail()
        execution.peak_mb = round(self.watchdog.peak / 1048576, 1) if self.watchdog.peak else None
        return execution


def _stream(text: str):
    import nbformat

    return nbformat.v4.new_output("stream", name="stderr", text=text)


def run_notebook(nb, cwd, *, timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB, env=None, allow_errors=True) -> Execution:
    """Run a notebook (in place) in a fresh limited kernel with cwd as its folder; return what happened."""
    with NotebookRun(nb, cwd, memory_mb=memory_mb, env=env, allow_errors=allow_errors) as run:
        return run.run_cells(time.monotonic() + timeout)


# --- calling the learner's code from the grader ---------------------------------------------

_KERNEL_SIDE = '''
def _make_grader_handler():
    import base64, importlib, io, json

    import numpy
    from IPython import get_ipython
    from IPython.display import display

    namespace = get_ipython().user_ns
    objects = {}

    def save(array):
        buffer = io.BytesIO()
        numpy.save(buffer, array, allow_pickle=False)
        return base64.b64encode(buffer.getvalue()).decode("ascii")

    def load(text):
        return numpy.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)

    def encode(value, depth=0):
        if depth > 32:
            raise ValueError("the value is nested too deeply")
        if isinstance(value, numpy.ndarray) and value.dtype != object:
            return {"__ndarray__": save(value)}
        if isinstance(value, numpy.generic) and not isinstance(value, numpy.object_):
            return {"__scalar__": save(numpy.asarray(value))}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, (list, tuple)):
            return {"__list__" if isinstance(value, list) else "__tuple__": [encode(v, depth + 1) for v in value]}
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"__dict__": {k: encode(v, depth + 1) for k, v in value.items()}}
        if type(value).__module__.split(".")[0] in ("tensorflow", "keras", "torch", "jax", "jaxlib") and hasattr(value, "numpy"):
            return encode(numpy.asarray(value.numpy()), depth + 1)
        objects[len(objects) + 1] = value
        return {"__handle__": len(objects), "type": type(value).__name__}

    def decode(value):
        if not isinstance(value, dict):
            return value
        if "__ndarray__" in value:
            return load(value["__ndarray__"])
        if "__scalar__" in value:
            return load(value["__scalar__"])[()]
        if "__list__" in value:
            return [decode(v) for v in value["__list__"]]
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {k: decode(v) for k, v in value["__dict__"].items()}
        if "__handle__" in value:
            return objects[value["__handle__"]]
        if "__ref__" in value:
            module, name = value["__ref__"].split(":")
            return getattr(importlib.import_module(module), name)
        raise ValueError("the grader sent a value it cannot read")

    def handle(text):
        try:
            request = json.loads(text)
            op = request["op"]
            if op == "lookup":
                if request["name"] not in namespace:
                    raise NameError(f"name {request['name']!r} is not defined")
                result = namespace[request["name"]]
            elif op == "call":
                result = objects[request["target"]](*decode(request["args"]), **decode(request["kwargs"]))
            elif op == "getattr":
                result = getattr(objects[request["target"]], request["name"])
            elif op == "setattr":
                result = setattr(objects[request["target"]], request["name"], decode(request["value"]))
            else:
                raise ValueError(f"unknown request {op!r}")
            reply = {"value": encode(result)}
        except BaseException as error:
            reply = {"error": [type(error).__name__, str(error)[:2000]]}
        display({"MIME": json.dumps(reply)}, raw=True)

    return handle


HANDLER = _make_grader_handler()
del _make_grader_handler
'''.replace('"MIME"', json.dumps(MIME)).replace("HANDLER = ", f"{HANDLER} = ")


class RemoteError(Exception):
    """An exception raised by the learner's code in the kernel: its type's name and its message."""

    def __init__(self, type_name: str, message: str):
        super().__init__(message)
        self.type_name = type_name


class RemoteTimeout(checks.StopCheck):
    """The time limit ran out while the learner's code was running."""


class RemoteUnavailable(checks.StopCheck):
    """The kernel is gone (it died, or was stopped at the time limit)."""


def _save(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _load(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


class RemoteObject:
    """A stand-in for an object that lives in the submission's kernel: calls and attributes go there."""

    __slots__ = ("_session", "_handle", "_type")

    def __init__(self, session: RemoteSession, handle: int, type_name: str):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_type", type_name)

    def __call__(self, *args, **kwargs):
        return self._session.request({"op": "call", "target": self._handle, "args": _encode(list(args)), "kwargs": _encode(kwargs)})

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._session.request({"op": "getattr", "target": self._handle, "name": name})

    def __setattr__(self, name: str, value) -> None:
        self._session.request({"op": "setattr", "target": self._handle, "name": name, "value": _encode(value)})

    def __repr__(self) -> str:
        return f"<the submission's {self._type} object>"


def _encode(value, depth: int = 0):
    if depth > 32:
        raise ValueError("the value is nested too deeply")
    if isinstance(value, RemoteObject):
        return {"__handle__": object.__getattribute__(value, "_handle")}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": _save(value)}
    if isinstance(value, np.generic):
        return {"__scalar__": _save(np.asarray(value))}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return {"__list__" if isinstance(value, list) else "__tuple__": [_encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": {str(k): _encode(v, depth + 1) for k, v in value.items()}}
    module, name = getattr(value, "__module__", "") or "", getattr(value, "__qualname__", "")
    if callable(value) and module.startswith("helpers.") and name.isidentifier():
        return {"__ref__": f"{module}:{name}"}
    raise TypeError(f"the grader cannot send a {type(value).__name__} to the submission's kernel")


def _decode(value, session: RemoteSession):
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return _load(value["__ndarray__"])
        if "__scalar__" in value:
            return _load(value["__scalar__"])[()]
        if "__list__" in value:
            return [_decode(v, session) for v in value["__list__"]]
        if "__tuple__" in value:
            return tuple(_decode(v, session) for v in value["__tuple__"])
        if "__dict__" in value:
            return {k: _decode(v, session) for k, v in value["__dict__"].items()}
        if "__handle__" in value:
            return RemoteObject(session, int(value["__handle__"]), str(value.get("type", "object")))
        raise ValueError("the kernel sent a value the grader cannot read")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError("the kernel sent a value the grader cannot read")


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
        payload, error = self._execute(_KERNEL_SIDE)
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
        payload, error = self._execute(f"{HANDLER}({json.dumps(json.dumps(request))})")
        if payload is None:
            kind, message = error or ("GraderError", "the kernel sent no answer")
            raise RemoteError(kind, message)
        if not isinstance(payload, str) or len(payload) > MAX_REPLY_BYTES:
            raise RemoteError("GraderError", "the answer from the kernel is too large")
        reply = json.loads(payload)
        if "error" in reply:
            kind, message = reply["error"]
            if kind == "NotImplementedError":
                raise NotImplementedError(message)
            raise RemoteError(kind, message)
        return _decode(reply["value"], self)


class RemoteNamespace:
    """The names a notebook defined, looked up in its kernel (what ``checks.run_lab`` receives)."""

    def __init__(self, session: RemoteSession):
        self.session = session

    def __getitem__(self, name: str):
        try:
            return self.session.request({"op": "lookup", "name": name})
        except RemoteError as error:
            if error.type_name == "NameError":
                raise KeyError(name) from None
            raise


# --- one submission -------------------------------------------------------------------------


@dataclass
class Submission:
    """A file to grade and the name it goes by in the CSV."""

    name: str
    path: Path


@dataclass
class Row:
    """One submission's grade: a status, the checks' results, and notes for the feedback."""

    submission: str
    status: str = "ok"
    details: str = ""
    results: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    peak_mb: float | None = None
    feedback: str = ""

    @property
    def total(self) -> int:
        return sum(r.all_passed for r in self.results)


def _not_run(lab: str, reason: str) -> list:
    results = []
    for name, _ in checks.LABS[lab]["checks"]:
        function = getattr(checks, name)
        result = checks.CheckResult(name, function.exercise, function.title)
        result.tests.append(checks.Outcome("", False, f"not run: {reason}"))
        results.append(result)
    return results


def _cell_label(nb, index: int) -> str:
    first = next((line.strip() for line in nb.cells[index].source.splitlines() if line.strip()), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    return f"cell {index + 1} (`{first}`)"


def _read_notebook(path: Path):
    """The notebook in a file, or a sentence saying why it is not one."""
    import nbformat

    if not path.exists():
        return None, "file not found"
    if not path.is_file():
        return None, "not a regular file"
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return None, f"the file is {size / 1e6:.0f} MB, more than a notebook should be"
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "not UTF-8 text (a notebook is a JSON text file)"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"invalid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return None, "JSON, but not a notebook (no cells)"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # noqa: BLE001 - nbformat raises several kinds
        message = getattr(error, "message", None) or str(error)
        return None, f"not a valid notebook: {message.splitlines()[0][:200]}"
    return nb, None


def lab_of(nb) -> str | None:
    """The lab a notebook says it is: its metadata, else a '# Lab NN' title; None when it does not say."""
    meta = nb.metadata.get(METADATA_KEY, {})
    if isinstance(meta, dict) and meta.get("lab"):
        return str(meta["lab"])
    for cell in nb.cells[:3]:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s*Lab\s*0*(\d+)\b", cell.source, flags=re.M | re.I)
            if match:
                try:
                    return checks.lab_id(match.group(1))
                except ValueError:
                    return f"lab {match.group(1)}"
    return None


def grade_one(lab: str, submission: Submission, *, timeout: float, memory_mb: int, profile: str) -> Row:
    """Grade one submission (a copy of it, in a fresh temporary folder); never raises for a bad submission."""
    row = Row(submission.name)
    with tempfile.TemporaryDirectory(prefix="dll-grade-") as folder:
        copy = Path(folder) / (submission.path.name or "submission.ipynb")
        if submission.path.is_file():
            shutil.copyfile(submission.path, copy)
        nb, problem = _read_notebook(copy if copy.exists() else submission.path)
        if problem:
            row.status, row.details = "not a notebook", problem
            row.results = _not_run(lab, "this is not a notebook")
            return row
        found = lab_of(nb)
        if found is None:
            row.notes.append(f"The notebook does not say which lab it is (no lab id in its metadata, no '# Lab NN' title); graded as {lab}.")
        elif found != lab:
            row.status, row.details = "wrong lab", f"this notebook is {found}, not {lab}"
            row.results = _not_run(lab, f"this notebook is {found}, not {lab}")
            return row
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        run = NotebookRun(nb, folder, memory_mb=memory_mb, env={"LAB_PROFILE": profile})
        try:
            run.__enter__()
        except Exception as error:  # noqa: BLE001 - e.g. a memory limit too low for Python to start
            row.status, row.details = "kernel died", f"the kernel did not start ({type(error).__name__}: {str(error)[:200]})"
            row.results = _not_run(lab, "the kernel did not start")
            if getattr(run, "start_log", ""):
                row.notes.append("The kernel's last words: " + run.start_log.replace("\n", " | "))
            return row
        try:
            execution = _run_and_check(lab, run, row, time.monotonic() + timeout)
        finally:
            run.__exit__(None, None, None)
        row.peak_mb = round(run.watchdog.peak / 1048576, 1) if run.watchdog.peak else None
        _describe(row, nb, execution, lab, timeout, memory_mb)
    return row


def _run_and_check(lab: str, run: NotebookRun, row: Row, deadline: float) -> Execution:
    """Run the notebook's cells, then (if it finished) the lab's checks against what it defined."""
    execution = run.run_cells(deadline)
    if not execution.finished:
        return execution
    session = None
    try:
        session = RemoteSession(run, deadline)
        row.results = checks.run_lab(lab, RemoteNamespace(session), strict=False, echo=False)
    except checks.StopCheck as why:
        row.results = _not_run(lab, str(why))
    except Exception as error:  # noqa: BLE001 - the kernel may be in any state
        kind = getattr(error, "type_name", type(error).__name__)
        row.results = _not_run(lab, f"the grader could not reach the notebook's definitions ({kind}: {error})")
    finally:
        if session is not None:
            session.close()
    if session is not None and session.stopped:
        if "time limit" in session.stopped:
            execution.timed_out = -1
        else:
            execution.died = -1
        execution.out_of_memory = execution.out_of_memory or run.watchdog.tripped
    return execution


def _describe(row: Row, nb, execution: Execution, lab: str, timeout: float, memory_mb: int) -> None:
    """Set a row's status and details from how its notebook ran."""

    def where(index):
        return "while the checks ran" if index == -1 else f"in {_cell_label(nb, index)}"

    errors = [f"{_cell_label(nb, i)} raised {ename}: {evalue[:300]}" for i, ename, evalue in execution.errors]
    row.notes += errors
    if execution.truncated:
        row.notes.append(f"The notebook printed more than {MAX_OUTPUT_BYTES:,} bytes; the grader kept only the start.")
    if execution.out_of_memory:
        row.status = "out of memory"
        if execution.died is not None:
            row.details = f"the kernel used more than {memory_mb} MB and was stopped {where(execution.died)}"
        else:
            row.details = "; ".join(e for e in errors if "Memory" in e or "ResourceExhausted" in e) or f"a cell ran out of memory ({memory_mb} MB)"
    elif execution.timed_out is not None:
        row.status = "timeout"
        row.details = f"the time limit of {timeout:g} s ran out {where(execution.timed_out)}"
    elif execution.died is not None:
        code = execution.exit_code
        how = f" (exit code {code})" if code is not None and code >= 0 else (f" (signal {-code})" if code else "")
        row.status = "kernel died"
        row.details = f"the kernel stopped{how} {where(execution.died)}"
        if execution.log_tail:
            row.notes.append("The kernel's last words: " + execution.log_tail.replace("\n", " | "))
    elif errors:
        row.status = "cell errors"
        row.details = f"{len(errors)} cell(s) raised an error; first: {errors[0]}"
    if not execution.finished and not row.results:
        row.results = _not_run(lab, f"the notebook did not finish ({row.status}: {row.details})")


# --- the batch ------------------------------------------------------------------------------


def find_submissions(paths) -> tuple[list[Submission], list[str]]:
    """Files to grade (every .ipynb under a folder, any file given by name) and what was skipped."""
    found, skipped = [], []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for item in sorted(path.rglob("*")):
                relative = item.relative_to(path)
                if any(part.startswith(".") or part == "__MACOSX" for part in relative.parts) or not item.is_file():
                    continue
                if item.suffix.lower() == ".ipynb":
                    found.append(Submission(relative.as_posix(), item))
                else:
                    skipped.append(str(item))
        else:
            found.append(Submission(path.name or str(path), path))
    return found, skipped


def safe_name(name: str, taken: set) -> str:
    """A file-system-safe, unique ASCII name derived from a submission's name."""
    stem = re.sub(r"\.ipynb$", "", name, flags=re.I)
    text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")[:80]
    if not slug:
        slug = "submission-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    candidate, number = slug, 2
    while candidate.lower() in taken:
        candidate, number = f"{slug}-{number}", number + 1
    taken.add(candidate.lower())
    return candidate


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _write_atomic(path: Path, write) -> None:
    """Write a file through a temporary sibling and os.replace: readers see the old file or the new one."""
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def write_csv(path: Path, lab: str, rows: list) -> None:
    """grades.csv: one row per submission, one column per check (1 = every test passed), then a total."""
    names = checks.check_names(lab)
    header = ["submission", "status", *names, "total", "out_of", "seconds", "peak_memory_mb", "details", "feedback"]

    def write(out):
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            passed = {r.name: int(r.all_passed) for r in row.results}
            writer.writerow(
                [_cell(row.submission), row.status, *[passed.get(n, 0) for n in names], row.total, len(names)]
                + [f"{row.seconds:.1f}", "" if row.peak_mb is None else f"{row.peak_mb:.0f}", _cell(row.details), _cell(row.feedback)]
            )

    _write_atomic(path, write)


def feedback_text(lab: str, row: Row) -> str:
    """A short feedback file for one submission: what passed, what failed and why."""
    lines = [f"# Feedback: {checks.LABS[lab]['title']}", "", f"Submission: {row.submission}", ""]
    ran = f" How the notebook ran: {row.status} ({row.details})." if row.status != "ok" else ""
    lines.append(f"Result: {row.total} of {len(row.results)} checks passed.{ran}")
    reasons = {t.message for r in row.results for t in r.tests if not t.passed}
    if row.results and all(len(r.tests) == 1 and r.tests[0].message.startswith("not run: ") for r in row.results) and len(reasons) == 1:
        lines += ["", f"None of the checks ran: {reasons.pop().removeprefix('not run: ')}."]
    else:
        passed = [r for r in row.results if r.all_passed]
        failed = [r for r in row.results if not r.all_passed]
        if passed:
            lines += ["", "## What passed", ""] + [f"- {r.summary()}" for r in passed]
        if failed:
            lines += ["", "## What failed, and why"]
            for result in failed:
                lines += ["", f"### {result.summary()}", ""] + [f"- {t.line()}" for t in result.tests]
    if row.notes:
        lines += ["", "## Notes on how the notebook ran", ""] + [f"- {note}" for note in row.notes]
    return "\n".join(lines).rstrip() + "\n"


@contextlib.contextmanager
def _quiet_stderr():
    """Silence file descriptor 2 for a while: TensorFlow's C++ start-up lines ignore TF_CPP_MIN_LOG_LEVEL."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _package_fingerprint() -> dict:
    folder = Path(checks.__file__).parent
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.py"))}


def grade(lab: str, paths, out_dir, *, timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB, profile: str = "cpu", log=print) -> list:
    """Grade every submission found in paths; write grades.csv and feedback/ under out_dir; return the rows."""
    lab = checks.lab_id(lab)
    out_dir = Path(out_dir)
    submissions, skipped = find_submissions(paths)
    if skipped:
        log(f"skipped {len(skipped)} file(s) that are not .ipynb: {', '.join(skipped[:5])}{' ...' if len(skipped) > 5 else ''}")
    (out_dir / "feedback").mkdir(parents=True, exist_ok=True)
    with _quiet_stderr():
        checks.prepare(lab)  # import what the checks need before any submission runs
    fingerprint = _package_fingerprint()
    rows, taken = [], set()
    write_csv(out_dir / "grades.csv", lab, rows)
    for number, submission in enumerate(submissions, 1):
        started = time.monotonic()
        try:
            row = grade_one(lab, submission, timeout=timeout, memory_mb=memory_mb, profile=profile)
        except Exception as error:  # noqa: BLE001 - one bad submission must not stop the batch
            row = Row(submission.name, status="grader error", details=f"{type(error).__name__}: {error}"[:500])
            row.results = _not_run(lab, "the grader failed on this submission")
        row.seconds = time.monotonic() - started
        now = _package_fingerprint()
        if now != fingerprint:
            changed = sorted(name for name in set(now) | set(fingerprint) if now.get(name) != fingerprint.get(name))
            warning = (
                f"WARNING: the helpers package changed on disk while this submission ran ({', '.join(changed)}); "
                "the grade used the copy loaded before grading began: check the package before grading again"
            )
            row.details = f"{row.details}; {warning}" if row.details else warning
            row.notes.append(warning)
            log(f"WARNING: helpers/{', helpers/'.join(changed)} changed on disk while {submission.name} ran")
            fingerprint = now
        row.feedback = f"feedback/{safe_name(submission.name, taken)}.md"
        _write_atomic(out_dir / row.feedback, lambda out, row=row: out.write(feedback_text(lab, row)))
        rows.append(row)
        write_csv(out_dir / "grades.csv", lab, rows)
        log(f"[{number}/{len(submissions)}] {submission.name}: {row.status}, {row.total}/{len(row.results)} checks, {row.seconds:.1f} s")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.grade",
        description="Grade lab notebooks offline: run each in a fresh kernel, then run the lab's checks.",
        epilog="The grader runs students' code as you: it is not a sandbox (docs/instructors-grading.md).",
    )
    parser.add_argument("lab", help=f"the lab: {', '.join(checks.LABS)} (or its number)")
    parser.add_argument("submissions", nargs="+", help="notebook files, or folders holding them")
    parser.add_argument("--out", default=None, help="output folder (default: grading-output/LAB)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per submission (default {DEFAULT_TIMEOUT})")
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB, help=f"kernel memory limit (default {DEFAULT_MEMORY_MB})")
    parser.add_argument(
        "--profile",
        default=os.environ.get("LAB_PROFILE") or "cpu",
        choices=["smoke", "cpu", "gpu"],
        help="LAB_PROFILE the notebooks run in (default: LAB_PROFILE if set, else cpu)",
    )
    args = parser.parse_args(argv)
    try:
        lab = checks.lab_id(args.lab)
    except ValueError as error:
        parser.error(str(error))
    if args.timeout <= 0 or args.memory_mb < 0:
        parser.error("--timeout must be positive and --memory-mb zero (no limit) or positive")
    out_dir = Path(args.out or Path("grading-output") / lab)
    started = time.monotonic()
    rows = grade(lab, args.submissions, out_dir, timeout=args.timeout, memory_mb=args.memory_mb, profile=args.profile)
    if not rows:
        print("no submissions found", file=sys.stderr)
        return 1
    seconds = [row.seconds for row in rows]
    print(
        f"graded {len(rows)} submission(s) in {time.monotonic() - started:.0f} s "
        f"(median {statistics.median(seconds):.1f} s each): {out_dir / 'grades.csv'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

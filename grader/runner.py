"""Running a notebook in a fresh Jupyter kernel: the one notebook runner of the grader and of tools/.

``NotebookRun`` starts a kernel (a child process of this one, in its own process group) with an
address-space limit (``RLIMIT_AS``, Linux) and a watchdog on the memory of the kernel and its
children, runs the cells against a deadline, caps what the notebook's outputs may hold, and
kills the kernel and everything it started at the end. Its defaults are the grader's; with
``memory_mb=0`` and no output cap it runs a notebook as a learner's kernel would
(``tools/run_notebook.py``, behind ``make outputs`` and ``make bench``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TIMEOUT = 300  # seconds per submission: running the notebook and its checks
DEFAULT_MEMORY_MB = 4096  # address space of the kernel (TensorFlow alone reserves about 2 GB)
STARTUP_TIMEOUT = 120  # seconds for a kernel to start (not counted in the time limit)
MAX_OUTPUT_BYTES = 2_000_000  # what a notebook's outputs may hold in the grader's memory
KERNEL_NAME = "deep-learning-lab-grader"

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
    """Samples the memory of a process and its children; kills them all above a limit (0: only measures)."""

    def __init__(self, pid: int, limit_bytes: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.limit, self.interval = pid, limit_bytes, interval
        self.peak = 0
        self.tripped = False
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil comes with the grader's extra
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


def _stream(text: str):
    import nbformat

    return nbformat.v4.new_output("stream", name="stderr", text=text)


class NotebookRun:
    """A notebook in a fresh kernel with limits; the kernel stays up until the context ends (for the checks).

    env: the kernel's environment variables on top of this process's (None: ``kernel_environment()``).
    memory_mb: the kernel's memory limit, 0 for none. max_output_bytes: what the notebook's outputs
    may hold, None for no cap. record_timing: store nbclient's timings in each cell's metadata.
    """

    def __init__(
        self,
        nb,
        cwd,
        *,
        memory_mb: int = DEFAULT_MEMORY_MB,
        env: dict | None = None,
        allow_errors: bool = True,
        max_output_bytes: int | None = MAX_OUTPUT_BYTES,
        record_timing: bool = False,
    ):
        self.nb, self.cwd = nb, Path(cwd)
        self.memory_mb = int(memory_mb)
        self.env = kernel_environment() if env is None else dict(env)
        self.allow_errors, self.max_output_bytes, self.record_timing = allow_errors, max_output_bytes, record_timing
        self.execution = Execution()
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> NotebookRun:
        from jupyter_client import AsyncKernelManager
        from jupyter_client.kernelspec import KernelSpecManager
        from nbclient import NotebookClient

        execution, cap = self.execution, self.max_output_bytes

        class CappedClient(NotebookClient):
            """nbclient, keeping at most ``cap`` bytes of a notebook's outputs."""

            def output(self, outs, msg, display_id, cell_index):
                if msg["msg_type"] == "error":
                    msg["content"]["traceback"] = msg["content"].get("traceback", [])[-20:]
                    return super().output(outs, msg, display_id, cell_index)
                self.stored_bytes = getattr(self, "stored_bytes", 0) + _output_size(msg)
                if cap is None or self.stored_bytes <= cap:
                    return super().output(outs, msg, display_id, cell_index)
                if not execution.truncated:
                    execution.truncated = True
                    outs.append(_stream(f"[the grader dropped the rest of this notebook's output after {cap:,} bytes]\n"))
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
            record_timing=self.record_timing,
            skip_cells_with_tag="",
        )
        self.client.comm_open_handlers = {}  # nbclient's Output-widget emulation can deadlock mid-cell (nbclient issue 312)
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

    def store_metadata(self) -> None:
        """Write the kernel's language_info and the widgets' state into the notebook, as ``nbclient`` does after a run."""
        reply = self.client.wait_for_reply(self.client.kc.kernel_info())
        if reply is not None and "language_info" in reply["content"]:
            self.nb.metadata["language_info"] = reply["content"]["language_info"]
        self.client.set_widgets_metadata()


def run_notebook(nb, cwd, *, timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB, env=None, allow_errors=True) -> Execution:
    """Run a notebook (in place) in a fresh limited kernel with cwd as its folder; return what happened."""
    with NotebookRun(nb, cwd, memory_mb=memory_mb, env=env, allow_errors=allow_errors) as run:
        return run.run_cells(time.monotonic() + timeout)

"""Grading a batch: find the submissions, grade each one in a fresh kernel, keep the reports up to date.

For each submission the grader copies it into a fresh temporary folder (a submission is never
written to), turns away what is not a notebook and a notebook for another lab, runs it in a
limited kernel (``grader.runner``), then runs the lab's checks in this process against what the
notebook defined (``grader.remote``), and writes its row and feedback (``grader.report``), with a
note for each name the checks used that is the course's own code (``from helpers.scratch import conv2d``).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import helpers
from grader import report
from grader.remote import RemoteNamespace, RemoteSession
from grader.runner import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, MAX_OUTPUT_BYTES, Execution, NotebookRun, kernel_environment
from helpers import checks
from helpers.course import METADATA_KEY
from helpers.settings import quiet_stderr

MAX_NOTEBOOK_BYTES = 100_000_000
CODE = (Path(helpers.__file__).parent, Path(__file__).parent)  # helpers/ and grader/: fingerprinted around every submission


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
    course_code: dict = field(default_factory=dict)  # e.g. 'conv2d' -> 'helpers.scratch.conv2d'
    seconds: float = 0.0
    peak_mb: float | None = None
    feedback: str = ""

    @property
    def total(self) -> int:
        return sum(r.all_passed for r in self.results)


def not_run(lab: str, reason: str) -> list:
    """One failed result per check of the lab, each saying why it did not run."""
    results = []
    for function in checks.lab_checks(lab):
        result = checks.CheckResult(function.__name__, function.exercise, function.title)
        result.tests.append(checks.Outcome("", False, f"not run: {reason}"))
        results.append(result)
    return results


def _cell_label(nb, index: int) -> str:
    first = next((line.strip() for line in nb.cells[index].source.splitlines() if line.strip()), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    return f"cell {index + 1} (`{first}`)"


def read_notebook(path: Path):
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
        nb, problem = read_notebook(copy if copy.exists() else submission.path)
        if problem:
            row.status, row.details = "not a notebook", problem
            row.results = not_run(lab, "this is not a notebook")
            return row
        found = lab_of(nb)
        if found is None:
            row.notes.append(f"The notebook does not say which lab it is (no lab id in its metadata, no '# Lab NN' title); graded as {lab}.")
        elif found != lab:
            row.status, row.details = "wrong lab", f"this notebook is {found}, not {lab}"
            row.results = not_run(lab, f"this notebook is {found}, not {lab}")
            return row
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        run = NotebookRun(nb, folder, memory_mb=memory_mb, env=kernel_environment(profile))
        try:
            run.__enter__()
        except Exception as error:  # noqa: BLE001 - e.g. a memory limit too low for Python to start
            row.status, row.details = "kernel died", f"the kernel did not start ({type(error).__name__}: {str(error)[:200]})"
            row.results = not_run(lab, "the kernel did not start")
            if getattr(run, "start_log", ""):
                row.notes.append("The kernel's last words: " + run.start_log.replace("\n", " | "))
            return row
        try:
            execution = _run_and_check(lab, run, row, time.monotonic() + timeout)
        finally:
            run.__exit__(None, None, None)
        row.peak_mb = round(run.watchdog.peak / 1048576, 1) if run.watchdog.peak else None
        _describe(row, nb, execution, lab, timeout, memory_mb)
        _note_course_code(row)
    return row


def _run_and_check(lab: str, run: NotebookRun, row: Row, deadline: float) -> Execution:
    """Run the notebook's cells, then (if it finished) the lab's checks against what it defined."""
    execution = run.run_cells(deadline)
    if not execution.finished:
        return execution
    session = None
    try:
        session = RemoteSession(run, deadline)
        namespace = RemoteNamespace(session)
        row.course_code = namespace.course_code  # filled as the checks look names up
        row.results = checks.run_lab(lab, namespace, strict=False, echo=False, record=False)
    except checks.StopCheck as why:
        row.results = not_run(lab, str(why))
    except Exception as error:  # noqa: BLE001 - the kernel may be in any state
        kind = getattr(error, "type_name", type(error).__name__)
        row.results = not_run(lab, f"the grader could not reach the notebook's definitions ({kind}: {error})")
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


def _add_detail(row: Row, text: str) -> None:
    row.details = f"{row.details}; {text}" if row.details else text


def _note_course_code(row: Row) -> None:
    """Say which names the checks used are the course's own functions or classes; the results stand, the instructor judges."""
    for name, where in row.course_code.items():
        row.notes.append(f"`{name}` is {where}, the course's own code, not the learner's.")
        _add_detail(row, f"{name} is {where}, the course's own code, not the learner's")


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
        row.results = not_run(lab, f"the notebook did not finish ({row.status}: {row.details})")


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


def package_fingerprint() -> dict:
    """A digest of every .py file of the helpers and grader packages, by its path ('helpers/checks/lab01.py')."""
    return {
        f"{folder.name}/{p.relative_to(folder).as_posix()}": hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in CODE
        for p in sorted(folder.rglob("*.py"))
    }


def grade(lab: str, paths, out_dir, *, timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB, profile: str = "cpu", log=print) -> list:
    """Grade every submission found in paths; write grades.csv and feedback/ under out_dir; return the rows."""
    lab = checks.lab_id(lab)
    out_dir = Path(out_dir)
    submissions, skipped = find_submissions(paths)
    if skipped:
        log(f"skipped {len(skipped)} file(s) that are not .ipynb: {', '.join(skipped[:5])}{' ...' if len(skipped) > 5 else ''}")
    (out_dir / "feedback").mkdir(parents=True, exist_ok=True)
    with quiet_stderr():
        checks.prepare(lab)  # import what the checks need before any submission runs
    fingerprint = package_fingerprint()
    rows, taken = [], set()
    report.write_csv(out_dir / "grades.csv", lab, rows)
    for number, submission in enumerate(submissions, 1):
        started = time.monotonic()
        try:
            row = grade_one(lab, submission, timeout=timeout, memory_mb=memory_mb, profile=profile)
        except Exception as error:  # noqa: BLE001 - one bad submission must not stop the batch
            row = Row(submission.name, status="grader error", details=f"{type(error).__name__}: {error}"[:500])
            row.results = not_run(lab, "the grader failed on this submission")
        row.seconds = time.monotonic() - started
        now = package_fingerprint()
        if now != fingerprint:
            changed = sorted(name for name in set(now) | set(fingerprint) if now.get(name) != fingerprint.get(name))
            warning = (
                f"WARNING: the course's code changed on disk while this submission ran ({', '.join(changed)}); "
                "the grade used the copy loaded before grading began: check helpers/ and grader/ before grading again"
            )
            _add_detail(row, warning)
            row.notes.append(warning)
            log(f"WARNING: {', '.join(changed)} changed on disk while {submission.name} ran")
            fingerprint = now
        row.feedback = f"feedback/{report.safe_name(submission.name, taken)}.md"
        report.write_feedback(out_dir / row.feedback, lab, row)
        rows.append(row)
        report.write_csv(out_dir / "grades.csv", lab, rows)
        log(f"[{number}/{len(submissions)}] {submission.name}: {row.status}, {row.total}/{len(row.results)} checks, {row.seconds:.1f} s")
    return rows

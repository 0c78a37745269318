"""The grader's reports: grades.csv (one row per submission) and one feedback file per submission.

Both are written through ``helpers.files.write_atomic`` (a temporary sibling, fsync, rename): an
interrupted run leaves complete files, never half of one.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from pathlib import Path

from helpers import checks, course
from helpers.files import write_atomic


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


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet will not read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


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
                [csv_cell(row.submission), row.status, *[passed.get(n, 0) for n in names], row.total, len(names)]
                + [f"{row.seconds:.1f}", "" if row.peak_mb is None else f"{row.peak_mb:.0f}", csv_cell(row.details), csv_cell(row.feedback)]
            )

    write_atomic(path, write, fsync=True)


def feedback_text(lab: str, row) -> str:
    """A short feedback file for one submission: what passed, what failed and why."""
    lines = [f"# Feedback: {course.LABS[lab]}", "", f"Submission: {row.submission}", ""]
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


def write_feedback(path: Path, lab: str, row) -> None:
    """One submission's feedback file (feedback/<safe name>.md)."""
    write_atomic(path, lambda out: out.write(feedback_text(lab, row)), fsync=True)

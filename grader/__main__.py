"""The grader's command line: ``python -m grader LAB SUBMISSIONS... [--out DIR] [--timeout S] [--memory-mb MB] [--profile P]``."""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

from grader.batch import grade
from grader.runner import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from helpers import checks, course

NEEDS = ("nbclient", "jupyter_client", "nbformat", "psutil")  # the grader's extra in pyproject.toml


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade lab notebooks offline: run each in a fresh kernel, then run the lab's checks.",
        epilog="The grader runs students' code as you: it is not a sandbox (docs/instructors-grading.md).",
    )
    parser.add_argument("lab", help=f"the lab: {', '.join(course.LABS)} (or its number)")
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
    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        parser.error(f"the grader needs {', '.join(missing)}: install its extra, pip install -e \".[grader]\"")
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

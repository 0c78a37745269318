"""Benchmark the grader: make N lab 02 submissions, grade them, report wall time and peak memory.

    python tools/bench_grade.py                 # 30 submissions, default grader settings
    python tools/bench_grade.py -n 6 --profile smoke --write ""   # a quick look, nothing written

The submissions are the lab's solution, some with a bug put in (a mean instead of a sum in
Dense.backward, a step uphill in train_step), and some unfinished (the student notebook). Memory
is sampled every 0.2 s over the grader's whole process tree (the grader and the kernel it runs).
The result goes to benchmarks/grading.md.
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
LAB = "lab02_backprop_from_scratch"
BUGS = {
    "db averaged": ("self.db = d_out.sum(axis=0)", "self.db = d_out.mean(axis=0)"),
    "steps uphill": ("layer.W -= lr * layer.dW", "layer.W += lr * layer.dW"),
}


def make_submissions(folder: Path, count: int) -> None:
    solution = nbformat.read(ROOT / "labs" / "source" / f"{LAB}.ipynb", as_version=4)
    student = nbformat.read(ROOT / "labs" / f"{LAB}.ipynb", as_version=4)
    kinds = ["correct", "correct", "db averaged", "steps uphill", "unfinished"]
    for number in range(count):
        kind = kinds[number % len(kinds)]
        nb = copy.deepcopy(student if kind == "unfinished" else solution)
        if kind in BUGS:
            old, new = BUGS[kind]
            for cell in nb.cells:
                cell.source = cell.source.replace(old, new)
        nbformat.write(nb, folder / f"student {number + 1:02d} ({kind}).ipynb")


class Sampler(threading.Thread):
    """Peak summed RSS of a process and all its descendants, and of the process alone."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_tree = self.peak_root = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                root_rss = self.root.memory_info().rss
                tree = root_rss
                for child in self.root.children(recursive=True):
                    try:
                        tree += child.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                return
            self.peak_tree, self.peak_root = max(self.peak_tree, tree), max(self.peak_root, root_rss)
            self.done.wait(self.interval)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="number of submissions (default 30)")
    parser.add_argument("--profile", default="cpu", help="LAB_PROFILE the kernels run in (the grader's default: cpu)")
    parser.add_argument("--write", default="benchmarks/grading.md", help="markdown file for the result ('' for none)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        folder, out = Path(tmp) / "submissions", Path(tmp) / "out"
        folder.mkdir()
        make_submissions(folder, args.n)
        command = [sys.executable, "-m", "grader", LAB, str(folder), "--out", str(out), "--profile", args.profile]
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sampler = Sampler(process.pid)
        sampler.start()
        log, _ = process.communicate()
        wall = time.monotonic() - started
        load_after = os.getloadavg()[0]
        sampler.done.set()
        if process.returncode != 0:
            print(log)
            return process.returncode
        with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    seconds = [float(r["seconds"]) for r in rows]
    kernels = [float(r["peak_memory_mb"]) for r in rows if r["peak_memory_mb"]]
    statuses = {s: sum(r["status"] == s for r in rows) for s in sorted({r["status"] for r in rows})}
    totals = sorted({r["total"] for r in rows})
    mb = 1 / 1048576
    lines = [
        "# Grading benchmark",
        "",
        f"`python tools/bench_grade.py -n {args.n} --profile {args.profile}`, run on {time.strftime('%Y-%m-%d')}:",
        f"{len(rows)} submissions of `{LAB}` (solution, two kinds of bug, unfinished), graded one after another",
        f"with the grader's defaults (time limit 300 s, memory limit 4096 MB per kernel, profile {args.profile}).",
        "",
        f"- Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPU cores "
        f"(shared with other work: load average {load_before:.1f} at the start, {load_after:.1f} at the end), "
        f"{psutil.virtual_memory().total * mb / 1024:.0f} GB of memory.",
        f"- Wall time: {wall:.0f} s for {len(rows)} submissions ({wall / len(rows):.1f} s each on average).",
        f"- Per submission (from grades.csv): median {statistics.median(seconds):.1f} s, "
        f"min {min(seconds):.1f} s, max {max(seconds):.1f} s.",
        f"- Peak memory, grader and kernel together: {sampler.peak_tree * mb:.0f} MB "
        f"(grader process alone: {sampler.peak_root * mb:.0f} MB; largest kernel: {max(kernels):.0f} MB).",
        f"- Statuses: {statuses}; totals seen: {', '.join(totals)} of 6.",
        "",
        "Most of a submission's time is the notebook running in its kernel (importing TensorFlow, which",
        "lab 02's in-notebook checks use, then training); the grader's own checks take about a second,",
        "and starting and stopping the kernel a few more.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        target = ROOT / args.write
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

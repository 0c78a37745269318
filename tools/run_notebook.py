"""Execute one notebook in a fresh kernel and print a JSON line: wall seconds, kernel peak memory, errors.

    python tools/run_notebook.py NOTEBOOK [--inplace] [--timeout SECONDS]

The profile comes from LAB_PROFILE as usual; the timeout is for the whole notebook. The kernel is
the grader's (grader.runner), without its memory limit, output cap or grading environment: the
notebook runs as in a learner's kernel, and stops at the first cell that raises. Used by
tools/outputs.py and tools/bench.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from grader.runner import NotebookRun

MACHINE_PATH = re.compile(r"(/root/|/tmp/|/home/[^/\s]+/|/mnt/|/work/|\S*site-packages/)\S*")


def tidy(nb) -> None:
    """Drop stderr streams (TensorFlow's logs) and machine paths from stored outputs."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            if output.get("output_type") == "stream":
                output["text"] = MACHINE_PATH.sub("<path>", output["text"])
            kept.append(output)
        cell.outputs = kept


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path, help="the .ipynb file to run")
    parser.add_argument("--inplace", action="store_true", help="store the outputs in the notebook when it runs without error")
    parser.add_argument("--timeout", type=int, default=900, help="seconds for the whole notebook (default 900)")
    args = parser.parse_args(argv)
    path, inplace, timeout = args.notebook, args.inplace, args.timeout
    if path.suffix != ".ipynb" or not path.is_file():
        parser.error(f"{path} is not a notebook file (expected an existing .ipynb)")
    nb = nbformat.read(path, as_version=4)
    # a fresh progress file per run: stored outputs show a new learner's view, and yours is untouched
    env = {"LAB_PROGRESS_FILE": os.path.join(tempfile.mkdtemp(prefix="lab-progress-"), "progress.json")}
    start = time.perf_counter()
    with NotebookRun(nb, path.parent, memory_mb=0, env=env, allow_errors=False, max_output_bytes=None, record_timing=True) as run:
        execution = run.run_cells(time.monotonic() + timeout)
        if execution.finished and not execution.errors:
            run.store_metadata()
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    error = None
    if execution.errors:
        index, ename, evalue = execution.errors[0]
        error = f"cell {index + 1}: {ename}: {evalue}"[:300]
    elif execution.timed_out is not None:
        error = f"the time limit of {timeout} s ran out in cell {execution.timed_out + 1}"
    elif execution.died is not None:
        error = f"the kernel died in cell {execution.died + 1} (exit code {execution.exit_code}): {execution.log_tail[-200:]}"
    if inplace and error is None:
        tidy(nb)
        nbformat.write(nb, path)
    print(json.dumps({"notebook": path.name, "wall_s": round(wall, 2), "peak_mb": round(peak_mb, 1), "error": error}))
    return 1 if error else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

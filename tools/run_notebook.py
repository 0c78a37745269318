"""Execute one notebook in a fresh kernel and print a JSON line: wall seconds, kernel peak memory, errors.

    python tools/run_notebook.py NOTEBOOK [--inplace] [--timeout SECONDS]

The profile comes from LAB_PROFILE as usual. Used by tools/outputs.py and tools/bench.py.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

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
    path = Path(argv[0])
    inplace = "--inplace" in argv
    timeout = int(argv[argv.index("--timeout") + 1]) if "--timeout" in argv else 900
    nb = nbformat.read(path, as_version=4)
    # a fresh progress file per run: stored outputs show a new learner's view, and yours is untouched
    os.environ["LAB_PROGRESS_FILE"] = os.path.join(tempfile.mkdtemp(prefix="lab-progress-"), "progress.json")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.comm_open_handlers = {}  # nbclient's Output-widget emulation can deadlock mid-cell (nbclient issue 312)
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        error = str(exc).strip().splitlines()[-1][:300]
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if inplace and error is None:
        tidy(nb)
        nbformat.write(nb, path)
    print(json.dumps({"notebook": path.name, "wall_s": round(wall, 2), "peak_mb": round(peak_mb, 1), "error": error}))
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

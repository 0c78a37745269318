"""Re-run notebooks in the cpu profile and store their outputs: `make outputs` (what a Binder learner sees).

    python tools/outputs.py notebooks/*.ipynb

Outputs are stored only when the whole notebook ran without error. Downloads are off (LAB_OFFLINE=1),
so stand-ins are used, except for data an operating-system package installed: the stored outputs
of 08 show the real Fashion-MNIST from Debian's dataset-fashion-mnist (install it first, as CI does).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(paths: list[str]) -> int:
    env = dict(os.environ, LAB_PROFILE=os.environ.get("LAB_PROFILE", "cpu"), LAB_OFFLINE="1", MPLBACKEND="module://matplotlib_inline.backend_inline")
    failed = []
    for path in paths:
        result = subprocess.run([sys.executable, str(HERE / "run_notebook.py"), path, "--inplace"], env=env, capture_output=True, text=True)
        print(result.stdout.strip() or result.stderr.strip()[-500:])
        if not result.returncode and "Offline stand-in" in Path(path).read_text(encoding="utf-8"):
            print(f"  note: {path}'s stored outputs use an offline stand-in")
        if result.returncode:
            failed.append(path)
    if failed:
        print("outputs NOT stored for:", *failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Time each notebook and measure its kernel's peak memory: `make bench PROFILE=cpu RUNS=3`.

    python tools/bench.py --profile cpu --runs 3 notebooks/*.ipynb

Each run executes the notebook in a fresh kernel (TensorFlow's import included). The table of
medians is written to benchmarks/notebooks-<profile>.md with the machine named, and the budgets
of the profile are marked. Numbers, not assertions: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUDGETS = {"smoke": (60, None), "cpu": (300, 2048), "gpu": (None, None)}  # seconds, MB


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    load = f", load average {os.getloadavg()[0]:.1f} at the end" if hasattr(os, "getloadavg") else ""
    return f"{cpu}, {os.cpu_count()} cores{load}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def run_once(path: str, profile: str) -> dict:
    env = dict(os.environ, LAB_PROFILE=profile, LAB_OFFLINE="1", MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, str(HERE / "run_notebook.py"), path], env=env, capture_output=True, text=True)
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"notebook": Path(path).name, "wall_s": float("nan"), "peak_mb": float("nan"), "error": result.stderr[-300:]}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke", choices=list(BUDGETS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=None, help="markdown file to write (default benchmarks/notebooks-PROFILE.md)")
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)
    max_s, max_mb = BUDGETS[args.profile]
    rows = []
    for path in args.notebooks:
        runs = [run_once(path, args.profile) for _ in range(args.runs)]
        walls = [r["wall_s"] for r in runs]
        peaks = [r["peak_mb"] for r in runs]
        errors = [r["error"] for r in runs if r["error"]]
        median_s, median_mb = statistics.median(walls), statistics.median(peaks)
        ok = not errors and (max_s is None or median_s <= max_s) and (max_mb is None or max(peaks) <= max_mb)
        rows.append((Path(path).name, median_s, min(walls), max(walls), median_mb, max(peaks), "yes" if ok else "NO", errors[:1]))
        print(f"{rows[-1][0]}: median {median_s:.1f} s (runs {', '.join(f'{w:.1f}' for w in walls)}), peak {max(peaks):.0f} MB {'ERROR ' + errors[0] if errors else ''}", flush=True)
    budget = ", ".join(filter(None, [f"at most {max_s} s" if max_s else "", f"at most {max_mb} MB" if max_mb else ""])) or "none"
    lines = [
        f"# Notebook benchmark: profile `{args.profile}`",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `make bench PROFILE={args.profile} RUNS={args.runs}` on: {machine()}.",
        f"Each run starts a fresh kernel (TensorFlow's import included). Budget per notebook: {budget}.",
        "Wall time is the median of the runs (min and max beside it); memory is the kernel's peak resident set.",
        "",
        "| notebook | median wall (s) | min | max | median peak (MB) | max peak (MB) | within budget |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, median_s, lo, hi, median_mb, peak_mb, ok, errors in rows:
        lines.append(f"| {name} | {median_s:.1f} | {lo:.1f} | {hi:.1f} | {median_mb:.0f} | {peak_mb:.0f} | {ok}{' (error)' if errors else ''} |")
    total = sum(r[1] for r in rows)
    lines += ["", f"Sum of medians: {total:.0f} s for {len(rows)} notebooks."]
    out = Path(args.out) if args.out else ROOT / "benchmarks" / f"notebooks-{args.profile}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0 if all(r[6] == "yes" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A learner's progress through the course: which notebooks passed their closing checks, which lab checks pass.

Each notebook's last cell calls ``progress.done(name)`` once its assertions hold; every lab check
that runs in a learner's notebook records whether it passed (``record_check``, with the names of
the lab's checks, so this module needs nothing from ``helpers.checks``). Both go to one small JSON file,
``~/.local/share/deep-learning-lab/progress.json`` (``LAB_PROGRESS_FILE`` moves it; set it to
``off`` to record nothing). ``show()``, in the landing notebook, prints the whole course with a
mark against each notebook and lab.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from helpers.course import LABS, NOTEBOOKS
from helpers.files import write_atomic

VERSION = 1


def progress_file() -> Path | None:
    """Where progress is kept, or None when recording is off (``LAB_PROGRESS_FILE=off``)."""
    chosen = os.environ.get("LAB_PROGRESS_FILE", "").strip()
    if chosen.lower() in {"off", "0", "none"}:
        return None
    if chosen:
        return Path(chosen).expanduser()
    return Path.home() / ".local" / "share" / "deep-learning-lab" / "progress.json"


def _empty() -> dict:
    return {"version": VERSION, "notebooks": {}, "labs": {}, "check_names": {}}


def load() -> dict:
    """Read the progress file; a missing one is empty progress, a corrupt one is set aside (kept) and restarted."""
    path = progress_file()
    if path is None or not path.exists():
        return _empty()
    try:
        state = json.loads(path.read_text())
        if not isinstance(state, dict) or not isinstance(state.get("notebooks"), dict) or not isinstance(state.get("labs"), dict):
            raise ValueError("expected an object with 'notebooks' and 'labs'")
        if not isinstance(state.setdefault("check_names", {}), dict):  # absent from a file written before it
            raise ValueError("expected 'check_names' to be an object")
        return state
    except (ValueError, OSError) as error:
        aside = path.with_name(path.name + ".corrupt")
        try:
            os.replace(path, aside)
            kept = f"it was kept as {aside.name}"
        except OSError:
            kept = "it was left where it is"
        print(f"Your progress file {path} could not be read ({error}); {kept} and progress starts afresh.")
        return _empty()


def _save(state: dict) -> None:
    """Write progress atomically; a folder that cannot be written is reported, never raised (a check must not fail on it)."""
    path = progress_file()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda out: json.dump(state, out, indent=1, sort_keys=True))
    except OSError as error:
        print(f"(progress not saved: {error})")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def done(notebook: str) -> None:
    """Record that a notebook ran to its end with every closing check passing, and say so."""
    if notebook not in NOTEBOOKS:
        known = ", ".join(NOTEBOOKS)
        raise ValueError(f"unknown notebook {notebook!r}; expected one of: {known}.")
    from helpers import settings

    state = load()
    state["notebooks"][notebook] = {"passed": _now(), "profile": settings.profile()}
    _save(state)
    print(f"All checks passed. {notebook} is marked done in your progress (00_start_here shows the course).")


def record_check(lab: str, check: str, passed: bool, names: list[str]) -> None:
    """Record a lab check's latest result against the lab's current check names (a check calls this when record=True).

    A recorded check whose name is no longer in names (renamed or removed) is dropped: it stops counting.
    """
    if lab not in LABS:
        raise ValueError(f"unknown lab {lab!r}; expected one of: {', '.join(LABS)}.")
    if not isinstance(names, (list, tuple)) or not all(isinstance(name, str) for name in names) or check not in names:
        raise ValueError(f"names are the names of {lab}'s checks, a list that holds {check!r}; got {names!r}.")
    if progress_file() is None:
        return
    state = load()
    results = {name: entry for name, entry in state["labs"].get(lab, {}).items() if name in names}
    results[check] = {"passed": bool(passed), "at": _now()}
    state["labs"][lab] = results
    state["check_names"][lab] = list(names)
    _save(state)


def rows() -> list[dict]:
    """One row per notebook and lab, in course order, with its state."""
    state = load()
    table = []
    for name in NOTEBOOKS:
        entry = state["notebooks"].get(name)
        mark = f"done {entry['passed']} ({entry['profile']} profile)" if entry else "not yet"
        table.append({"item": name, "kind": "notebook", "state": mark, "done": bool(entry)})
    for lab in LABS:
        entries = list(state["labs"].get(lab, {}).values())
        passed = sum(1 for entry in entries if entry.get("passed"))
        names = state["check_names"].get(lab)
        out_of = len(names) if names else max([entry.get("out_of", 0) for entry in entries] + [len(entries)])  # a file from before check_names
        mark = f"{passed} of {out_of} checks pass" if entries else "not started"
        table.append({"item": lab, "kind": "lab", "state": mark, "done": bool(entries) and passed >= out_of})
    return table


def summary() -> str:
    """The progress table as text: a mark, the notebook or lab, and its state."""
    table = rows()
    lines = [f"{'[x]' if row['done'] else '[ ]'} {row['item']:<40} {row['state']}" for row in table]
    finished = sum(row["done"] for row in table)
    off = " Recording is off (LAB_PROGRESS_FILE=off)." if progress_file() is None else ""
    lines.append(f"{finished} of {len(table)} done.{off}")
    return "\n".join(lines)


def show() -> None:
    """Print the progress table (for the landing notebook)."""
    print(summary())


def reset() -> None:
    """Start afresh: the old progress file is kept beside the new one as ``.old``."""
    path = progress_file()
    if path is not None and path.exists():
        os.replace(path, path.with_name(path.name + ".old"))
        print(f"Progress reset; the previous file is kept as {path.name}.old.")

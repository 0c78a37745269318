"""Writing a file so that a crash never leaves half of it: the one atomic write the course uses.

Progress, downloaded datasets and the grader's reports all go through ``write_atomic``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path, write: Callable, *, binary: bool = False, fsync: bool = False) -> Path:
    """Call ``write(handle)`` on a temporary sibling of path, then move it over path in one step.

    Readers see the old file or the new one, never a part. When ``write`` raises, path is left as
    it was and the partial file is removed; the exception goes on to the caller.
    """
    path = Path(path)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        mode = "wb" if binary else "w"
        options = {} if binary else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(handle, mode, **options) as out:
            write(out)
            if fsync:
                out.flush()
                os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return path

"""Test-suite settings: the smoke profile, offline data, and nbval's comparison rules."""

import os

os.environ.setdefault("LAB_PROFILE", "smoke")
os.environ["LAB_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
if "LAB_PROGRESS_FILE" not in os.environ:  # never write to the learner's own progress from the tests
    import tempfile

    os.environ["LAB_PROGRESS_FILE"] = os.path.join(tempfile.mkdtemp(prefix="lab-progress-"), "progress.json")


def pytest_collectstart(collector):
    """Never compare stderr of notebook cells: TensorFlow's log lines differ by how a kernel runs."""
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)

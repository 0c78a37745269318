"""Test-suite settings: the smoke profile, offline data, and nbval's comparison rules."""

import os

os.environ.setdefault("LAB_PROFILE", "smoke")
os.environ["LAB_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collectstart(collector):
    """Never compare stderr of notebook cells: TensorFlow's log lines differ by how a kernel runs."""
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)

"""The repository URL is written once (helpers/course.py); README, badges and docs follow it."""

import re
import subprocess
import sys
from pathlib import Path

from helpers import course

ROOT = Path(__file__).resolve().parents[1]


def test_readme_badge_and_clone_url_come_from_course():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert course.binder_badge() in readme
    assert f"git clone {course.REPO_URL}" in readme
    others = set(re.findall(r"github\.com/([\w.-]+/[\w.-]+)", readme)) - {course.REPO}
    assert not others, f"README names another repository: {others}"


def test_every_notebook_header_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "stamp.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_install_cell_installs_from_the_one_url():
    cell = course.install_cell()
    assert f"git+{course.REPO_URL}@{course.BRANCH}" in cell
    assert 'find_spec("helpers") is None' in cell
    compile(cell, "<install cell>", "exec")


def test_colab_badge_points_at_the_notebook():
    badge = course.colab_badge("notebooks/01_single_neuron.ipynb")
    assert badge.endswith(f"(https://colab.research.google.com/github/{course.REPO}/blob/{course.BRANCH}/notebooks/01_single_neuron.ipynb)")

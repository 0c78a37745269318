"""A learner in a real browser: JupyterLab on 127.0.0.1 driven by Debian's chromium through Playwright.

Skipped when chromium or Playwright is missing on a learner's machine; CI (CI=true) installs both
(.ci/run) and a missing one there is a failure, not a skip. Screenshots go to screenshots/ (ignored by git).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"]

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None

MISSING = not CHROMIUM or sync_playwright is None
if MISSING and os.environ.get("CI"):
    pytest.fail("CI must run the browser tests: chromium or playwright is missing (see .ci/run)", pytrace=False)

# skipped test by test, not the whole module, so that `make browser` collects them and passes where they cannot run
pytestmark = [pytest.mark.browser, pytest.mark.skipif(MISSING, reason="needs Debian's chromium and the playwright package")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory):
    """JupyterLab, token-free and local only, serving a copy of the notebooks and labs."""
    root = tmp_path_factory.mktemp("jupyter-root")
    for folder in ("notebooks", "labs"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("source", ".ipynb_checkpoints"))
    port = _free_port()
    env = dict(os.environ, LAB_PROFILE="smoke", LAB_OFFLINE="1")
    env.pop("MPLBACKEND", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.allow_root=True", "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={root}", "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start within 60 s")
    yield url
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


def open_notebook(browser, url: str, path: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(f"{url}/lab/tree/{path}?reset")  # a fresh workspace: only this notebook open
    page.locator(".jp-Notebook").first.wait_for()
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=90_000)  # kernel ready
    return page


def run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def first_widget(page):
    """The first widget in the notebook's outputs: a widgets.explorer (its controls, text and picture)."""
    return page.locator(".jp-OutputArea .lab-explorer").first


def test_neuron_playground_slider_changes_the_plot(browser, lab_url):
    page = open_notebook(browser, lab_url, "notebooks/01_single_neuron.ipynb")
    run_all(page)
    cell = first_widget(page)  # 01's only widget: the neuron playground
    handle = cell.locator(".widget-slider .noUi-handle, .widget-slider .ui-slider-handle").first
    try:
        handle.wait_for(timeout=120_000)
    except Exception:
        page.screenshot(path=str(SHOTS / "debug-fail.png"))
        raise
    image = cell.locator("img.widget-image").first
    image.wait_for()
    before = image.get_attribute("src")
    handle.click()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(image).not_to_have_attribute("src", before, timeout=30_000)
    last_output = page.locator(".jp-OutputArea-output", has_text="All checks passed.")
    expect(last_output.first).to_be_visible(timeout=240_000)
    SHOTS.mkdir(exist_ok=True)
    cell.screenshot(path=str(SHOTS / "01_neuron_playground.png"))
    page.close()


def test_a_learner_types_a_solution_and_the_check_says_pass(browser, lab_url):
    page = open_notebook(browser, lab_url, "labs/lab01_neuron_and_gradient_descent.ipynb")
    run_all(page)
    exercise = page.locator(".jp-CodeCell").filter(has_text='exercise 1.1: write sigmoid")').first
    check = page.locator(".jp-CodeCell").filter(has_text="checks.check_sigmoid(sigmoid)").first
    expect(check.locator(".jp-OutputArea")).to_contain_text("not implemented yet", timeout=180_000)
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=240_000)  # Run All finished
    exercise.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("def sigmoid(z):\n")  # the editor indents the next line itself
    page.keyboard.type("return 1 / (1 + np.exp(-z))")
    page.keyboard.press("Shift+Enter")  # run the exercise cell; the check cell is selected next
    page.keyboard.press("Shift+Enter")  # run the check cell
    output = check.locator(".jp-OutputArea")
    try:
        expect(output).to_contain_text("PASS", timeout=60_000)
    except AssertionError:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "debug-lab.png"))
        raise
    expect(output).not_to_contain_text("FAIL")
    SHOTS.mkdir(exist_ok=True)
    check.screenshot(path=str(SHOTS / "lab01_check_pass.png"))
    page.close()

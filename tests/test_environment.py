"""The dependency list lives in pyproject.toml (ranges) and pins.txt (exact); environment.yml must agree."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ @]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pins_for_311() -> dict:
    pins = {}
    for line in (ROOT / "pins.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        spec, _, marker = line.partition(";")
        if marker and '>= "3.11"' not in marker:
            continue
        name, version = spec.strip().split("==")
        pins[name.lower()] = version
    return pins


def _environment_pins() -> dict:
    text = (ROOT / "environment.yml").read_text()
    found = re.findall(r"^\s+- ([A-Za-z0-9_.\-]+)==([^\s#]+)\s*$", text, flags=re.M)
    return {name.lower(): version for name, version in found}


def _requirements() -> list:
    """Every requirement pyproject declares: the dependencies and each extra's (an extra naming the project itself aside)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for extra in project["optional-dependencies"].values() for r in extra]
    return [r for r in project["dependencies"] + extras if _name(r) != project["name"]]


def _pyproject_names() -> set:
    return {_name(r) for r in _requirements()}


def test_environment_yml_repeats_the_pins_exactly():
    assert _environment_pins() == _pins_for_311()


def test_every_pin_is_a_declared_dependency_and_every_dependency_is_pinned():
    pinned = set(_pins_for_311())
    declared = _pyproject_names()
    assert pinned - declared == set(), "pinned but not declared in pyproject.toml"
    assert declared - pinned == set(), "declared in pyproject.toml but not pinned in pins.txt"


def test_pins_satisfy_the_declared_ranges():
    from packaging.requirements import Requirement

    ranges = {_name(r): Requirement(r) for r in _requirements()}
    for line in (ROOT / "pins.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        pin = Requirement(line)
        version = next(iter(pin.specifier)).version
        assert ranges[_name(line)].specifier.contains(version), f"{line} is outside pyproject's {ranges[_name(line)]}"


def test_python_version_matches_the_pins():
    assert re.search(r"^\s+- python=3\.11\s*$", (ROOT / "environment.yml").read_text(), flags=re.M)

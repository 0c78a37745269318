"""The check framework: results, the tester, ``diagnose``, registering a lab's checks, ``run_lab``.

A lab module (``helpers/checks/labNN.py``) registers each check with ``@check(lab, exercise,
title, needs=(...))``: the lab it belongs to and the names of the learner's notebook it is
called with. Registration order is the order of the lab's checks.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import re
from dataclasses import dataclass, field

import numpy as np

from helpers import course, progress

# --- strict mode ----------------------------------------------------------------------------

_STRICT: dict[str, bool | None] = {"on": None}


def strict(on: bool | None = True) -> None:
    """Make failing checks raise AssertionError (True), never raise (False), or follow LAB_STRICT (None)."""
    if on not in (True, False, None):
        raise ValueError(f"strict() takes True, False or None, got {on!r}.")
    _STRICT["on"] = on


def is_strict() -> bool:
    """True when a failing check raises: strict(True) was called, or LAB_STRICT=1 is set."""
    if _STRICT["on"] is not None:
        return bool(_STRICT["on"])
    return os.environ.get("LAB_STRICT", "").strip().lower() in {"1", "true", "yes"}


# --- results --------------------------------------------------------------------------------


class StopCheck(Exception):
    """The learner's code can no longer be called (the grader raises it on a time-out): the check stops."""


NOT_IMPLEMENTED = "not implemented yet"


@dataclass
class Outcome:
    """One test of a check: its name, whether it passed, and why not."""

    name: str
    passed: bool
    message: str = ""

    def line(self) -> str:
        if self.passed:
            return f"PASS  {self.name}"
        return f"FAIL  {self.name}: {self.message}" if self.name else f"FAIL  {self.message}"


@dataclass
class CheckResult:
    """What a check found: one Outcome per test."""

    name: str
    exercise: str = ""
    title: str = ""
    tests: list = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.tests)

    @property
    def total(self) -> int:
        return len(self.tests)

    @property
    def all_passed(self) -> bool:
        return bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def not_implemented(self) -> bool:
        return any(NOT_IMPLEMENTED in t.message for t in self.tests if not t.passed)

    def summary(self) -> str:
        label = f"{self.name} ({self.exercise})" if self.exercise else self.name
        if self.not_implemented:
            return f"{label}: {NOT_IMPLEMENTED}"
        return f"{label}: {self.passed} of {self.total} tests passed"

    def __repr__(self) -> str:
        return f"<{self.summary()}>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.summary())


class NotYet(Exception):
    """The learner's code raised NotImplementedError: the exercise is still a stub."""


class Failed(Exception):
    """A test failed while getting a value; its message is already recorded."""


# --- diagnosis ------------------------------------------------------------------------------


def fmt(value) -> str:
    """A short, one-line rendering of a number or an array (or of anything else, by its repr)."""
    try:
        array = np.asarray(value)
    except ValueError:  # a ragged tuple, e.g. arrays of different shapes handed back together
        array = np.empty(0, dtype=object)
    if array.dtype == object:
        text = " ".join(repr(value).split())
        return text if len(text) < 80 else text[:77] + "..."
    if array.ndim == 0:
        return f"{array.item():.6g}" if array.dtype.kind in "fc" else str(array.item())
    text = np.array2string(array, precision=4, threshold=10, edgeitems=2, max_line_width=10**6, separator=" ")
    return " ".join(text.split())


def describe(array: np.ndarray) -> str:
    return "a single number" if array.ndim == 0 else f"an array of shape {array.shape}"


def _close(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    try:
        return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))
    except (TypeError, ValueError):
        return False


def diagnose(
    got, expected, *, rtol: float = 1e-5, atol: float = 1e-8, mistakes=(), shape_hints=None, nonfinite_hint=None
) -> str | None:
    """None when got matches expected, else one sentence: what is wrong and, when recognisable, why.

    ``mistakes`` is a list of ``(hint, wrong_value)``: when got matches a known wrong answer, its
    hint is shown. ``shape_hints`` maps a wrong shape to a hint; ``nonfinite_hint`` explains a nan or inf.
    """
    if got is None:
        return "returned None: did you forget `return`?"
    expected = np.asarray(expected)
    try:
        got_array = np.asarray(got)
    except Exception:  # noqa: BLE001 - anything that is not array-like
        got_array = np.asarray(None)
    if got_array.dtype == object or got_array.dtype.kind not in "biuf":
        return f"returned {fmt(got)} (a {type(got).__name__}), expected {describe(expected)} of numbers"
    if got_array.shape != expected.shape:
        if _close(got_array.T, expected, rtol, atol):
            return f"wrong shape: expected {expected.shape}, got {got_array.shape}; the values are right but transposed (.T)"
        hint = (shape_hints or {}).get(got_array.shape)
        if hint is None and got_array.size == expected.size and _close(got_array.reshape(expected.shape), expected, rtol, atol):
            hint = "the values are right; remove the extra axis (or reshape)"
        if hint is None and expected.ndim == 0:
            hint = "did you forget to average (np.mean) over the examples?"
        where = "a single number" if expected.ndim == 0 else str(expected.shape)
        found = "a single number" if got_array.ndim == 0 else f"shape {got_array.shape}"
        return f"wrong shape: expected {where}, got {found}" + (f" ({hint})" if hint else "")
    if expected.dtype.kind == "f" and got_array.dtype.kind in "biu":
        return (
            f"wrong dtype: expected floating-point numbers, got {got_array.dtype} {fmt(got_array)}"
            " (an integer array, or integer division somewhere?)"
        )
    if np.all(np.isfinite(expected)) and not np.all(np.isfinite(got_array)):
        hint = nonfinite_hint or "nan or inf: an overflow, log(0) or division by zero?"
        return f"expected {fmt(expected)}, got {fmt(got_array)} ({hint})"
    if _close(got_array, expected, rtol, atol):
        return None
    base = f"expected {fmt(expected)}, got {fmt(got_array)}"
    for hint, wrong in mistakes:
        if _close(got_array, np.asarray(wrong, dtype=float), rtol, atol):
            return f"{base} ({hint})"
    if np.any(expected != 0) and _close(got_array, -expected, rtol, atol):
        return f"{base} (the sign is flipped)"
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1] and _close(got_array.T, expected, rtol, atol):
        return f"{base} (the values are right but transposed (.T))"
    nonzero = np.abs(expected) > 1e-12
    if np.any(nonzero) and np.all(np.abs(got_array[~nonzero]) <= 1e-12):
        ratios = got_array[nonzero] / expected[nonzero]
        factor = float(ratios.flat[0])
        if factor != 0 and np.allclose(ratios, factor, rtol=1e-4) and abs(factor - 1) > 1e-3:
            return f"{base} (off by a constant factor of {factor:.4g})"
    return base


_EXCEPTION_HINTS = [
    (r"converted to Python scalars|only length-1 arrays", "math works on one number at a time; use np.exp, np.log, ..."),
    (r"matmul|shapes .* not aligned|operands could not be broadcast", "print the shapes of your arrays (.shape)"),
]


def exception_text(error: BaseException) -> str:
    """What the learner's code raised, as a sentence, with a hint for the usual causes."""
    kind = getattr(error, "type_name", None) or type(error).__name__
    text = f"your code raised {kind}: {error}"
    for pattern, hint in _EXCEPTION_HINTS:
        if re.search(pattern, str(error)):
            return f"{text} ({hint})"
    return text


# --- the tester -----------------------------------------------------------------------------


class Tester:
    """Runs the tests of one check and records their outcomes (what a check function receives)."""

    def __init__(self, result: CheckResult, echo: bool):
        self.result = result
        self.echo = echo

    def record(self, name: str, passed: bool, message: str = "") -> bool:
        outcome = Outcome(name, bool(passed), "" if passed else message)
        self.result.tests.append(outcome)
        if self.echo:
            print(outcome.line())
        return outcome.passed

    def get(self, name: str, call, *, parts: int | None = None):
        """Call the learner's code; on an exception, None or a wrong number of values record a failure."""
        try:
            value = call()
        except NotImplementedError as error:
            raise NotYet(str(error)) from None
        except (StopCheck, NotYet):
            raise
        except (Exception, SystemExit) as error:  # noqa: BLE001 - the learner's code may raise anything
            self.record(name, False, exception_text(error))
            raise Failed from None
        if value is None:
            self.record(name, False, "returned None: did you forget `return`?")
            raise Failed
        if parts is not None:
            if not isinstance(value, (tuple, list)) or len(value) != parts:
                count = len(value) if isinstance(value, (tuple, list)) else 1
                self.record(name, False, f"expected {parts} values returned together, got {count} ({fmt(value)})")
                raise Failed
        return value

    def compare(self, name: str, got, expected, **options) -> bool:
        """Record whether a value the learner's code produced matches the reference."""
        message = diagnose(got, expected, **options)
        return self.record(name, message is None, message or "")

    def close(self, name: str, call, expected, **options) -> bool:
        """Call the learner's code and compare what it returns with the reference."""
        try:
            got = self.get(name, call)
        except Failed:
            return False
        return self.compare(name, got, expected, **options)



def get_parts(t: Tester, name: str, call, parts: int, hint: str):
    """t.get(name, call) that also wants `parts` values returned together (a tuple or list), with a hint when they are not."""
    value = t.get(name, call)
    if isinstance(value, (tuple, list)) and len(value) == parts:
        return value
    count = len(value) if isinstance(value, (tuple, list)) else 1
    t.record(name, False, f"expected {parts} values returned together, got {count}: {hint}")
    raise Failed


def value_given(value, what: str) -> None:
    """A value the notebook leaves None until the learner fills it in: 'not implemented yet' while it is None."""
    if value is None:
        raise NotYet(what)


def _finish(result: CheckResult, strict_mode: bool | None) -> CheckResult:
    if strict_mode is None:
        strict_mode = is_strict()
    if strict_mode and not result.all_passed:
        failures = [t for t in result.tests if not t.passed]
        first = failures[0].line() if failures else "no test ran"
        raise AssertionError(f"{result.summary()}; first failure: {first}")
    return result


# --- the labs' checks -----------------------------------------------------------------------

_CHECKS: dict[str, list] = {}  # lab id -> its check functions, in registration order


def lab_id(name: str) -> str:
    """The full id of a lab from its id, its number ('2', '02') or 'lab02'; ValueError when unknown."""
    text = str(name).strip().lower().removesuffix(".ipynb")
    for lab in course.LABS:
        if text in (lab, lab[:5], lab[3:5], str(int(lab[3:5]))):
            return lab
    raise ValueError(f"unknown lab {name!r}; the labs are: {', '.join(course.LABS)}.")


def module_name(lab: str) -> str:
    """The module holding a lab's checks: lab 'labNN_...' lives in helpers.checks.labNN."""
    return f"helpers.checks.{lab_id(lab)[:5]}"


def lab_checks(lab: str) -> list:
    """A lab's registered check functions, in order; each has .lab, .exercise, .title and .needs."""
    return list(_CHECKS.get(lab_id(lab), ()))


def check_names(lab: str) -> list[str]:
    """The names of a lab's checks, in order (the grader's CSV columns)."""
    return [function.__name__ for function in lab_checks(lab)]


def _record(function, result: CheckResult) -> None:
    progress.record_check(function.lab, function.__name__, result.all_passed, check_names(function.lab))


def check(lab: str, exercise: str, title: str, *, needs: tuple[str, ...]):
    """Register ``body(t: Tester, *learner)`` as the next check of a lab, called with the notebook's names in ``needs``.

    The check function it makes is called as ``check_x(*learner, strict=None, echo=True,
    record=True)``: it prints one line per test (echo), records the result in the learner's
    progress (record) and returns a CheckResult; it raises only in strict mode.
    """
    lab = lab_id(lab)
    if isinstance(needs, str) or not needs or not all(isinstance(name, str) and name.isidentifier() for name in needs):
        raise ValueError(f"needs must list the notebook names the check is called with, e.g. needs=('sigmoid',); got {needs!r}.")
    needs = tuple(needs)

    def decorate(body):
        takes = list(inspect.signature(body).parameters)[1:]
        if len(takes) != len(needs):
            raise ValueError(f"{body.__name__} takes {len(takes)} values after the tester {tuple(takes)}, but needs lists {len(needs)}: {needs}.")
        if body.__name__ in check_names(lab):
            raise ValueError(f"{lab} already has a check named {body.__name__}; give the new one another name.")

        @functools.wraps(body)
        def run(*learner, strict: bool | None = None, echo: bool = True, record: bool = True) -> CheckResult:
            result = CheckResult(body.__name__, exercise, title)
            tester = Tester(result, echo)
            try:
                body(tester, *learner)
            except NotYet as why:
                tester.record("", False, f"{NOT_IMPLEMENTED} ({str(why) or title})")
            except StopCheck as why:
                tester.record("", False, f"stopped: {why}")
            except Failed:
                pass
            except Exception as error:  # noqa: BLE001 - a failing check never crashes the notebook
                tester.record("", False, f"the check could not finish: {exception_text(error)}")
            if not result.tests:
                tester.record("", False, "no test ran")
            if record:
                _record(run, result)
            return _finish(result, strict)

        run.lab, run.exercise, run.title, run.needs = lab, exercise, title, needs
        _CHECKS.setdefault(lab, []).append(run)
        return run

    return decorate


def prepare(lab: str) -> None:
    """Import what a lab's checks need and load its data now (the grader does this before any submission runs)."""
    importlib.import_module(module_name(lab)).prepare()


def run_lab(lab: str, namespace, *, strict: bool | None = None, echo: bool = True, record: bool = False) -> list[CheckResult]:
    """Run every check of a lab on the names a notebook defined (pass ``globals()``); print one line per check."""
    results = []
    for function in lab_checks(lab):
        values, missing, stopped = [], [], None
        for name in function.needs:
            try:
                values.append(namespace[name])
            except KeyError:
                missing.append(name)
            except StopCheck as why:
                stopped = str(why)
                break
        if stopped or missing:
            result = CheckResult(function.__name__, function.exercise, function.title)
            reason = f"stopped: {stopped}" if stopped else f"the notebook does not define {', '.join(missing)}"
            result.tests.append(Outcome("", False, reason))
            if record:
                _record(function, result)
        else:
            result = function(*values, strict=False, echo=False, record=record)
        results.append(result)
        if echo:
            print(("PASS  " if result.all_passed else "FAIL  ") + result.summary())
    done = sum(r.all_passed for r in results)
    if echo:
        print(f"{done} of {len(results)} checks passed.")
    if (is_strict() if strict is None else strict) and done < len(results):
        failed = [r.summary() for r in results if not r.all_passed]
        raise AssertionError(f"{len(failed)} checks failed: " + "; ".join(failed))
    return results


def has_layer(config, class_name: str) -> bool:
    """Whether a Keras model's get_config() holds a layer of class_name, at any depth (labs 03 and 04)."""
    if isinstance(config, dict):
        return config.get("class_name") == class_name or any(has_layer(v, class_name) for v in config.values())
    if isinstance(config, (list, tuple)):
        return any(has_layer(v, class_name) for v in config)
    return False


def record_params(t: Tester, model, what: str, max_params: int, hint: str) -> int | None:
    """Record a model's parameter count against max_params (hint says how to shrink it); None when it cannot be counted."""
    count = t.get(f"{what} can count its parameters (model.count_params())", lambda: model.count_params())
    if not isinstance(count, (int, np.integer)):
        t.record(f"{what}.count_params() is a number", False, f"got {fmt(count)}")
        return None
    t.record(f"{what} has {int(count):,} parameters, at most {max_params:,}", count <= max_params, hint)
    return int(count)

"""The labs' checks: ``check_...(learner_function_or_value)`` prints one line per test and never crashes.

A check calls the learner's code on a few inputs, compares with a reference computed at check
time (from ``helpers.scratch``, or Keras and ``tf.GradientTape``: ``reference.py``) and prints::

    PASS  sigmoid(0.0) is 0.5
    FAIL  sigmoid at z = [-4, -1, 0, 1, 4]: expected [0.018 0.269 0.5 0.731 0.982], got [...] (...)

It recognises the usual mistakes: not implemented yet, returned ``None``, wrong shape, wrong
dtype, right values off by a transpose, a sign or a constant factor, an exception inside the
learner's code (its type and message). It returns a ``CheckResult``, records it in the learner's
progress (``record=False`` does not), and raises only in strict mode (``LAB_STRICT=1`` or
``strict(True)``), which the test suite turns on.

``run_lab(lab, namespace)`` runs every check of a lab against the names a notebook defined; the
last cell of each lab and the instructor's grader both use it. The checks never look inside the
learner's functions: they only call them and compare what comes back, so the grader can call
them in another process.

The framework is ``framework.py``; each lab of ``helpers.course.LABS`` has its module
``labNN.py`` (its data, floors, checks and ``prepare()``), imported here so that its checks are
registered and ``checks.check_sigmoid`` or ``checks.lab01_data`` work.
"""

from __future__ import annotations

import importlib

from helpers import course
from helpers.checks import reference
from helpers.checks.framework import (
    NOT_IMPLEMENTED,
    CheckResult,
    Outcome,
    StopCheck,
    Tester,
    check,
    check_names,
    diagnose,
    is_strict,
    lab_checks,
    lab_id,
    module_name,
    prepare,
    run_lab,
    strict,
)

__all__ = [
    "NOT_IMPLEMENTED",
    "CheckResult",
    "Outcome",
    "StopCheck",
    "Tester",
    "check",
    "check_names",
    "diagnose",
    "is_strict",
    "lab_checks",
    "lab_id",
    "module_name",
    "prepare",
    "reference",
    "run_lab",
    "strict",
]


def _export(lab: str) -> None:
    """Import a lab's module and make its checks and the names in its ``__all__`` attributes of this package."""
    module = importlib.import_module(module_name(lab))
    for name in [*module.__all__, *check_names(lab)]:
        if name in globals() and globals()[name] is not getattr(module, name):
            raise ValueError(f"{module.__name__} exports {name!r}, a name helpers.checks already has; rename it.")
        globals()[name] = getattr(module, name)
        __all__.append(name)


for _lab in course.LABS:
    _export(_lab)

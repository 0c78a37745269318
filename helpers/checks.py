"""The labs' checks: ``check_...(learner_function_or_value)`` prints one line per test and never crashes.

A check calls the learner's code on a few inputs, compares with a reference computed at check
time (from ``helpers.scratch``, or TensorFlow's ``tf.GradientTape`` in lab 02) and prints::

    PASS  sigmoid(0.0) is 0.5
    FAIL  sigmoid at z = [-4, -1, 0, 1, 4]: expected [0.018 0.269 0.5 0.731 0.982], got [...] (...)

It recognises the usual mistakes: not implemented yet, returned ``None``, wrong shape, wrong
dtype, right values off by a transpose, a sign or a constant factor, an exception inside the
learner's code (its type and message). It returns a ``CheckResult`` and raises only in strict
mode (``LAB_STRICT=1`` or ``strict(True)``), which the test suite turns on.

``run_lab(lab, namespace)`` runs every check of a lab against the names a notebook defined; the
last cell of each lab and the instructor's grader (``python -m helpers.grade``) both use it.
The checks never look inside the learner's functions: they only call them and compare what
comes back, so the grader can call them in another process.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field

import numpy as np

from helpers import scratch

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


class _NotYet(Exception):
    """The learner's code raised NotImplementedError: the exercise is still a stub."""


# --- diagnosis ------------------------------------------------------------------------------


def _fmt(value) -> str:
    """A short, one-line rendering of a number or an array."""
    array = np.asarray(value)
    if array.dtype == object:
        text = repr(value)
        return text if len(text) < 80 else text[:77] + "..."
    if array.ndim == 0:
        return f"{array.item():.6g}" if array.dtype.kind in "fc" else str(array.item())
    text = np.array2string(array, precision=4, threshold=10, edgeitems=2, max_line_width=10**6, separator=" ")
    return " ".join(text.split())


def _describe(array: np.ndarray) -> str:
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
        return f"returned {_fmt(got)} (a {type(got).__name__}), expected {_describe(expected)} of numbers"
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
            f"wrong dtype: expected floating-point numbers, got {got_array.dtype} {_fmt(got_array)}"
            " (an integer array, or integer division somewhere?)"
        )
    if np.all(np.isfinite(expected)) and not np.all(np.isfinite(got_array)):
        hint = nonfinite_hint or "nan or inf: an overflow, log(0) or division by zero?"
        return f"expected {_fmt(expected)}, got {_fmt(got_array)} ({hint})"
    if _close(got_array, expected, rtol, atol):
        return None
    base = f"expected {_fmt(expected)}, got {_fmt(got_array)}"
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


def _exception_text(error: BaseException) -> str:
    kind = getattr(error, "type_name", None) or type(error).__name__
    text = f"your code raised {kind}: {error}"
    for pattern, hint in _EXCEPTION_HINTS:
        if re.search(pattern, str(error)):
            return f"{text} ({hint})"
    return text


# --- the runner -----------------------------------------------------------------------------


class _Failed(Exception):
    """A test failed while getting a value; its message is already recorded."""


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
            raise _NotYet(str(error)) from None
        except (StopCheck, _NotYet):
            raise
        except (Exception, SystemExit) as error:  # noqa: BLE001 - the learner's code may raise anything
            self.record(name, False, _exception_text(error))
            raise _Failed from None
        if value is None:
            self.record(name, False, "returned None: did you forget `return`?")
            raise _Failed
        if parts is not None:
            if not isinstance(value, (tuple, list)) or len(value) != parts:
                count = len(value) if isinstance(value, (tuple, list)) else 1
                self.record(name, False, f"expected {parts} values returned together, got {count} ({_fmt(value)})")
                raise _Failed
        return value

    def compare(self, name: str, got, expected, **options) -> bool:
        """Record whether a value the learner's code produced matches the reference."""
        message = diagnose(got, expected, **options)
        return self.record(name, message is None, message or "")

    def close(self, name: str, call, expected, **options) -> bool:
        """Call the learner's code and compare what it returns with the reference."""
        try:
            got = self.get(name, call)
        except _Failed:
            return False
        return self.compare(name, got, expected, **options)


def _finish(result: CheckResult, strict_mode: bool | None) -> CheckResult:
    if strict_mode is None:
        strict_mode = is_strict()
    if strict_mode and not result.all_passed:
        failures = [t for t in result.tests if not t.passed]
        first = failures[0].line() if failures else "no test ran"
        raise AssertionError(f"{result.summary()}; first failure: {first}")
    return result


def check(exercise: str, title: str):
    """Turn ``body(t: Tester, *learner)`` into a check function that prints and returns a CheckResult."""

    def decorate(body):
        @functools.wraps(body)
        def run(*learner, strict: bool | None = None, echo: bool = True) -> CheckResult:
            result = CheckResult(body.__name__, exercise, title)
            tester = Tester(result, echo)
            try:
                body(tester, *learner)
            except _NotYet as why:
                reason = str(why) or title
                tester.record("", False, f"{NOT_IMPLEMENTED} ({reason})")
            except StopCheck as why:
                tester.record("", False, f"stopped: {why}")
            except _Failed:
                pass
            except Exception as error:  # noqa: BLE001 - a failing check never crashes the notebook
                tester.record("", False, f"the check could not finish: {_exception_text(error)}")
            if not result.tests:
                tester.record("", False, "no test ran")
            lab = _lab_of(body.__name__)
            if echo and lab:  # a learner ran it in a notebook (the grader runs checks silently)
                from helpers import progress

                progress.record_check(lab, body.__name__, result.all_passed)
            return _finish(result, strict)

        run.exercise = exercise
        run.title = title
        return run

    return decorate


def _value_given(value, what: str) -> None:
    if value is None:
        raise _NotYet(what)


# --- the labs' data -------------------------------------------------------------------------


@functools.cache
def _breast_cancer_split():
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    order = np.random.default_rng(0).permutation(len(bunch.target))
    X, y = bunch.data[order], bunch.target[order].astype(float)
    n_train = 455  # 80 % of 569
    mean, std = X[:n_train].mean(axis=0), X[:n_train].std(axis=0)
    X = (X - mean) / std
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def lab01_data():
    """Lab 01's data: scikit-learn's breast-cancer set (569 tumours, 30 features, 1 = benign), 80/20 split.

    Each feature is standardised with the training split's mean and standard deviation. Returns
    copies of ``X_train, y_train, X_test, y_test`` (the labels as floats 0.0 and 1.0).
    """
    return tuple(part.copy() for part in _breast_cancer_split())


@functools.cache
def _digits_split():
    from helpers import data

    digits = data.load("digits")
    X_train = digits.x_train.reshape(len(digits.x_train), -1).astype(float) / 255.0
    X_test = digits.x_test.reshape(len(digits.x_test), -1).astype(float) / 255.0
    return X_train, digits.y_train.astype(int), X_test, digits.y_test.astype(int)


def lab02_data():
    """Lab 02's data: ``data.load("digits")`` (8x8 images) flattened to 64 numbers in [0, 1].

    Returns copies of ``X_train (1437, 64), y_train, X_test (360, 64), y_test`` (integer labels 0-9).
    """
    return tuple(part.copy() for part in _digits_split())


# --- lab 01: a neuron and gradient descent --------------------------------------------------

LAB01_ACCURACY_FLOOR = 0.9


def _bce_gradients(X, y, w, b):
    """Reference gradient of the mean binary cross-entropy of a sigmoid neuron, by central differences."""
    dw = scratch.numerical_gradient(lambda v: scratch.binary_cross_entropy(y, scratch.neuron(X, v, b)), w.copy())
    db = scratch.numerical_gradient(lambda v: scratch.binary_cross_entropy(y, scratch.neuron(X, w, v[0])), np.array([b]))[0]
    return dw, db


def _reference_train(X, y, lr, num_epochs):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(num_epochs):
        error = scratch.neuron(X, w, b) - y
        w = w - lr * X.T @ error / len(y)
        b = b - lr * float(np.mean(error))
    return w, b


@check("exercise 1.1", "sigmoid")
def check_sigmoid(t: Tester, sigmoid) -> None:
    """Check sigmoid(z) = 1 / (1 + exp(-z)) on a number, a vector and a matrix."""
    z = np.array([-4.0, -1.0, 0.0, 1.0, 4.0])
    flipped = "did you write exp(z) instead of exp(-z)?"
    t.close("sigmoid(0.0) is 0.5", lambda: sigmoid(0.0), scratch.sigmoid(0.0))
    t.close("sigmoid at z = [-4, -1, 0, 1, 4]", lambda: sigmoid(z.copy()), scratch.sigmoid(z), mistakes=[(flipped, scratch.sigmoid(-z))])
    Z = np.linspace(-3, 3, 6).reshape(2, 3)
    t.close("sigmoid keeps the shape of a (2, 3) array", lambda: sigmoid(Z.copy()), scratch.sigmoid(Z), mistakes=[(flipped, scratch.sigmoid(-Z))])
    ints = np.array([0, 2])
    t.close("sigmoid of integers gives floats", lambda: sigmoid(ints.copy()), scratch.sigmoid(ints), mistakes=[(flipped, scratch.sigmoid(-ints))])


@check("exercise 1.2", "neuron")
def check_neuron(t: Tester, neuron) -> None:
    """Check neuron(X, w, b) = sigmoid(X @ w + b), one output per row of X."""
    rng = np.random.default_rng(1)
    X, w, b = rng.normal(size=(4, 3)), rng.normal(size=3), 0.5
    usual = [
        ("the sigmoid is missing: return sigmoid(X @ w + b)", X @ w + b),
        ("the bias b is missing", scratch.neuron(X, w, 0.0)),
    ]
    t.close("neuron on 4 examples with 3 features", lambda: neuron(X.copy(), w.copy(), b), scratch.neuron(X, w, b), mistakes=usual)
    S = rng.normal(size=(3, 3))
    t.close(
        "neuron on a square X (3 examples, 3 features)",
        lambda: neuron(S.copy(), w.copy(), b),
        scratch.neuron(S, w, b),
        mistakes=[("each row of X is one example: use X @ w, not X.T @ w", scratch.neuron(S.T, w, b))],
    )
    t.close("w = 0 and b = 0 give 0.5 for every example", lambda: neuron(X.copy(), np.zeros(3), 0.0), np.full(4, 0.5))


@check("exercise 1.3", "binary cross-entropy")
def check_binary_cross_entropy(t: Tester, binary_cross_entropy) -> None:
    """Check the mean binary cross-entropy of labels y and predicted probabilities y_hat."""
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    y_hat = np.array([0.9, 0.2, 0.6, 0.99, 0.3])
    expected = scratch.binary_cross_entropy(y, y_hat)
    usual = [
        ("did you sum instead of taking the mean?", expected * len(y)),
        ("the (1 - y) * log(1 - y_hat) term is missing", -np.mean(y * np.log(y_hat))),
    ]
    t.close("loss of 5 predictions", lambda: binary_cross_entropy(y.copy(), y_hat.copy()), expected, mistakes=usual)
    confident = np.array([0.999, 0.001, 0.999, 0.999, 0.001])
    t.close("confident right predictions give a loss near 0", lambda: binary_cross_entropy(y.copy(), confident), scratch.binary_cross_entropy(y, confident))
    wrong = 1 - confident
    t.close("confident wrong predictions give a large loss", lambda: binary_cross_entropy(y.copy(), wrong), scratch.binary_cross_entropy(y, wrong))


@check("exercise 1.4", "gradient of the loss")
def check_loss_gradients(t: Tester, loss_gradients) -> None:
    """Check (dw, db), the gradient of the mean binary cross-entropy of neuron(X, w, b), by central differences."""
    rng = np.random.default_rng(2)
    X, w, b = rng.normal(size=(6, 3)), rng.normal(size=3), -0.3
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    dw, db = _bce_gradients(X, y, w, b)
    try:
        got = t.get("loss_gradients returns (dw, db)", lambda: loss_gradients(X.copy(), y.copy(), w.copy(), b), parts=2)
    except _Failed:
        return
    n = len(y)
    t.compare("dw, the gradient for the weights", got[0], dw, rtol=1e-4, atol=1e-7, mistakes=[("did you forget to divide by the number of examples?", dw * n)])
    t.compare("db, the gradient for the bias", got[1], db, rtol=1e-4, atol=1e-7, mistakes=[("did you forget to divide by the number of examples?", db * n)])


@check("exercise 1.5", "the training loop")
def check_train(t: Tester, train) -> None:
    """Check train(X, y, lr, num_epochs) -> (w, b, losses): gradient descent from w = 0, b = 0."""
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(-1.0, 0.8, (10, 2)), rng.normal(1.0, 0.8, (10, 2))])
    y = np.r_[np.zeros(10), np.ones(10)]
    lr = 0.5
    w1, b1 = _reference_train(X, y, lr, 1)
    step = "gradient descent moves against the gradient: w = w - lr * dw"
    try:
        got = t.get("train returns (w, b, losses)", lambda: train(X.copy(), y.copy(), lr, 1), parts=3)
        t.compare("w after one epoch (one step from w = 0)", got[0], w1, mistakes=[(step, -w1)])
        t.compare("b after one epoch", got[1], b1, mistakes=[(step, -b1)])
    except _Failed:
        pass
    num_epochs = 20
    w20, b20 = _reference_train(X, y, lr, num_epochs)
    try:
        got = t.get(f"train for {num_epochs} epochs", lambda: train(X.copy(), y.copy(), lr, num_epochs), parts=3)
    except _Failed:
        return
    t.compare(f"w after {num_epochs} epochs", got[0], w20, rtol=1e-4)
    t.compare(f"b after {num_epochs} epochs", got[1], b20, rtol=1e-4)
    losses = got[2]
    try:
        losses = np.asarray(losses, dtype=float).ravel()
    except (TypeError, ValueError):
        t.record("losses is a list of numbers", False, f"got {_fmt(got[2])}")
        return
    t.record(
        "losses has one entry per epoch",
        len(losses) == num_epochs,
        f"expected {num_epochs} losses, got {len(losses)}",
    )
    t.record(
        "the loss falls during training",
        len(losses) >= 2 and losses[-1] < losses[0],
        f"first loss {_fmt(losses[:1])}, last loss {_fmt(losses[-1:])}",
    )


@check("exercise 1.6", "train to the stated accuracy")
def check_neuron_accuracy(t: Tester, w, b) -> None:
    """Check that the trained w and b classify lab 01's test split with at least 90 % accuracy."""
    _value_given(w, "train the neuron first: w is still None")
    _value_given(b, "train the neuron first: b is still None")
    X_train, y_train, X_test, y_test = lab01_data()
    w_array = np.asarray(w, dtype=float) if np.asarray(w).dtype.kind in "biuf" else None
    if w_array is None or w_array.shape != (X_train.shape[1],):
        t.record("w has one weight per feature", False, f"expected shape ({X_train.shape[1]},), got {_fmt(w)}")
        return
    t.record("w has one weight per feature", True)
    try:
        b_value = float(np.asarray(b, dtype=float).reshape(()))
    except (TypeError, ValueError):
        t.record("b is a single number", False, f"got {_fmt(b)}")
        return
    accuracy = float(np.mean((scratch.neuron(X_test, w_array, b_value) > 0.5) == y_test))
    t.record(
        f"test accuracy {accuracy:.3f} is at least {LAB01_ACCURACY_FLOOR}",
        accuracy >= LAB01_ACCURACY_FLOOR,
        "train longer or with another learning rate",
    )


# --- lab 02: backpropagation from scratch ---------------------------------------------------

LAB02_ACCURACY_FLOOR = 0.9


def _tf():
    """TensorFlow, imported quietly on first use (lab 02's references come from tf.GradientTape)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    return tf


def _keras_dense(X, W, b):
    """What keras.layers.Dense with weights W and b computes for X."""
    _tf()
    import keras

    layer = keras.layers.Dense(W.shape[1], dtype="float64")
    layer.build((None, W.shape[0]))
    layer.set_weights([W, b])
    return np.asarray(layer(X))


def _tape_dense(X, W, b, d_out):
    """dL/dW, dL/db and dL/dX of L = sum(d_out * (X @ W + b)), from tf.GradientTape."""
    tf = _tf()
    Xv, Wv, bv = (tf.Variable(v, dtype=tf.float64) for v in (X, W, b))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.constant(d_out) * (Xv @ Wv + bv))
    dW, db, dX = tape.gradient(loss, [Wv, bv, Xv])
    return dW.numpy(), db.numpy(), dX.numpy()


def _tape_softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy of integer labels y and its gradient wrt logits, from tf.GradientTape."""
    tf = _tf()
    z = tf.Variable(logits, dtype=tf.float64)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant(y), logits=z))
    return float(loss.numpy()), tape.gradient(loss, z).numpy()


def _gradcheck_waves(x):
    """A smooth test function for numerical_gradient: sum(sin(x) * x + 0.5 * x**2)."""
    x = np.asarray(x, dtype=float)
    return float(np.sum(np.sin(x) * x + 0.5 * x**2))


def _gradcheck_waves_tf(x):
    tf = _tf()
    return tf.reduce_sum(tf.sin(x) * x + 0.5 * x**2)


def _gradcheck_coupled(x):
    """A test function whose entries interact: log(1 + sum(x)**2) + x[0, 0] * x[-1, -1] (x is 2-D)."""
    x = np.asarray(x, dtype=float)
    return float(np.log(1 + np.sum(x) ** 2) + x[0, 0] * x[-1, -1])


def _gradcheck_coupled_tf(x):
    tf = _tf()
    return tf.math.log(1 + tf.reduce_sum(x) ** 2) + x[0, 0] * x[-1, -1]


def _tape_gradient(f_tf, x):
    tf = _tf()
    xv = tf.Variable(x, dtype=tf.float64)
    with tf.GradientTape() as tape:
        value = f_tf(xv)
    return tape.gradient(value, xv).numpy()


def _set_params(t: Tester, layer, W, b, what: str) -> None:
    try:
        layer.W = W.copy()
        layer.b = b.copy()
    except (StopCheck, _NotYet):
        raise
    except Exception as error:  # noqa: BLE001
        t.record(f"set W and b of {what}", False, _exception_text(error))
        raise _Failed from None


@check("exercise 2.1", "Dense.forward")
def check_dense_forward(t: Tester, Dense) -> None:
    """Check Dense(n_in, n_out).forward(X) = X @ W + b against keras.layers.Dense with the same weights."""
    rng = np.random.default_rng(4)
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    layer = t.get("Dense(3, 4) can be made", lambda: Dense(3, 4))
    _set_params(t, layer, W, b, "Dense(3, 4)")
    expected = _keras_dense(X, W, b)
    t.close(
        "forward(X) for 5 examples matches keras.layers.Dense",
        lambda: layer.forward(X.copy()),
        expected,
        mistakes=[("the bias b is missing", X @ W)],
    )
    t.close("forward stores its input as self.X (backward needs it)", lambda: layer.X, X)
    t.close("forward(X) for a single example", lambda: layer.forward(X[:1].copy()), expected[:1])


@check("exercise 2.2", "Dense.backward")
def check_dense_backward(t: Tester, Dense) -> None:
    """Check Dense.backward(d_out): self.dW, self.db and the returned dX against tf.GradientTape."""
    rng = np.random.default_rng(5)
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    d_out = rng.normal(size=(5, 4))
    dW, db, dX = _tape_dense(X, W, b, d_out)
    layer = t.get("Dense(3, 4) can be made", lambda: Dense(3, 4))
    _set_params(t, layer, W, b, "Dense(3, 4)")
    t.get("forward(X) runs", lambda: layer.forward(X.copy()))
    got_dX = t.get("backward(d_out) returns dX", lambda: layer.backward(d_out.copy()))
    t.close(
        "self.dW matches tf.GradientTape",
        lambda: layer.dW,
        dW,
        shape_hints={(4, 3): "dW has the shape of W: X.T @ d_out"},
    )
    t.close(
        "self.db matches tf.GradientTape",
        lambda: layer.db,
        db,
        shape_hints={(5, 4): "sum d_out over the batch: d_out.sum(axis=0)"},
        mistakes=[("sum d_out over the batch, don't average it", d_out.mean(axis=0))],
    )
    t.compare("the returned dX matches tf.GradientTape", got_dX, dX, shape_hints={(5, 4): "return dX = d_out @ W.T, not d_out"})


@check("exercise 2.3", "softmax cross-entropy and its gradient")
def check_softmax_cross_entropy(t: Tester, softmax_cross_entropy) -> None:
    """Check softmax_cross_entropy(logits, y) -> (loss, d_logits) against TensorFlow and tf.GradientTape."""
    rng = np.random.default_rng(6)
    logits, y = rng.normal(size=(4, 3)) * 2, np.array([0, 2, 1, 2])
    loss, d_logits = _tape_softmax_cross_entropy(logits, y)
    n = len(y)
    try:
        got = t.get("returns (loss, d_logits)", lambda: softmax_cross_entropy(logits.copy(), y.copy()), parts=2)
        t.compare(
            "the loss matches tf.nn.sparse_softmax_cross_entropy_with_logits (mean over examples)",
            got[0],
            loss,
            mistakes=[("did you sum instead of taking the mean?", loss * n)],
        )
        t.compare(
            "d_logits matches tf.GradientTape",
            got[1],
            d_logits,
            mistakes=[
                ("did you forget to divide by the number of examples?", d_logits * n),
                ("subtract 1 at the true class: softmax(logits) - one_hot(y)", scratch.softmax(logits) / n),
            ],
        )
    except _Failed:
        pass
    shifted = logits + 1000.0
    try:
        got = t.get("logits near 1000 stay finite", lambda: softmax_cross_entropy(shifted.copy(), y.copy()), parts=2)
    except _Failed:
        return
    overflow = "exp(1000) overflows: subtract each row's max from the logits first"
    t.compare("logits near 1000: the loss is unchanged (softmax ignores a shift)", got[0], loss, rtol=1e-6, nonfinite_hint=overflow)
    t.compare("logits near 1000: d_logits is unchanged", got[1], d_logits, rtol=1e-6, nonfinite_hint=overflow)


@check("exercise 2.4", "the numerical gradient (gradient check)")
def check_numerical_gradient(t: Tester, numerical_gradient) -> None:
    """Check numerical_gradient(f, x) on a 1-D and a 2-D x against tf.GradientTape."""
    rng = np.random.default_rng(7)
    x1 = rng.normal(size=5)
    t.close(
        "gradient of sum(sin(x) * x + x**2 / 2) at 5 points",
        lambda: numerical_gradient(_gradcheck_waves, x1.copy()),
        _tape_gradient(_gradcheck_waves_tf, x1),
        rtol=1e-4,
        atol=1e-6,
    )
    x2 = rng.normal(size=(3, 2))
    t.close(
        "gradient for a 2-D x (3, 2) whose entries interact",
        lambda: numerical_gradient(_gradcheck_coupled, x2.copy()),
        _tape_gradient(_gradcheck_coupled_tf, x2),
        rtol=1e-4,
        atol=1e-6,
        shape_hints={(3,): "loop over every entry of a 2-D x: np.ndindex(x.shape)"},
    )


def _tape_train_step(params, X, y, lr):
    """Loss and parameters after one SGD step of Dense -> ReLU -> ... -> Dense on softmax cross-entropy."""
    tf = _tf()
    variables = [tf.Variable(p, dtype=tf.float64) for p in params]
    with tf.GradientTape() as tape:
        h = tf.constant(X)
        for i in range(0, len(variables), 2):
            h = h @ variables[i] + variables[i + 1]
            if i + 2 < len(variables):
                h = tf.nn.relu(h)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant(y), logits=h))
    grads = tape.gradient(loss, variables)
    return float(loss.numpy()), [p - lr * g.numpy() for p, g in zip(params, grads)]


@check("exercise 2.5", "one training step")
def check_train_step(t: Tester, train_step, Dense) -> None:
    """Check train_step(layers, X, y, lr): the loss it returns and the layers' W and b after one SGD step."""
    rng = np.random.default_rng(8)
    sizes = [4, 5, 3]
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(size=(n_in, n_out)), rng.normal(size=n_out) * 0.1]
    X, y, lr = rng.normal(size=(6, 4)), np.array([0, 1, 2, 2, 1, 0]), 0.1
    loss, updated = _tape_train_step(params, X, y, lr)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layer = t.get(f"Dense({n_in}, {n_out}) can be made", lambda n_in=n_in, n_out=n_out: Dense(n_in, n_out))
        _set_params(t, layer, params[2 * i], params[2 * i + 1], f"layer {i + 1}")
        layers.append(layer)
    t.close(
        "returns the batch's loss (before the update)",
        lambda: train_step(layers, X.copy(), y.copy(), lr),
        loss,
        rtol=1e-6,
    )
    for i, layer in enumerate(layers):
        W_new, b_new = updated[2 * i], updated[2 * i + 1]
        W_old, b_old = params[2 * i], params[2 * i + 1]
        sign = "gradient descent moves against the gradient: subtract lr * gradient"
        t.close(f"layer {i + 1}'s W after one step", lambda layer=layer: layer.W, W_new, rtol=1e-6, mistakes=[(sign, 2 * W_old - W_new), ("W did not change", W_old)])
        t.close(f"layer {i + 1}'s b after one step", lambda layer=layer: layer.b, b_new, rtol=1e-6, mistakes=[(sign, 2 * b_old - b_new), ("b did not change", b_old)])


def _mlp_predict(params, X):
    h = X
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = scratch.relu(h)
    return h.argmax(axis=1)


@check("exercise 2.6", "train the network to the stated accuracy")
def check_mlp_accuracy(t: Tester, model) -> None:
    """Check that model, a list of trained Dense layers, classifies the digits test split with at least 90 % accuracy."""
    _value_given(model, "train the network first: model is still None")
    if not isinstance(model, (list, tuple)) or not model:
        t.record("model is a list of Dense layers", False, f"got {_fmt(model)}")
        return
    params = []
    for i, layer in enumerate(model):
        for name in ("W", "b"):
            value = t.get(f"layer {i + 1} has {name}", lambda layer=layer, name=name: getattr(layer, name))
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                t.record(f"layer {i + 1}'s {name} is an array", False, f"got {_fmt(value)}")
                return
            params.append(array.astype(float))
    X_train, y_train, X_test, y_test = lab02_data()
    shapes = [p.shape for p in params]
    fits = params[0].ndim == 2 and params[0].shape[0] == X_test.shape[1] and params[-1].shape[-1] == 10
    fits = fits and all(W.ndim == 2 and b.shape == (W.shape[1],) for W, b in zip(params[::2], params[1::2]))
    fits = fits and all(a.shape[1] == c.shape[0] for a, c in zip(params[:-2:2], params[2::2]))
    if not t.record("the layers map 64 pixels to 10 classes", fits, f"got W and b shapes {shapes}"):
        return
    accuracy = float(np.mean(_mlp_predict(params, X_test) == y_test))
    t.record(
        f"test accuracy {accuracy:.3f} is at least {LAB02_ACCURACY_FLOOR}",
        accuracy >= LAB02_ACCURACY_FLOOR,
        "train longer, or check train_step",
    )


# --- lab 03: convolutions and CNNs ----------------------------------------------------------

LAB03_ACCURACY_FLOOR = {"smoke": 0.8, "cpu": 0.9}  # test accuracy exercise 3.5 asks for, by profile
LAB03_MAX_PARAMS = 100_000  # the CNN's parameter budget: it must train in minutes on a laptop's CPU
LAB03_MAX_TEST = 2000  # the checks measure accuracy on the first 2,000 test digits at most


def lab03_accuracy_floor() -> float:
    """The test accuracy exercise 3.5 asks for in the active profile (smoke: 0.8; cpu and gpu: 0.9)."""
    from helpers import settings

    return settings.pick(**LAB03_ACCURACY_FLOOR)


@functools.cache
def _mnist_split():
    from helpers import data

    digits = data.load("mnist", max_test=LAB03_MAX_TEST)

    def images(x):
        return (x.astype(np.float32) / 255.0)[..., None]

    return images(digits.x_train), digits.y_train.astype(int), images(digits.x_test), digits.y_test.astype(int)


def lab03_data(max_train: int | None = None):
    """Lab 03's data: ``data.load("mnist")`` as images of shape (28, 28, 1) with pixels in [0, 1] (float32).

    Offline this is the announced stand-in (1,437 training and 360 test digits); with the real
    MNIST, ``max_train`` keeps the first training images and the test split is the first
    2,000 test images. Returns copies of ``X_train, y_train, X_test, y_test`` (integer labels 0-9).
    """
    X_train, y_train, X_test, y_test = _mnist_split()
    return X_train[:max_train].copy(), y_train[:max_train].copy(), X_test.copy(), y_test.copy()


def _keras_conv2d(X, W, b, stride=1, padding="valid"):
    """What keras.layers.Conv2D with kernel W (kh, kw, c_in, c_out) and bias b computes for X (n, h, w, c_in)."""
    _tf()
    import keras

    layer = keras.layers.Conv2D(W.shape[3], W.shape[:2], strides=stride, padding=padding, dtype="float64")
    layer.build((None, *X.shape[1:]))
    layer.set_weights([W, b])
    return np.asarray(layer(X))


def _keras_pool(X, pool, kind="max"):
    """What keras.layers.MaxPooling2D (or AveragePooling2D) with pool_size=pool computes for X (n, h, w, c)."""
    _tf()
    import keras

    Layer = keras.layers.MaxPooling2D if kind == "max" else keras.layers.AveragePooling2D
    return np.asarray(Layer(pool, dtype="float64")(X))


_FLIPPED = (
    "you flipped the kernel: that is the convolution of mathematics, but Conv2D in Keras "
    "(and in deep learning generally) computes cross-correlation: multiply each window by the kernel as it is"
)


def _single_conv_reference(x, kernel):
    return _keras_conv2d(x[None, :, :, None], kernel[:, :, None, None], np.zeros(1))[0, :, :, 0]


@check("exercise 3.1", "conv2d (one channel, 'valid')")
def check_conv2d(t: Tester, conv2d) -> None:
    """Check conv2d(x, kernel), a single-channel 'valid' cross-correlation, against keras.layers.Conv2D."""
    rng = np.random.default_rng(30)
    x, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    expected = _single_conv_reference(x, kernel)
    same = {x.shape: "'valid' means no padding: the output is (h - kh + 1, w - kw + 1)"}
    t.close(
        "a (3, 2) kernel over a (6, 7) image matches keras.layers.Conv2D",
        lambda: conv2d(x.copy(), kernel.copy()),
        expected,
        mistakes=[(_FLIPPED, _single_conv_reference(x, kernel[::-1, ::-1]))],
        shape_hints={**same, (5, 5): "the kernel has kh = 3 rows and kw = 2 columns: the output is (6 - 3 + 1, 7 - 2 + 1)"},
    )
    edge = np.array([[1.0, 0.0, -1.0]] * 3)
    image = np.zeros((5, 6))
    image[:, 3:] = 1.0
    t.close(
        "a vertical-edge kernel lights up where a (5, 6) image steps from 0 to 1",
        lambda: conv2d(image.copy(), edge.copy()),
        _single_conv_reference(image, edge),
        mistakes=[(_FLIPPED, _single_conv_reference(image, edge[::-1, ::-1]))],
        shape_hints={image.shape: same[x.shape]},
    )
    ones = np.ones((1, 1))
    t.close("a (1, 1) kernel of 1 returns the image unchanged", lambda: conv2d(x.copy(), ones), x)


@check("exercise 3.2", "conv2d_layer (batch, channels, stride, padding)")
def check_conv2d_layer(t: Tester, conv2d_layer) -> None:
    """Check conv2d_layer(X, W, b, stride, padding) against keras.layers.Conv2D with the same weights."""
    rng = np.random.default_rng(31)
    X = rng.normal(size=(2, 7, 6, 3))
    W, b = rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
    n, h, w, _ = X.shape
    for stride, padding in [(1, "valid"), (1, "same"), (2, "valid"), (2, "same")]:
        expected = _keras_conv2d(X, W, b, stride, padding)
        hints = {}
        if stride > 1:
            hint = "the window moves `stride` pixels at a time: step its corner by stride, not 1"
            hints[(n, h - 2, w - 2, 4) if padding == "valid" else (n, h, w, 4)] = hint
        if padding == "same":
            hint = "padding='same' pads the image with zeros so that the output is ceil(h / stride) by ceil(w / stride)"
            hints.setdefault((n, (h - 3) // stride + 1, (w - 3) // stride + 1, 4), hint)
        else:
            hint = "padding='valid' means no padding: the output is (h - kh) // stride + 1 by (w - kw) // stride + 1"
            hints.setdefault((n, -(-h // stride), -(-w // stride), 4), hint)
        hints = {shape: hint for shape, hint in hints.items() if shape != expected.shape}
        mistakes = [
            (_FLIPPED, _keras_conv2d(X, W[::-1, ::-1], b, stride, padding)),
            ("the bias b is missing", expected - b),
            ("the kernel's rows and columns are swapped: W[i, j] multiplies the pixel i rows down, j columns right", _keras_conv2d(X, W.transpose(1, 0, 2, 3), b, stride, padding)),
        ]
        if padding == "same" and stride == 2:
            mistakes.append((
                "Keras pads unevenly when the total padding is odd: top (and left) get total // 2, bottom (and right) the rest",
                _keras_conv2d(np.pad(X, ((0, 0), (1, 1), (1, 0), (0, 0))), W, b, stride, "valid"),
            ))
        t.close(
            f"stride={stride}, padding={padding!r}: a (2, 7, 6, 3) batch through a (3, 3, 3, 4) kernel matches keras.layers.Conv2D",
            lambda stride=stride, padding=padding: conv2d_layer(X.copy(), W.copy(), b.copy(), stride=stride, padding=padding),
            expected,
            mistakes=mistakes,
            shape_hints=hints,
        )


@check("exercise 3.3", "max_pool2d")
def check_max_pool2d(t: Tester, max_pool2d) -> None:
    """Check max_pool2d(X, pool) on batches of multi-channel images against keras.layers.MaxPooling2D."""
    rng = np.random.default_rng(32)
    for shape, pool in [((2, 6, 6, 3), 2), ((1, 7, 5, 2), 2), ((1, 6, 9, 2), 3)]:
        X = rng.normal(size=shape)
        expected = _keras_pool(X, pool)
        n, h, w, c = shape
        ceil = (n, -(-h // pool), -(-w // pool), c)
        hints = {
            ceil: "drop the last rows or columns that do not fill a whole window (Keras's padding='valid')",
            (n, h - pool + 1, w - pool + 1, c): "the windows do not overlap: move them by `pool` pixels, not 1",
            (n, h // pool, w // pool): "pool each channel separately: keep the last axis",
        }
        hints = {s: hint for s, hint in hints.items() if s != expected.shape}
        t.close(
            f"pool={pool} on a batch of shape {shape} matches keras.layers.MaxPooling2D",
            lambda X=X, pool=pool: max_pool2d(X.copy(), pool=pool),
            expected,
            mistakes=[("you took the mean of each window: max pooling keeps its largest value", _keras_pool(X, pool, "mean"))],
            shape_hints=hints,
        )


def _has_conv2d(config) -> bool:
    if isinstance(config, dict):
        return config.get("class_name") == "Conv2D" or any(_has_conv2d(v) for v in config.values())
    if isinstance(config, (list, tuple)):
        return any(_has_conv2d(v) for v in config)
    return False


def _model_params(t: Tester, model, what: str) -> int | None:
    """Its number of parameters, recorded against LAB03_MAX_PARAMS; None when it cannot be counted."""
    count = t.get(f"{what} can count its parameters (model.count_params())", lambda: model.count_params())
    if not isinstance(count, (int, np.integer)):
        t.record(f"{what}.count_params() is a number", False, f"got {_fmt(count)}")
        return None
    t.record(
        f"{what} has {int(count):,} parameters, at most {LAB03_MAX_PARAMS:,}",
        count <= LAB03_MAX_PARAMS,
        "too big to train on a CPU in minutes: use fewer filters, pool earlier, or a smaller Dense layer",
    )
    return int(count)


@check("exercise 3.4", "build_cnn")
def check_build_cnn(t: Tester, build_cnn) -> None:
    """Check build_cnn(): a compiled Keras model with a Conv2D layer mapping (n, 28, 28, 1) images to 10 scores."""
    model = t.get("build_cnn() returns a model", lambda: build_cnn())
    config = t.get("the model describes its layers (model.get_config())", lambda: model.get_config())
    t.record(
        "the model has at least one Conv2D layer",
        _has_conv2d(config),
        "build it from keras.layers: Conv2D, MaxPooling2D, Flatten, Dense",
    )
    _model_params(t, model, "the model")
    compiled = t.get("the model says whether it is compiled", lambda: model.compiled)
    t.record("the model is compiled (model.compile(optimizer=..., loss=..., metrics=...))", compiled is True, "call model.compile before returning it")
    X = np.zeros((2, 28, 28, 1), dtype=np.float32)
    scores = t.get("model.predict on 2 images of shape (28, 28, 1)", lambda: model.predict(X, verbose=0))
    t.record(
        "it gives 10 scores per image, shape (2, 10)",
        np.shape(scores) == (2, 10),
        f"got shape {np.shape(scores)}: end with Dense(10), one score per digit",
    )


@check("exercise 3.5", "train the CNN to the stated accuracy")
def check_cnn_accuracy(t: Tester, model) -> None:
    """Check that the trained model stays within the parameter budget and passes the accuracy floor on the test split."""
    _value_given(model, "train the CNN first: model is still None")
    if _model_params(t, model, "the trained model") is None:
        return
    _, _, X_test, y_test = lab03_data()
    scores = t.get(f"model.predict on the {len(X_test)} test digits", lambda: model.predict(X_test, verbose=0))
    scores = np.asarray(scores)
    if scores.dtype.kind not in "biuf" or scores.shape != (len(X_test), 10):
        t.record("the model gives 10 scores per test digit", False, f"got {_describe(scores)}")
        return
    floor = lab03_accuracy_floor()
    accuracy = float(np.mean(scores.argmax(axis=1) == y_test))
    t.record(
        f"test accuracy {accuracy:.3f} is at least {floor}",
        accuracy >= floor,
        "train for more epochs, or give the CNN more filters",
    )


# --- a whole lab ----------------------------------------------------------------------------

LABS = {
    "lab01_neuron_and_gradient_descent": {
        "title": "Lab 01 · A neuron and gradient descent",
        "checks": [
            ("check_sigmoid", ("sigmoid",)),
            ("check_neuron", ("neuron",)),
            ("check_binary_cross_entropy", ("binary_cross_entropy",)),
            ("check_loss_gradients", ("loss_gradients",)),
            ("check_train", ("train",)),
            ("check_neuron_accuracy", ("w", "b")),
        ],
    },
    "lab02_backprop_from_scratch": {
        "title": "Lab 02 · Backpropagation from scratch",
        "checks": [
            ("check_dense_forward", ("Dense",)),
            ("check_dense_backward", ("Dense",)),
            ("check_softmax_cross_entropy", ("softmax_cross_entropy",)),
            ("check_numerical_gradient", ("numerical_gradient",)),
            ("check_train_step", ("train_step", "Dense")),
            ("check_mlp_accuracy", ("model",)),
        ],
    },
    "lab03_convolutions_and_cnns": {
        "title": "Lab 03 · Convolutions and CNNs",
        "checks": [
            ("check_conv2d", ("conv2d",)),
            ("check_conv2d_layer", ("conv2d_layer",)),
            ("check_max_pool2d", ("max_pool2d",)),
            ("check_build_cnn", ("build_cnn",)),
            ("check_cnn_accuracy", ("model",)),
        ],
    },
}


def lab_id(name: str) -> str:
    """The full id of a lab from its id, its number ('2', '02') or 'lab02'; ValueError when unknown."""
    text = str(name).strip().lower().removesuffix(".ipynb")
    for lab in LABS:
        if text in (lab, lab[:5], lab[3:5], str(int(lab[3:5]))):
            return lab
    raise ValueError(f"unknown lab {name!r}; the labs are: {', '.join(LABS)}.")


def check_names(lab: str) -> list[str]:
    """The names of a lab's checks, in order (the grader's CSV columns)."""
    return [name for name, _ in LABS[lab_id(lab)]["checks"]]


def prepare(lab: str) -> None:
    """Import what a lab's checks need and load its data now (the grader does this before any submission runs)."""
    lab = lab_id(lab)
    if lab.startswith("lab01"):
        lab01_data()
    elif lab.startswith("lab03"):
        # The grader's kernels run with LAB_OFFLINE=1 (grade.kernel_environment): measure on the same
        # offline split here, whatever this process could download. The cache keeps it for every check.
        offline = os.environ.get("LAB_OFFLINE")
        os.environ["LAB_OFFLINE"] = "1"
        try:
            lab03_data()
        finally:
            if offline is None:
                os.environ.pop("LAB_OFFLINE", None)
            else:
                os.environ["LAB_OFFLINE"] = offline
        _keras_conv2d(np.zeros((1, 3, 3, 1)), np.zeros((2, 2, 1, 1)), np.zeros(1))
        _keras_pool(np.zeros((1, 2, 2, 1)), 2)
    else:
        lab02_data()
        _tape_gradient(_gradcheck_waves_tf, np.zeros(2))
        _keras_dense(np.zeros((1, 2)), np.zeros((2, 2)), np.zeros(2))


def _lab_of(check_name: str) -> str | None:
    """The lab a check belongs to, or None (checks used outside the labs)."""
    return next((lab for lab, info in LABS.items() if any(name == check_name for name, _ in info["checks"])), None)


def run_lab(lab: str, namespace, *, strict: bool | None = None, echo: bool = True) -> list[CheckResult]:
    """Run every check of a lab on the names a notebook defined (pass ``globals()``); print one line per check."""
    lab = lab_id(lab)
    results = []
    for check_name, names in LABS[lab]["checks"]:
        function = globals()[check_name]
        values, missing, stopped = [], [], None
        for name in names:
            try:
                values.append(namespace[name])
            except KeyError:
                missing.append(name)
            except StopCheck as why:
                stopped = str(why)
                break
        if stopped or missing:
            result = CheckResult(check_name, function.exercise, function.title)
            reason = f"stopped: {stopped}" if stopped else f"the notebook does not define {', '.join(missing)}"
            result.tests.append(Outcome("", False, reason))
        else:
            result = function(*values, strict=False, echo=False)
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

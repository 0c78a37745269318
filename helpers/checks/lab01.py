"""Lab 01's data and checks: a neuron and gradient descent (references from ``helpers.scratch``)."""

from __future__ import annotations

import functools

import numpy as np

from helpers import scratch
from helpers.checks.framework import Failed, Tester, check, fmt, lab_id, value_given

LAB = lab_id("lab01")
LAB01_ACCURACY_FLOOR = 0.9  # test accuracy exercise 1.6 asks for, in every profile

__all__ = ["LAB01_ACCURACY_FLOOR", "lab01_data"]  # the package exports these and the checks


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


def prepare() -> None:
    """Load the data now (the grader calls this before any submission runs)."""
    lab01_data()


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


@check(LAB, "exercise 1.1", "sigmoid", needs=("sigmoid",))
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


@check(LAB, "exercise 1.2", "neuron", needs=("neuron",))
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


@check(LAB, "exercise 1.3", "binary cross-entropy", needs=("binary_cross_entropy",))
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


@check(LAB, "exercise 1.4", "gradient of the loss", needs=("loss_gradients",))
def check_loss_gradients(t: Tester, loss_gradients) -> None:
    """Check (dw, db), the gradient of the mean binary cross-entropy of neuron(X, w, b), by central differences."""
    rng = np.random.default_rng(2)
    X, w, b = rng.normal(size=(6, 3)), rng.normal(size=3), -0.3
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    dw, db = _bce_gradients(X, y, w, b)
    try:
        got = t.get("loss_gradients returns (dw, db)", lambda: loss_gradients(X.copy(), y.copy(), w.copy(), b), parts=2)
    except Failed:
        return
    n = len(y)
    t.compare("dw, the gradient for the weights", got[0], dw, rtol=1e-4, atol=1e-7, mistakes=[("did you forget to divide by the number of examples?", dw * n)])
    t.compare("db, the gradient for the bias", got[1], db, rtol=1e-4, atol=1e-7, mistakes=[("did you forget to divide by the number of examples?", db * n)])


@check(LAB, "exercise 1.5", "the training loop", needs=("train",))
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
    except Failed:
        pass
    num_epochs = 20
    w20, b20 = _reference_train(X, y, lr, num_epochs)
    try:
        got = t.get(f"train for {num_epochs} epochs", lambda: train(X.copy(), y.copy(), lr, num_epochs), parts=3)
    except Failed:
        return
    t.compare(f"w after {num_epochs} epochs", got[0], w20, rtol=1e-4)
    t.compare(f"b after {num_epochs} epochs", got[1], b20, rtol=1e-4)
    losses = got[2]
    try:
        losses = np.asarray(losses, dtype=float).ravel()
    except (TypeError, ValueError):
        t.record("losses is a list of numbers", False, f"got {fmt(got[2])}")
        return
    t.record(
        "losses has one entry per epoch",
        len(losses) == num_epochs,
        f"expected {num_epochs} losses, got {len(losses)}",
    )
    t.record(
        "the loss falls during training",
        len(losses) >= 2 and losses[-1] < losses[0],
        f"first loss {fmt(losses[:1])}, last loss {fmt(losses[-1:])}",
    )


@check(LAB, "exercise 1.6", "train to the stated accuracy", needs=("w", "b"))
def check_neuron_accuracy(t: Tester, w, b) -> None:
    """Check that the trained w and b classify lab 01's test split with at least 90 % accuracy."""
    value_given(w, "train the neuron first: w is still None")
    value_given(b, "train the neuron first: b is still None")
    X_train, y_train, X_test, y_test = lab01_data()
    w_array = np.asarray(w, dtype=float) if np.asarray(w).dtype.kind in "biuf" else None
    if w_array is None or w_array.shape != (X_train.shape[1],):
        t.record("w has one weight per feature", False, f"expected shape ({X_train.shape[1]},), got {fmt(w)}")
        return
    t.record("w has one weight per feature", True)
    try:
        b_value = float(np.asarray(b, dtype=float).reshape(()))
    except (TypeError, ValueError):
        t.record("b is a single number", False, f"got {fmt(b)}")
        return
    accuracy = float(np.mean((scratch.neuron(X_test, w_array, b_value) > 0.5) == y_test))
    t.record(
        f"test accuracy {accuracy:.3f} is at least {LAB01_ACCURACY_FLOOR}",
        accuracy >= LAB01_ACCURACY_FLOOR,
        "train longer or with another learning rate",
    )

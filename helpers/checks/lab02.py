"""Lab 02's data and checks: backpropagation from scratch (references from ``tf.GradientTape`` and Keras)."""

from __future__ import annotations

import functools

import numpy as np

from helpers import scratch
from helpers.checks import reference
from helpers.checks.framework import Failed, NotYet, StopCheck, Tester, check, exception_text, fmt, lab_id, value_given

LAB = lab_id("lab02")
LAB02_ACCURACY_FLOOR = 0.9  # test accuracy exercise 2.6 asks for, in every profile

__all__ = ["LAB02_ACCURACY_FLOOR", "lab02_data"]  # the package exports these and the checks


@functools.cache
def _digits_split():
    from helpers import data

    digits = data.load("digits")
    X_train = digits.X_train.reshape(len(digits.X_train), -1).astype(float) / 255.0
    X_test = digits.X_test.reshape(len(digits.X_test), -1).astype(float) / 255.0
    return X_train, digits.y_train.astype(int), X_test, digits.y_test.astype(int)


def lab02_data():
    """Lab 02's data: ``data.load("digits")`` (8x8 images) flattened to 64 numbers in [0, 1].

    Returns copies of ``X_train (1437, 64), y_train, X_test (360, 64), y_test`` (integer labels 0-9).
    """
    return tuple(part.copy() for part in _digits_split())


def prepare() -> None:
    """Load the data and TensorFlow now (the grader calls this before any submission runs)."""
    lab02_data()
    reference.tape_gradient(reference.gradcheck_waves_tf, np.zeros(2))
    reference.keras_dense(np.zeros((1, 2)), np.zeros((2, 2)), np.zeros(2))


def _set_params(t: Tester, layer, W, b, what: str) -> None:
    try:
        layer.W = W.copy()
        layer.b = b.copy()
    except (StopCheck, NotYet):
        raise
    except Exception as error:  # noqa: BLE001
        t.record(f"set W and b of {what}", False, exception_text(error))
        raise Failed from None


@check(LAB, "exercise 2.1", "Dense.forward", needs=("Dense",))
def check_dense_forward(t: Tester, Dense) -> None:
    """Check Dense(n_in, n_out).forward(X) = X @ W + b against keras.layers.Dense with the same weights."""
    rng = np.random.default_rng(4)
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    layer = t.get("Dense(3, 4) can be made", lambda: Dense(3, 4))
    _set_params(t, layer, W, b, "Dense(3, 4)")
    expected = reference.keras_dense(X, W, b)
    t.close(
        "forward(X) for 5 examples matches keras.layers.Dense",
        lambda: layer.forward(X.copy()),
        expected,
        mistakes=[("the bias b is missing", X @ W)],
    )
    t.close("forward stores its input as self.X (backward needs it)", lambda: layer.X, X)
    t.close("forward(X) for a single example", lambda: layer.forward(X[:1].copy()), expected[:1])


@check(LAB, "exercise 2.2", "Dense.backward", needs=("Dense",))
def check_dense_backward(t: Tester, Dense) -> None:
    """Check Dense.backward(d_out): self.dW, self.db and the returned dX against tf.GradientTape."""
    rng = np.random.default_rng(5)
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    d_out = rng.normal(size=(5, 4))
    dW, db, dX = reference.tape_dense(X, W, b, d_out)
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


@check(LAB, "exercise 2.3", "softmax cross-entropy and its gradient", needs=("softmax_cross_entropy",))
def check_softmax_cross_entropy(t: Tester, softmax_cross_entropy) -> None:
    """Check softmax_cross_entropy(logits, y) -> (loss, d_logits) against TensorFlow and tf.GradientTape."""
    rng = np.random.default_rng(6)
    logits, y = rng.normal(size=(4, 3)) * 2, np.array([0, 2, 1, 2])
    loss, d_logits = reference.tape_softmax_cross_entropy(logits, y)
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
    except Failed:
        pass
    shifted = logits + 1000.0
    try:
        got = t.get("logits near 1000 stay finite", lambda: softmax_cross_entropy(shifted.copy(), y.copy()), parts=2)
    except Failed:
        return
    overflow = "exp(1000) overflows: subtract each row's max from the logits first"
    t.compare("logits near 1000: the loss is unchanged (softmax ignores a shift)", got[0], loss, rtol=1e-6, nonfinite_hint=overflow)
    t.compare("logits near 1000: d_logits is unchanged", got[1], d_logits, rtol=1e-6, nonfinite_hint=overflow)


@check(LAB, "exercise 2.4", "the numerical gradient (gradient check)", needs=("numerical_gradient",))
def check_numerical_gradient(t: Tester, numerical_gradient) -> None:
    """Check numerical_gradient(f, x) on a 1-D and a 2-D x against tf.GradientTape."""
    rng = np.random.default_rng(7)
    x1 = rng.normal(size=5)
    t.close(
        "gradient of sum(sin(x) * x + x**2 / 2) at 5 points",
        lambda: numerical_gradient(reference.gradcheck_waves, x1.copy()),
        reference.tape_gradient(reference.gradcheck_waves_tf, x1),
        rtol=1e-4,
        atol=1e-6,
    )
    x2 = rng.normal(size=(3, 2))
    t.close(
        "gradient for a 2-D x (3, 2) whose entries interact",
        lambda: numerical_gradient(reference.gradcheck_coupled, x2.copy()),
        reference.tape_gradient(reference.gradcheck_coupled_tf, x2),
        rtol=1e-4,
        atol=1e-6,
        shape_hints={(3,): "loop over every entry of a 2-D x: np.ndindex(x.shape)"},
    )


@check(LAB, "exercise 2.5", "one training step", needs=("train_step", "Dense"))
def check_train_step(t: Tester, train_step, Dense) -> None:
    """Check train_step(layers, X, y, lr): the loss it returns and the layers' W and b after one SGD step."""
    rng = np.random.default_rng(8)
    sizes = [4, 5, 3]
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(size=(n_in, n_out)), rng.normal(size=n_out) * 0.1]
    X, y, lr = rng.normal(size=(6, 4)), np.array([0, 1, 2, 2, 1, 0]), 0.1
    loss, updated = reference.tape_train_step(params, X, y, lr)
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


@check(LAB, "exercise 2.6", "train the network to the stated accuracy", needs=("model",))
def check_mlp_accuracy(t: Tester, model) -> None:
    """Check that model, a list of trained Dense layers, classifies the digits test split with at least 90 % accuracy."""
    value_given(model, "train the network first: model is still None")
    if not isinstance(model, (list, tuple)) or not model:
        t.record("model is a list of Dense layers", False, f"got {fmt(model)}")
        return
    params = []
    for i, layer in enumerate(model):
        for name in ("W", "b"):
            value = t.get(f"layer {i + 1} has {name}", lambda layer=layer, name=name: getattr(layer, name))
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                t.record(f"layer {i + 1}'s {name} is an array", False, f"got {fmt(value)}")
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

"""Lab 07's checks: the input gradient, FGSM, PGD and a step of adversarial training (notebook 29). The references
are float64 Keras twins of the check's small models differentiated with ``tf.GradientTape`` (``reference.py``);
the usual mistakes are written out here, computed the same way."""

from __future__ import annotations

import numpy as np

from helpers import settings
from helpers.checks import reference
from helpers.checks.framework import Failed, Tester, check, exception_text, fmt, lab_id, value_given

LAB = lab_id("lab07")
LAB07_LR = 0.5  # the SGD learning rate of exercise 7.4's check
KINDS = ("linear", "mlp", "batch_norm")
# Exercise 7.5's floors by profile: both networks' clean test accuracy, how much PGD at EPS takes from the ordinary one,
# and how much adversarial training adds under that PGD. Measured (seed 0): cpu, 10 epochs, ordinary 0.972 clean and
# 0.267 under PGD, adversarial 0.978 and 0.775; smoke, 2 epochs, 0.861 and 0.225, 0.875 and 0.381. An untrained
# network reads 0.161 clean (0.025 under PGD); training without the attack adds nothing.
LAB07_ROBUST_FLOORS = {"smoke": {"clean": 0.6, "drop": 0.3, "gain": 0.05}, "cpu": {"clean": 0.9, "drop": 0.5, "gain": 0.3}}

__all__ = ["LAB07_LR", "LAB07_ROBUST_FLOORS", "lab07_data", "lab07_model", "lab07_robust_floors"]  # and the checks


def lab07_robust_floors() -> dict:
    """Exercise 7.5's floors in the active profile: {"clean": ..., "drop": ..., "gain": ...} (see LAB07_ROBUST_FLOORS)."""
    return dict(settings.pick(**LAB07_ROBUST_FLOORS))


def lab07_model(seed: int = 0, num_inputs: int = 12, num_classes: int = 3, hidden: int = 8, kind: str = "mlp"):
    """A small classifier giving logits, a Keras model whose weights come from ``seed``: ``kind`` "linear" is one
    Dense layer; "mlp" is Dense(hidden), tanh, Dense(num_classes); "batch_norm" puts a BatchNormalization layer
    (with moving statistics away from 0 and 1) before the tanh."""
    for name, value in (("num_inputs", num_inputs), ("num_classes", num_classes), ("hidden", hidden)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    if num_classes < 2:
        raise ValueError(f"a classifier needs at least 2 classes, got num_classes={num_classes}.")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}.")
    settings.import_tensorflow()
    import keras

    return _model(keras, seed, num_inputs, num_classes, hidden, kind)


def lab07_data():
    """Lab 07's data: ``data.load("digits")``, the real 8x8 handwritten digits, flattened to 64 pixels in [0, 1].

    Returns copies of ``X_train (1437, 64), y_train, X_test (360, 64), y_test``: float32 pixels, integer labels 0-9.
    """
    from helpers import data

    digits = data.load("digits")
    X_train, X_test = ((X.reshape(len(X), -1) / 255.0).astype("float32") for X in (digits.X_train, digits.X_test))
    return X_train, digits.y_train.astype("int64"), X_test, digits.y_test.astype("int64")


def _model(keras, seed, num_inputs=12, num_classes=3, hidden=8, kind="mlp"):
    """lab07_model built with the given keras module: the grader passes the submission kernel's, so the model lives there."""
    rng = np.random.default_rng(seed)
    stack = [keras.Input((num_inputs,))]
    if kind == "linear":
        stack.append(keras.layers.Dense(num_classes))
        weights = [rng.normal(0.0, 1.0, (num_inputs, num_classes)), rng.normal(0.0, 0.3, num_classes)]
    else:
        stack.append(keras.layers.Dense(hidden))
        weights = [rng.normal(0.0, 2.0 / np.sqrt(num_inputs), (num_inputs, hidden)), rng.normal(0.0, 0.3, hidden)]
        if kind == "batch_norm":
            stack.append(keras.layers.BatchNormalization())
            weights += [rng.uniform(0.7, 1.5, hidden), rng.normal(0.0, 0.3, hidden),  # gamma, beta
                        rng.normal(0.0, 0.5, hidden), rng.uniform(0.3, 2.0, hidden)]  # moving mean and variance
        stack.append(keras.layers.Activation("tanh"))
        stack.append(keras.layers.Dense(num_classes))
        weights += [rng.normal(0.0, 2.0 / np.sqrt(hidden), (hidden, num_classes)), rng.normal(0.0, 0.3, num_classes)]
    model = keras.Sequential(stack, name=f"lab07_{kind}")
    model.set_weights([w.astype("float32") for w in weights])
    return model


def _images(rng, batch, num_inputs):
    """A batch of flat images in [0, 1]: grey pixels, and a few exactly 0 or 1 (where the pixel clip matters)."""
    X = rng.uniform(0.0, 1.0, size=(batch, num_inputs))
    X[rng.uniform(size=X.shape) < 0.2] = 0.0
    X[rng.uniform(size=X.shape) < 0.1] = 1.0
    return X.astype("float32")


def prepare() -> None:
    """Import TensorFlow and run each reference once (the grader calls this before any submission runs)."""
    model = lab07_model(kind="batch_norm")
    X, y = np.full((2, 12), 0.5, dtype="float32"), np.array([0, 1])
    reference.tape_pgd(reference.keras_float64_classifier(model.get_weights()), X, y, 0.1, 1, 0.1, np.zeros_like(X))
    reference.tape_adversarial_train_step(model.get_weights(), X, y, 0.1, np.zeros_like(X), LAB07_LR)


def _array(value) -> np.ndarray:
    """What the learner returned as a NumPy array (a tensor, here or in the submission's kernel, included)."""
    numpy = getattr(value, "numpy", None)
    if callable(numpy):
        value = numpy()
    return np.asarray(value)


def _is_list_of_arrays(value) -> bool:
    return isinstance(value, (list, tuple)) and len(value) > 1


def _as_float(value) -> float:
    return float(_array(value))


def _cross_entropies(model, X, y) -> np.ndarray:
    """Each example's softmax cross-entropy under a float64 model (inference mode)."""
    settings.import_tensorflow()
    import keras

    return np.asarray(keras.losses.sparse_categorical_crossentropy(np.asarray(y), model(np.asarray(X, dtype=float)), from_logits=True))


# --- the usual mistakes, written out --------------------------------------------------------------

_GRADIENT_MISTAKES = {
    "mean": "that is the gradient of the batch's mean loss, each row 1/batch of its own: differentiate the per-example "
    "losses (tape.gradient of the vector of losses sums them, which leaves each image its own gradient)",
    "probabilities": "the model outputs logits but the loss took them as probabilities: pass from_logits=True",
    "training": "the model ran in training mode (training=True), so BatchNormalization used the batch's statistics: an attack "
    "probes the model as it predicts, model(X) or model(X, training=False)",
    "negated": "that is the gradient of minus the loss: the attack needs dL/dX of the cross-entropy itself",
}


def _gradient(model, X, y, mistake=None):
    """reference.tape_loss_gradient, or one of _GRADIENT_MISTAKES, in float64."""
    tf = settings.import_tensorflow()
    import keras

    if mistake in (None, "training", "negated"):
        gradient = reference.tape_loss_gradient(model, X, y, training=mistake == "training")
        return -gradient if mistake == "negated" else gradient
    X = tf.constant(np.asarray(X, dtype=float))
    with tf.GradientTape() as tape:
        tape.watch(X)
        losses = keras.losses.sparse_categorical_crossentropy(np.asarray(y), model(X), from_logits=mistake != "probabilities")
        loss = tf.reduce_mean(losses) if mistake == "mean" else tf.reduce_sum(losses)
    return tape.gradient(loss, X).numpy()


_WEIGHTS_HINT = ("that is a list of arrays, one per weight: the gradient with respect to the model's weights. An attack "
                 "needs it with respect to the input: X = tf.convert_to_tensor(X), tape.watch(X), tape.gradient(loss, X)")

_FGSM_MISTAKES = {
    "descent": "that steps down the loss, x - eps * sign(gradient), which makes the model surer of the right class: the "
    "attack climbs it, x + eps * sign(gradient)",
    "no clip": "some pixels left [0, 1]: clip the attacked image to valid pixels, np.clip(..., 0.0, 1.0)",
    "raw gradient": "that steps along the gradient itself: FGSM takes its sign, eps * np.sign(gradient), so every pixel "
    "moves by the full eps",
    "raw gradient, no clip": "that steps along the gradient itself and does not clip: x_adv = np.clip(x + eps * "
    "np.sign(gradient), 0, 1)",
    "descent, no clip": "that steps down the loss and does not clip: x_adv = np.clip(x + eps * np.sign(gradient), 0, 1)",
}


def _fgsm(model, X, y, eps, mistake=None):
    X = np.asarray(X, dtype=float)
    gradient = _gradient(model, X, y)
    step = gradient if mistake and mistake.startswith("raw gradient") else np.sign(gradient)
    X_adv = X - eps * step if mistake and mistake.startswith("descent") else X + eps * step
    return X_adv if mistake and mistake.endswith("no clip") else np.clip(X_adv, 0.0, 1.0)


_PGD_MISTAKES = {
    "project once": "the image was projected only once, at the end: project onto the eps-ball around X (and onto [0, 1]) "
    "after every step, so that each gradient is taken at an admissible image",
    "previous iterate": "each step was projected onto the ball around the previous iterate, so the steps drifted away from "
    "X: project onto the ball around the clean X, np.clip(X_adv, X - eps, X + eps)",
    "no pixel clip": "some pixels left [0, 1]: after the ball, clip to valid pixels, np.clip(..., 0.0, 1.0), at every step",
    "raw gradient": "the steps follow the gradient itself: PGD steps alpha * np.sign(gradient)",
    "descent": "the steps go down the loss: PGD climbs it, X_adv + alpha * np.sign(gradient)",
    "eps steps": "each step was eps long: the step is alpha (PGD takes many short steps)",
    "start ignored": "the start was not used: begin at np.clip(X + start, 0.0, 1.0) when a start is given",
}


def _pgd(model, X, y, eps, num_steps, alpha, start=None, mistake=None):
    """reference.tape_pgd, or one of _PGD_MISTAKES, in float64."""
    X = np.asarray(X, dtype=float)
    if mistake == "eps steps":
        alpha = eps
    use_start = start is not None and mistake != "start ignored"
    X_adv = np.clip(X + np.asarray(start, dtype=float), 0.0, 1.0) if use_start else X.copy()
    for _ in range(num_steps):
        gradient = _gradient(model, X_adv, y)
        step = gradient if mistake == "raw gradient" else np.sign(gradient)
        previous, X_adv = X_adv, X_adv - alpha * step if mistake == "descent" else X_adv + alpha * step
        if mistake == "project once":
            continue
        centre = previous if mistake == "previous iterate" else X
        X_adv = np.clip(X_adv, centre - eps, centre + eps)
        if mistake != "no pixel clip":
            X_adv = np.clip(X_adv, 0.0, 1.0)
    if mistake == "project once":
        X_adv = np.clip(np.clip(X_adv, X - eps, X + eps), 0.0, 1.0)
    return X_adv


_STEP_MISTAKES = {
    "clean": "the weights were trained on the clean batch: adversarial training takes its step on the attacked batch X_adv",
    "attack in training mode": "the attack ran the model in training mode (training=True): BatchNormalization used the "
    "batch's statistics for the attack's gradient and moved its moving statistics, which only the training step may do; "
    "attack with model(X) or model(X, training=False)",
    "step in inference mode": "the training step ran the model in inference mode: call model(X_adv, training=True) inside "
    "the tape, as fit does, so BatchNormalization uses the batch's statistics and updates its moving ones",
    "no random start": "the attack started at X: Wong et al.'s FGSM begins at the random point np.clip(X + start, 0, 1)",
    "no projection": "the FGSM step of 1.25 eps was not projected back onto the eps-ball around X: clip to "
    "[X - eps, X + eps], then to [0, 1]",
    "step eps": "the FGSM step was eps long: Wong et al. step 1.25 eps from the random start (alpha = 1.25 * eps), then project",
    "mixed loss": "that loss mixes the clean and the attacked batch half and half (Goodfellow et al., 2015): here the step "
    "minimises the loss of the attacked batch alone, as Madry et al. and Wong et al. do",
}


def _train_step(weights, X, y, eps, start, lr, mistake=None):
    """reference.tape_adversarial_train_step, or one of _STEP_MISTAKES, in float64: the loss and every weight after the step."""
    tf = settings.import_tensorflow()
    import keras

    model = reference.keras_float64_classifier(weights)
    X = np.asarray(X, dtype=float)
    alpha = eps if mistake == "step eps" else 1.25 * eps
    X_adv = np.clip(X + np.asarray(start, dtype=float), 0.0, 1.0) if mistake != "no random start" else X.copy()
    gradient = reference.tape_loss_gradient(model, X_adv, y, training=mistake == "attack in training mode")
    X_adv = X_adv + alpha * np.sign(gradient)
    X_adv = np.clip(X_adv if mistake == "no projection" else np.clip(X_adv, X - eps, X + eps), 0.0, 1.0)

    def loss_of(inputs):
        logits = model(tf.constant(inputs), training=mistake != "step in inference mode")
        return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(np.asarray(y), logits, from_logits=True))

    with tf.GradientTape() as tape:
        if mistake == "mixed loss":
            loss = 0.5 * loss_of(X) + 0.5 * loss_of(X_adv)
        else:
            loss = loss_of(X if mistake == "clean" else X_adv)
    for variable, grad in zip(model.trainable_variables, tape.gradient(loss, model.trainable_variables)):
        variable.assign_sub(lr * grad)
    return float(loss), [np.asarray(w, dtype=float) for w in model.get_weights()]


def _flat(weights) -> np.ndarray:
    return np.concatenate([np.asarray(w, dtype=float).ravel() for w in weights])


def _build(t: Tester, keras, seed, kind, num_inputs=12, num_classes=3):
    """The check's model, built with the notebook's keras (under the grader it lives in the submission's kernel)."""
    return t.get(f"a small {kind} model, built with your notebook's keras",
                 lambda: _model(keras, seed, num_inputs, num_classes, kind=kind))


class _Hinted(Exception):
    """The learner's exception, its message completed with a hint (its type's name kept for exception_text)."""

    def __init__(self, type_name: str, message: str):
        super().__init__(message)
        self.type_name = type_name


_TAPE_HINTS = [
    ("'NoneType' object has no attribute 'numpy'", "tape.gradient returned None: the tape did not follow X; convert it, "
     "X = tf.convert_to_tensor(X, dtype='float32'), and call tape.watch(X) inside the tape before the model runs"),
    ("not tf.Tensor or tf.Variable", "tape.watch needs a tensor: X = tf.convert_to_tensor(X, dtype='float32') first"),
]


def _with_tape_hints(call):
    """call, whose exceptions from a tape that did not watch X get a hint saying so."""

    def hinted():
        try:
            return call()
        except Exception as error:
            for pattern, hint in _TAPE_HINTS:
                if pattern in str(error) and getattr(error, "type_name", None) != "NotImplementedError":
                    raise _Hinted(getattr(error, "type_name", None) or type(error).__name__, f"{error} ({hint})") from None
            raise

    return hinted


def _get_array(t: Tester, name: str, call):
    """Call the learner's code and return what it gave as an array; a list of several arrays is named as weight gradients."""
    value = t.get(name, _with_tape_hints(call))
    if _is_list_of_arrays(value):
        t.record(name, False, f"returned {len(value)} values: {_WEIGHTS_HINT}")
        raise Failed
    try:
        return _array(value)
    except Exception as error:  # noqa: BLE001 - anything that is not an array
        t.record(name, False, f"returned {fmt(value)}, not an array: {exception_text(error)}")
        raise Failed from None


def _in_ball(t: Tester, name: str, X_adv, X, eps) -> None:
    """Record whether X_adv is within eps of X (L-infinity, to float32 rounding) and its pixels in [0, 1]."""
    if X_adv.shape != X.shape or X_adv.dtype.kind not in "biuf":
        t.record(name, False, f"expected an array of shape {X.shape}, got {fmt(X_adv)}")
        return
    largest, low, high = float(np.max(np.abs(X_adv - X))), float(X_adv.min()), float(X_adv.max())
    problems = []
    if not largest <= eps + 1e-6:
        problems.append(f"the largest change of a pixel is {largest:.4g}, more than eps = {eps}: project onto the ball, "
                        "np.clip(X_adv, X - eps, X + eps)")
    if not (low >= -1e-7 and high <= 1 + 1e-7):
        problems.append(f"pixels range over [{low:.4g}, {high:.4g}], outside [0, 1]: clip to valid pixels, np.clip(X_adv, 0.0, 1.0)")
    t.record(name, not problems, "; ".join(problems))


# --- exercise 7.1: the gradient of the loss with respect to the input --------------------------------


@check(LAB, "exercise 7.1", "loss_gradient (dL/dX of each example's cross-entropy)", needs=("loss_gradient", "keras"))
def check_loss_gradient(t: Tester, loss_gradient, keras) -> None:
    """Check loss_gradient(model, X, y) on small fixed models against tf.GradientTape in float64; the model's weights must not change."""
    rng = np.random.default_rng(71)
    for what, seed, kind, batch in [("a tanh MLP, 5 images", 0, "mlp", 5), ("an MLP with BatchNormalization, 6 images", 1, "batch_norm", 6)]:
        X, y = _images(rng, batch, 12), rng.integers(0, 3, batch)
        try:
            model = _build(t, keras, seed, kind)
            before = [np.asarray(w, dtype=float) for w in model.get_weights()]
            twin = reference.keras_float64_classifier(before)
            name = f"{what}: dL/dX, one row per image"
            got = _get_array(t, name, lambda model=model, X=X, y=y: loss_gradient(model, X.copy(), y.copy()))
        except Failed:
            continue
        t.compare(name, got, reference.tape_loss_gradient(twin, X, y), rtol=1e-4, atol=1e-6,
                  mistakes=[(hint, _gradient(twin, X, y, k)) for k, hint in _GRADIENT_MISTAKES.items()],
                  shape_hints={(batch,): "one gradient per image, the shape of X: differentiate with respect to X, not the logits"})
        changed = float(np.max(np.abs(_flat(model.get_weights()) - _flat(before))))
        t.record(f"{what}: the model's weights are unchanged by loss_gradient", changed == 0.0,
                 f"a weight changed by {changed:.3g}: computing an attack's gradient must not train the model (no optimizer, "
                 "no training=True, which moves BatchNormalization's moving statistics)")


# --- exercise 7.2: FGSM -------------------------------------------------------------------------------


@check(LAB, "exercise 7.2", "fgsm (one signed step of size eps, clipped to [0, 1])", needs=("fgsm", "keras"))
def check_fgsm(t: Tester, fgsm, keras) -> None:
    """Check fgsm(model, X, y, eps) against the float64 reference, its eps-ball and pixel range, and the linear closed form."""
    rng = np.random.default_rng(72)
    eps = 0.1
    X, y = _images(rng, 6, 12), rng.integers(0, 3, 6)
    try:
        model = _build(t, keras, 2, "mlp")
        twin = reference.keras_float64_classifier(model.get_weights())
        name = "a tanh MLP, 6 images with pixels at 0 and 1, eps 0.1: matches clip(X + eps * sign(dL/dX), 0, 1)"
        got = _get_array(t, name, lambda: fgsm(model, X.copy(), y.copy(), eps))
        t.compare(name, got, reference.tape_fgsm(twin, X, y, eps), rtol=0.0, atol=1e-6,
                  mistakes=[(hint, _fgsm(twin, X, y, eps, k)) for k, hint in _FGSM_MISTAKES.items()])
        _in_ball(t, "the same attack: no pixel moved by more than eps, and all pixels lie in [0, 1]", got, X, eps)
    except Failed:
        pass
    # A linear model with two classes: the margin z_y - z_other moves by exactly eps * ||w_1 - w_0||_1 (no clip binds).
    X_grey = (0.5 + rng.uniform(-0.05, 0.05, size=(4, 20))).astype("float32")
    y_grey, eps = np.array([0, 1, 1, 0]), 0.05
    try:
        linear = _build(t, keras, 3, "linear", num_inputs=20, num_classes=2)
        W, _ = (np.asarray(w, dtype=float) for w in linear.get_weights())
        name = "a linear model, mid-grey images, eps 0.05: the true class's margin falls by eps * ||w_1 - w_0||_1"
        got = _get_array(t, name, lambda: fgsm(linear, X_grey.copy(), y_grey.copy(), eps))
    except Failed:
        return
    direction = W[:, 1] - W[:, 0]
    sign = np.where(y_grey == 1, 1.0, -1.0)  # the margin of the true class over the other, as a multiple of direction
    twin = reference.keras_float64_classifier(linear.get_weights())
    if got.shape != X_grey.shape:
        t.compare(name, got, reference.tape_fgsm(twin, X_grey, y_grey, eps))
        return
    change = sign * ((got.astype(float) - X_grey) @ direction)
    t.compare(name + f" = {eps * np.abs(direction).sum():.4f}", change, np.full(4, -eps * np.abs(direction).sum()), rtol=1e-4, atol=1e-5,
              mistakes=[(hint, sign * ((_fgsm(twin, X_grey, y_grey, eps, k) - X_grey) @ direction)) for k, hint in _FGSM_MISTAKES.items()])


# --- exercise 7.3: PGD ---------------------------------------------------------------------------------


@check(LAB, "exercise 7.3", "pgd (signed steps, projected onto the eps-ball and [0, 1] after each)", needs=("pgd", "keras"))
def check_pgd(t: Tester, pgd, keras) -> None:
    """Check pgd(model, X, y, eps, num_steps, alpha, start) against the float64 reference, with and without a start;
    the result must stay in the eps-ball and [0, 1] and reach a loss at least FGSM's."""
    rng = np.random.default_rng(73)
    eps, num_steps = 0.1, 6
    alpha = 2.5 * eps / num_steps
    X, y = _images(rng, 8, 12), rng.integers(0, 3, 8)
    start = rng.uniform(-eps, eps, size=X.shape).astype("float32")
    try:
        model = _build(t, keras, 7, "mlp")
    except Failed:
        return
    twin = reference.keras_float64_classifier(model.get_weights())
    for what, begin in [("from X (start=None)", None), ("from a random start", start)]:
        name = f"8 images, eps {eps}, {num_steps} steps of alpha {alpha:.4g}, {what}: matches the reference"
        try:
            got = _get_array(t, name, lambda begin=begin: pgd(model, X.copy(), y.copy(), eps, num_steps, alpha,
                                                              None if begin is None else begin.copy()))
        except Failed:
            continue
        t.compare(name, got, reference.tape_pgd(twin, X, y, eps, num_steps, alpha, begin), rtol=0.0, atol=1e-5,
                  mistakes=[(hint, _pgd(twin, X, y, eps, num_steps, alpha, begin, k)) for k, hint in _PGD_MISTAKES.items()
                            if begin is not None or k != "start ignored"])
        _in_ball(t, f"the same attack, {what}: no pixel moved by more than eps, and all pixels lie in [0, 1]", got, X, eps)
        if got.shape == X.shape and begin is None:
            pgd_loss = float(_cross_entropies(twin, got, y).mean())
            fgsm_loss = float(_cross_entropies(twin, reference.tape_fgsm(twin, X, y, eps), y).mean())
            t.record(f"the same attack, {what}: its mean loss {pgd_loss:.4f} is at least FGSM's {fgsm_loss:.4f} at the same eps",
                     pgd_loss >= fgsm_loss - 1e-6,
                     "PGD climbs the loss step by step and should end at least as high as FGSM's single step: are the "
                     "steps going up the loss, alpha * np.sign(gradient), and is the gradient taken at the current X_adv?")


# --- exercise 7.4: one step of adversarial training ------------------------------------------------------


@check(LAB, "exercise 7.4", "adversarial_train_step (FGSM from a random start, then one step on the attacked batch)",
       needs=("adversarial_train_step", "keras"))
def check_adversarial_train_step(t: Tester, adversarial_train_step, keras) -> None:
    """Check adversarial_train_step(model, optimizer, X, y, eps, start) with SGD(LAB07_LR) on an MLP with BatchNormalization:
    the trainable weights, the moving statistics and the loss returned, against a float64 step with tf.GradientTape."""
    rng = np.random.default_rng(741)
    eps = 0.1
    for what, seed, batch in [("seed 5, a batch of 8", 5, 8), ("seed 6, a batch of 16", 6, 16)]:
        X, y = _images(rng, batch, 12), rng.integers(0, 3, batch)
        start = rng.uniform(-eps, eps, size=X.shape).astype("float32")
        try:
            model = _build(t, keras, seed, "batch_norm")
            before = [np.asarray(w, dtype=float) for w in model.get_weights()]
            name = f"{what}: adversarial_train_step returns the loss of the attacked batch"
            got = t.get(name, lambda model=model, X=X, y=y, start=start: adversarial_train_step(
                model, keras.optimizers.SGD(LAB07_LR), X.copy(), y.copy(), eps, start.copy()))
            loss = _as_float(got)
        except Failed:
            continue
        except (TypeError, ValueError) as error:
            t.record(name, False, f"expected one number, the loss, got {fmt(got)} ({exception_text(error)})")
            continue
        expected_loss, expected = reference.tape_adversarial_train_step(before, X, y, eps, start, LAB07_LR)
        variants = {k: _train_step(before, X, y, eps, start, LAB07_LR, k) for k in _STEP_MISTAKES}
        after = [np.asarray(w, dtype=float) for w in model.get_weights()]
        trainable, moving = [0, 1, 2, 3, 6, 7], [4, 5]  # Dense, BatchNormalization's gamma and beta, Dense | moving mean, variance
        for part, indices in [("the trainable weights", trainable), ("BatchNormalization's moving mean and variance", moving)]:
            t.compare(f"{what}: {part} after the step match (to 1e-5)", _flat([after[i] for i in indices]),
                      _flat([expected[i] for i in indices]), rtol=1e-5, atol=1e-5,
                      mistakes=[(hint, _flat([variants[k][1][i] for i in indices])) for k, hint in _STEP_MISTAKES.items()])
        expected_after = _cross_entropies(reference.keras_float64_classifier(expected), reference.tape_pgd(
            reference.keras_float64_classifier(before), X, y, eps, 1, 1.25 * eps, start), y).mean()
        t.compare(f"{what}: the loss returned, the mean cross-entropy of the attacked batch before the step", loss, expected_loss,
                  rtol=1e-5, atol=1e-5,
                  mistakes=[(hint, variants[k][0]) for k, hint in _STEP_MISTAKES.items()]
                  + [("that is the loss after the step: return the loss computed inside the tape, before optimizer.apply", expected_after)])


# --- exercise 7.5: robust accuracy, measured -----------------------------------------------------------------


@check(LAB, "exercise 7.5", "robust accuracy, measured (ordinary and adversarial training)", needs=("results",))
def check_robust_training(t: Tester, results) -> None:
    """Check the accuracies the notebook measured, results[training][attack] for training "ordinary" and "adversarial"
    and attack "clean" and "pgd" (PGD at EPS): both read clean digits, PGD takes a large share of the ordinary network's
    accuracy, and adversarial training keeps much more of it (floors from lab07_robust_floors())."""
    value_given(results, "run the cell above once exercises 7.1-7.4 pass: results is still None")
    accuracy = {}
    for training in ("ordinary", "adversarial"):
        for attack in ("clean", "pgd"):
            name = f'results["{training}"]["{attack}"] is an accuracy, a number between 0 and 1'
            try:
                value = results[training][attack]
                number = float(value)
            except Exception as error:  # noqa: BLE001 - anything that is not a table of numbers
                t.record(name, False, f"could not read it ({exception_text(error)}): run the cell above unchanged, it fills results")
                return
            if not 0.0 <= number <= 1.0:
                t.record(name, False, f"got {fmt(value)}")
                return
            accuracy[training, attack] = number
    floors = lab07_robust_floors()
    for training in ("ordinary", "adversarial"):
        clean = accuracy[training, "clean"]
        t.record(f"{training} training: clean test accuracy {clean:.3f} is at least {floors['clean']}", clean >= floors["clean"],
                 "the network did not learn the digits: does adversarial_train_step apply the gradients to "
                 "model.trainable_variables (exercise 7.4), and did the cell train for NUM_EPOCHS epochs?")
    clean, under_pgd = accuracy["ordinary", "clean"], accuracy["ordinary", "pgd"]
    t.record(f"ordinary training: PGD at EPS takes its accuracy from {clean:.3f} to {under_pgd:.3f}, a fall of "
             f"{clean - under_pgd:.3f}, at least {floors['drop']}", clean - under_pgd >= floors["drop"],
             "an ordinary network should lose most of its accuracy to PGD: does pgd climb the loss (exercise 7.3), and "
             "was it run at EPS with PGD_STEPS steps?")
    gain = accuracy["adversarial", "pgd"] - under_pgd
    t.record(f"adversarial training: under PGD at EPS it reads {accuracy['adversarial', 'pgd']:.3f}, {gain:.3f} more than the "
             f"ordinary network, at least {floors['gain']}", gain >= floors["gain"],
             "adversarial training should keep much of the accuracy PGD takes: was the second network trained with eps = EPS "
             "and the random start, and does adversarial_train_step take its step on the attacked batch X_adv?")

"""Lab 04's data and checks: recurrent cells and BPTT (references from keras.layers.SimpleRNN, LSTMCell,
tf.GradientTape and tf.clip_by_global_norm)."""

from __future__ import annotations

import numpy as np

from helpers import settings
from helpers.checks import reference
from helpers.checks.framework import Failed, Tester, check, describe, get_parts, has_layer, lab_id, record_params, value_given

LAB = lab_id("lab04")
LAB04_NUM_SYMBOLS = 4  # the memory task's alphabet: chance accuracy is 1 / 4
LAB04_DELAY = 10  # steps between the symbol to remember and the end of the sequence
LAB04_NUM_TEST = 1000  # generated test sequences the accuracy check measures on
LAB04_ACCURACY_FLOOR = {"smoke": 0.6, "cpu": 0.9}  # test accuracy exercise 4.6 asks for, by profile
LAB04_PARAMS_HINT = "too big for a CPU in minutes: one LSTM layer of 32 units is plenty"  # how to get under the budget
LAB04_MAX_PARAMS = 20_000  # the LSTM classifier's parameter budget

__all__ = [
    "LAB04_ACCURACY_FLOOR",
    "LAB04_DELAY",
    "LAB04_MAX_PARAMS",
    "LAB04_NUM_SYMBOLS",
    "LAB04_NUM_TEST",
    "lab04_accuracy_floor",
    "lab04_data",
    "lab04_memory_task",
]  # and the checks


def lab04_accuracy_floor() -> float:
    """The test accuracy exercise 4.6 asks for in the active profile (smoke: 0.6; cpu and gpu: 0.9)."""
    return settings.pick(**LAB04_ACCURACY_FLOOR)


def lab04_memory_task(n: int, delay: int = LAB04_DELAY, seed: int = 0):
    """Generated memory task: n sequences of delay + 1 one-hot symbols, (n, delay + 1, 4) float32; the label is the first symbol.

    Every later symbol is a distractor, so a model has to keep the first one in its state for
    ``delay`` steps (notebook 16's task). Generated, not a stand-in for real data.
    """
    symbols = np.random.default_rng(seed).integers(0, LAB04_NUM_SYMBOLS, size=(n, delay + 1))
    return np.eye(LAB04_NUM_SYMBOLS, dtype=np.float32)[symbols], symbols[:, 0].astype(int)


def lab04_data(num_train: int = 2000):
    """Lab 04's data: the memory task at delay LAB04_DELAY, ``num_train`` training sequences (seed 1) and
    LAB04_NUM_TEST test sequences (seed 2). Returns ``X_train, y_train, X_test, y_test``."""
    X_train, y_train = lab04_memory_task(num_train, LAB04_DELAY, seed=1)
    X_test, y_test = lab04_memory_task(LAB04_NUM_TEST, LAB04_DELAY, seed=2)
    return X_train, y_train, X_test, y_test


def prepare() -> None:
    """Import TensorFlow and build each reference layer once (the grader calls this before any submission runs)."""
    z = np.zeros
    reference.keras_simple_rnn(z((1, 2, 1)), z((1, 1)), z((1, 1)), z(1))
    reference.tape_simple_rnn(z((1, 2, 1)), z((1, 1)), z((1, 1)), z(1), z((1, 2, 1)))
    reference.keras_lstm_step(z((1, 1)), z((1, 1)), z((1, 1)), z((1, 4)), z((1, 4)), z(4))
    reference.tf_clip_by_global_norm([np.ones(2)], 1.0)



# --- exercise 4.1: the forward pass of a simple RNN ---------------------------------------------


@check(LAB, "exercise 4.1", "rnn_forward (every hidden state of a tanh RNN)", needs=("rnn_forward",))
def check_rnn_forward(t: Tester, rnn_forward) -> None:
    """Check rnn_forward(X, W_xh, W_hh, b_h) against keras.layers.SimpleRNN(return_sequences=True) with the same weights."""
    rng = np.random.default_rng(40)
    for batch, time, features, units, scale in [(3, 6, 2, 4, 0.5), (2, 9, 3, 5, 1.0)]:
        X = rng.normal(size=(batch, time, features))
        W_xh, W_hh = rng.normal(0, scale, size=(features, units)), rng.normal(0, scale, size=(units, units))
        b_h = rng.normal(0, 0.5, size=units)
        expected = reference.keras_simple_rnn(X, W_xh, W_hh, b_h)
        t.close(
            f"{batch} sequences of {time} steps, {features} features, {units} units: every state matches keras.layers.SimpleRNN",
            lambda X=X, W_xh=W_xh, W_hh=W_hh, b_h=b_h: rnn_forward(X.copy(), W_xh.copy(), W_hh.copy(), b_h.copy()),
            expected,
            rtol=1e-6,
            atol=1e-9,
            mistakes=[
                ("the bias b_h is missing", reference.keras_simple_rnn(X, W_xh, W_hh, 0 * b_h)),
                ("the previous state multiplies W_hh from the left: write h @ W_hh, (batch, units) @ (units, units)",
                 reference.keras_simple_rnn(X, W_xh, W_hh.T, b_h)),
                ("the state is not carried from step to step: h_t needs h_{t-1} @ W_hh, with the h of the step before",
                 reference.keras_simple_rnn(X, W_xh, 0 * W_hh, b_h)),
                ("tanh is missing: h_t = tanh(x_t @ W_xh + h_{t-1} @ W_hh + b_h)", _linear_rnn(X, W_xh, W_hh, b_h)),
            ],
            shape_hints={
                (batch, units): "return every state, shape (batch, time, units), not only the last one",
                (time, batch, units): "time is the second axis, as in X: store step t's state in H[:, t]",
            },
        )


def _linear_rnn(X, W_xh, W_hh, b_h):
    h, states = np.zeros((X.shape[0], W_hh.shape[0])), []
    for step in range(X.shape[1]):
        h = X[:, step] @ W_xh + h @ W_hh + b_h
        states.append(h)
    return np.stack(states, axis=1)


# --- exercise 4.2: backpropagation through time ----------------------------------------------

_BPTT_MISTAKES = {
    "no recurrence": "the gradient reaching h_t also comes back from step t + 1: dh = dH[:, t] + da_next @ W_hh.T",
    "transpose": "going back through h_{t-1} @ W_hh multiplies the gradient by W_hh.T, not W_hh",
    "overwrite": "W_xh, W_hh and b_h are shared by every step: add each step's share (+=), do not overwrite it (=)",
    "h_t": "W_hh multiplies the previous state: its gradient is h_{t-1}.T @ da, with h_{t-1} = 0 at the first step",
    "no tanh'": "multiply by tanh's derivative, da = dh * (1 - h_t**2), before going to the weights",
}


def _bptt(X, H, W_xh, W_hh, dH, mistake=None):
    """BPTT in NumPy with one of the usual mistakes (the names of _BPTT_MISTAKES): the wrong answers the check recognises."""
    batch, time, _ = X.shape
    grads = {"W_xh": np.zeros_like(W_xh), "W_hh": np.zeros_like(W_hh), "b_h": np.zeros(W_hh.shape[0])}
    dh_later = np.zeros((batch, W_hh.shape[0]))
    for step in reversed(range(time)):
        dh = dH[:, step] + (0 if mistake == "no recurrence" else dh_later)
        da = dh if mistake == "no tanh'" else dh * (1 - H[:, step] ** 2)
        h_prev = H[:, step] if mistake == "h_t" else (H[:, step - 1] if step > 0 else np.zeros_like(dh))
        shares = {"W_xh": X[:, step].T @ da, "W_hh": h_prev.T @ da, "b_h": da.sum(axis=0)}
        for name, share in shares.items():
            grads[name] = share if mistake == "overwrite" else grads[name] + share
        dh_later = da @ (W_hh if mistake == "transpose" else W_hh.T)
    return grads


@check(LAB, "exercise 4.2", "rnn_backward (backpropagation through time)", needs=("rnn_backward",))
def check_rnn_backward(t: Tester, rnn_backward) -> None:
    """Check rnn_backward(X, H, W_xh, W_hh, dH)'s gradients for W_xh, W_hh and b_h against tf.GradientTape through SimpleRNN."""
    rng = np.random.default_rng(41)
    batch, time, features, units = 3, 7, 2, 4
    X = rng.normal(size=(batch, time, features))
    W_xh, W_hh, b_h = rng.normal(0, 0.6, size=(features, units)), rng.normal(0, 0.6, size=(units, units)), rng.normal(0, 0.3, size=units)
    H = reference.keras_simple_rnn(X, W_xh, W_hh, b_h)
    last_only = np.zeros_like(H)
    last_only[:, -1] = rng.normal(size=(batch, units))
    for what, dH in [("a loss reading every state", rng.normal(size=H.shape)), ("a loss reading only the last state", last_only)]:
        expected = reference.tape_simple_rnn(X, W_xh, W_hh, b_h, dH)
        name = f"{what}: rnn_backward(X, H, W_xh, W_hh, dH) returns a dict with 'W_xh', 'W_hh' and 'b_h'"
        try:
            grads = t.get(name, lambda dH=dH: rnn_backward(X.copy(), H.copy(), W_xh.copy(), W_hh.copy(), dH.copy()))
        except Failed:
            continue
        if not isinstance(grads, dict) or not all(key in grads for key in expected):
            if isinstance(grads, dict):
                got = f"a dict with keys {sorted(map(str, grads))}"
            elif isinstance(grads, (list, tuple)):
                got = f"a {type(grads).__name__} of {len(grads)} values"
            else:
                got = f"a {type(grads).__name__}"
            t.record(name, False, f"got {got}: return {{'W_xh': dW_xh, 'W_hh': dW_hh, 'b_h': db_h}}, as notebook 16's rnn_backward does")
            continue
        wrong = {mistake: _bptt(X, H, W_xh, W_hh, dH, mistake) for mistake in _BPTT_MISTAKES}
        for key, value in expected.items():
            t.compare(
                f"{what}: dL/d{key} matches tf.GradientTape through keras.layers.SimpleRNN",
                grads[key],
                value,
                rtol=1e-6,
                atol=1e-9,
                mistakes=[(hint, wrong[mistake][key]) for mistake, hint in _BPTT_MISTAKES.items()],
            )


# --- exercise 4.3: one LSTM step -------------------------------------------------------------

_KERAS_ORDER = "ifco"  # Keras's column blocks: input gate, forget gate, candidate (c), output gate


def _reordered(W, order: str):
    """W's four column blocks moved so that Keras, reading i, f, c, o, sees what a cell reading `order` sees."""
    blocks = np.split(W, 4, axis=-1)
    return np.concatenate([blocks[order.index(gate)] for gate in _KERAS_ORDER], axis=-1)


def _lstm_variant(x, h, c, W_x, W_h, b, *, candidate=np.tanh, forget=True, squash=True):
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    i, f, g, o = np.split(x @ W_x + h @ W_h + b, 4, axis=-1)
    c_new = (sigmoid(f) * c if forget else c) + sigmoid(i) * candidate(g)
    return sigmoid(o) * (np.tanh(c_new) if squash else c_new), c_new


@check(LAB, "exercise 4.3", "lstm_step (one LSTM step, Keras's gate order)", needs=("lstm_step",))
def check_lstm_step(t: Tester, lstm_step) -> None:
    """Check lstm_step(x, h, c, W_x, W_h, b) -> (h, c) against keras.layers.LSTMCell with the same weights."""
    rng = np.random.default_rng(42)
    batch, features, units = 3, 2, 4
    W_x, W_h = rng.normal(0, 0.8, size=(features, 4 * units)), rng.normal(0, 0.8, size=(units, 4 * units))
    b = rng.normal(0, 0.8, size=4 * units)
    x = rng.normal(size=(batch, features))
    cases = [
        ("from zero states (a first step)", np.zeros((batch, units)), np.zeros((batch, units))),
        ("from given states h and c", np.tanh(rng.normal(size=(batch, units))), rng.normal(0, 1.5, size=(batch, units))),
    ]
    for what, h, c in cases:
        expected = reference.keras_lstm_step(x, h, c, W_x, W_h, b)
        name = f"{what}: lstm_step returns the new h and c"
        try:
            call = lambda h=h, c=c: lstm_step(x.copy(), h.copy(), c.copy(), W_x.copy(), W_h.copy(), b.copy())  # noqa: E731
            got = get_parts(t, name, call, 2, "return h_new, c_new (notebook 17's version also returned the forget gate)")
        except Failed:
            continue
        wrong = [
            (
                f"the gates are read in the order {order[0]}, {order[1]}, {order[2]}, {order[3]}: Keras's columns are "
                "i, f, c (the candidate g), o, `units` columns each",
                reference.keras_lstm_step(x, h, c, _reordered(W_x, order), _reordered(W_h, order), _reordered(b, order)),
            )
            for order in ("ifoc", "icfo", "fico", "oifc")
        ]
        wrong += [
            ("the candidate g uses tanh, not sigmoid (only the three gates are sigmoids)",
             _lstm_variant(x, h, c, W_x, W_h, b, candidate=lambda z: 1 / (1 + np.exp(-z)))),
            ("the forget gate is missing: c = f * c_prev + i * g", _lstm_variant(x, h, c, W_x, W_h, b, forget=False)),
            ("h = o * tanh(c), not o * c", _lstm_variant(x, h, c, W_x, W_h, b, squash=False)),
        ]
        for index, part in enumerate("hc"):
            t.compare(
                f"{what}: the new {part} matches keras.layers.LSTMCell",
                got[index],
                expected[index],
                rtol=1e-6,
                atol=1e-9,
                mistakes=[(hint, value[index]) for hint, value in wrong],
                shape_hints={(batch, 4 * units): "that is all four gates side by side: split z into four blocks of `units` columns"},
            )


# --- exercise 4.4: clipping by global norm ---------------------------------------------------


def _flat(arrays) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


@check(LAB, "exercise 4.4", "clip_by_global_norm", needs=("clip_by_global_norm",))
def check_clip_by_global_norm(t: Tester, clip_by_global_norm) -> None:
    """Check clip_by_global_norm(grads, max_norm) -> (clipped, global_norm) against tf.clip_by_global_norm."""
    rng = np.random.default_rng(43)
    grads = [rng.normal(0, 2.0, size=(3, 4)), rng.normal(0, 0.2, size=(4, 4)), rng.normal(0, 1.0, size=4)]
    for what, max_norm in [("above the threshold", 1.0), ("below the threshold", 100.0)]:
        clipped, norm = reference.tf_clip_by_global_norm(grads, max_norm)
        name = f"{what} (max_norm={max_norm:g}): clip_by_global_norm returns the clipped list and the global norm"
        try:
            call = lambda max_norm=max_norm: clip_by_global_norm([g.copy() for g in grads], max_norm)  # noqa: E731
            got = get_parts(t, name, call, 2, "return the list of clipped arrays and the global norm, as tf.clip_by_global_norm does")
        except Failed:
            continue
        got_clipped, got_norm = got
        squares = float(np.sum(_flat(grads) ** 2))
        norms = [float(np.linalg.norm(g)) for g in grads]
        t.compare(
            f"{what}: the global norm before clipping matches tf.clip_by_global_norm",
            got_norm,
            norm,
            mistakes=[
                ("the square root is missing: the global norm is sqrt(sum of every squared entry)", squares),
                ("that is the sum of each array's norm: the global norm is sqrt(sum of every squared entry of every array)", sum(norms)),
            ],
            shape_hints={(len(grads),): "one number for all the arrays together, not one per array"},
        )
        shapes = [np.shape(g) for g in grads]
        if not isinstance(got_clipped, (list, tuple)) or [np.shape(g) for g in got_clipped] != shapes:
            found = [np.shape(g) for g in got_clipped] if isinstance(got_clipped, (list, tuple)) else describe(np.asarray(got_clipped))
            t.record(f"{what}: the clipped gradients", False, f"expected a list of arrays of shapes {shapes}, got {found}")
            continue
        t.compare(
            f"{what}: the clipped gradients match tf.clip_by_global_norm",
            _flat(got_clipped),
            _flat(clipped),
            mistakes=[
                ("each array was clipped on its own (Keras's clipnorm): scale every array by the same factor, max_norm / global norm",
                 _flat([g * min(1.0, max_norm / n) for g, n in zip(grads, norms)])),
                ("clipping only shrinks: below the threshold leave the gradients as they are, scale = min(1, max_norm / norm)",
                 _flat(grads) * max_norm / np.sqrt(squares)),
                ("the square root is missing from the global norm", _flat(grads) * min(1.0, max_norm / squares)),
            ],
        )


# --- exercises 4.5 and 4.6: an LSTM classifier on the memory task -----------------------------


@check(LAB, "exercise 4.5", "build_lstm", needs=("build_lstm",))
def check_build_lstm(t: Tester, build_lstm) -> None:
    """Check build_lstm(): a compiled Keras model with an LSTM layer mapping (n, time, 4) one-hot sequences to 4 scores."""
    model = t.get("build_lstm() returns a model", lambda: build_lstm())
    config = t.get("the model describes its layers (model.get_config())", lambda: model.get_config())
    t.record("the model has an LSTM layer", has_layer(config, "LSTM"), "build it from keras.layers: LSTM, then Dense")
    record_params(t, model, "the model", LAB04_MAX_PARAMS, LAB04_PARAMS_HINT)
    compiled = t.get("the model says whether it is compiled", lambda: model.compiled)
    t.record("the model is compiled (model.compile(optimizer=..., loss=..., metrics=...))", compiled is True, "call model.compile before returning it")
    X, _ = lab04_memory_task(2, LAB04_DELAY, seed=3)
    scores = t.get(f"model.predict on 2 sequences of shape {X.shape[1:]}", lambda: model.predict(X, verbose=0))
    t.record(
        f"it gives {LAB04_NUM_SYMBOLS} scores per sequence, shape (2, {LAB04_NUM_SYMBOLS})",
        np.shape(scores) == (2, LAB04_NUM_SYMBOLS),
        f"got shape {np.shape(scores)}: keep only the LSTM's last state (return_sequences=False) and end with Dense({LAB04_NUM_SYMBOLS})",
    )


@check(LAB, "exercise 4.6", "train the LSTM to the stated accuracy", needs=("model",))
def check_lstm_accuracy(t: Tester, model) -> None:
    """Check that the trained model stays within the parameter budget and passes the accuracy floor on the test sequences."""
    value_given(model, "train the LSTM first: model is still None")
    if record_params(t, model, "the trained model", LAB04_MAX_PARAMS, LAB04_PARAMS_HINT) is None:
        return
    _, _, X_test, y_test = lab04_data(num_train=0)
    scores = np.asarray(t.get(f"model.predict on the {len(X_test)} test sequences", lambda: model.predict(X_test, verbose=0)))
    if scores.dtype.kind not in "biuf" or scores.shape != (len(X_test), LAB04_NUM_SYMBOLS):
        t.record(f"the model gives {LAB04_NUM_SYMBOLS} scores per test sequence", False, f"got {describe(scores)}")
        return
    floor = lab04_accuracy_floor()
    accuracy = float(np.mean(scores.argmax(axis=1) == y_test))
    t.record(
        f"test accuracy {accuracy:.3f} is at least {floor} (chance is {1 / LAB04_NUM_SYMBOLS})",
        accuracy >= floor,
        "train for more epochs or on more sequences; if the loss sits at ln 4 = 1.39 for long, try another learning rate",
    )

"""helpers.checks: the labs' checks pass the solutions, fail wrong code, and name the usual mistakes."""

import importlib
import math
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers import checks, course

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
labs = importlib.import_module("labs")  # tools/labs.py: the solution markers


def solution(lab: str, **names) -> dict:
    """The names a lab's solution defines: its exercise cells (those with solution markers), run here."""
    nb = nbformat.read(ROOT / "labs" / "source" / f"{lab}.ipynb", as_version=4)
    namespace = {"np": np, **names}
    for cell in nb.cells:
        if cell.cell_type == "code" and labs.BEGIN in cell.source:
            exec(compile(cell.source, f"<{lab}>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def lab01():
    ns = solution("lab01_neuron_and_gradient_descent")
    X_train, y_train, _, _ = checks.lab01_data()
    ns["w"], ns["b"], _ = ns["train"](X_train, y_train, 0.5, 50)
    return ns


@pytest.fixture(scope="module")
def lab02():
    ns = solution("lab02_backprop_from_scratch")
    X_train, y_train, _, _ = checks.lab02_data()
    model = [ns["Dense"](64, 32, seed=1), ns["Dense"](32, 10, seed=2)]
    rng = np.random.default_rng(0)
    for _ in range(10):
        for idx in np.array_split(rng.permutation(len(X_train)), len(X_train) // 32):
            ns["train_step"](model, X_train[idx], y_train[idx], 0.1)
    ns["model"] = model
    return ns


@pytest.fixture(scope="module")
def lab03():
    import keras

    ns = solution("lab03_convolutions_and_cnns", keras=keras, layers=keras.layers, MAX_PARAMS=checks.LAB03_MAX_PARAMS)
    X_train, y_train, _, _ = checks.lab03_data()
    keras.utils.set_random_seed(0)
    ns["model"] = ns["build_cnn"]()
    ns["model"].fit(X_train, y_train, epochs=3, batch_size=32, verbose=0)
    return ns


@pytest.fixture(scope="module")
def lab04():
    import keras

    ns = solution("lab04_recurrent_cells_and_bptt", keras=keras, layers=keras.layers, NUM_SYMBOLS=checks.LAB04_NUM_SYMBOLS)
    X_train, y_train, _, _ = checks.lab04_data(num_train=1500)
    keras.utils.set_random_seed(0)
    ns["model"] = ns["build_lstm"]()
    ns["model"].fit(X_train, y_train, epochs=4, batch_size=32, verbose=0)
    return ns


@pytest.fixture(scope="module")
def lab05():
    return solution("lab05_attention_and_transformer_block")


@pytest.fixture(scope="module")
def lab06():
    import keras
    import tensorflow as tf

    return solution("lab06_vae_and_gan_losses", keras=keras, ops=keras.ops, tf=tf)


@pytest.mark.parametrize("lab", list(course.LABS))
def test_the_solution_passes_every_check_in_strict_mode(lab, request, capsys):
    namespace = request.getfixturevalue(lab[:5])
    results = checks.run_lab(lab, namespace, strict=True)
    assert [r.name for r in results] == checks.check_names(lab)
    assert all(r.all_passed and r.total >= 1 for r in results)
    out = capsys.readouterr().out
    assert f"{len(results)} of {len(results)} checks passed." in out
    assert "FAIL" not in out


def _none(*args, **kwargs):
    return None


class NoneDense:
    """A layer whose every method returns None."""

    def __init__(self, n_in, n_out, seed=0):
        self.W, self.b = np.zeros((n_in, n_out)), np.zeros(n_out)

    forward = backward = _none


ALWAYS_NONE = {"Dense": NoneDense, "w": np.zeros(30), "b": 0.0, "model": [NoneDense(64, 10)]}


@pytest.mark.parametrize("lab", list(course.LABS))
def test_every_check_can_fail(lab, capsys):
    """Code that returns None (or an untrained model) fails every check: no check passes whatever it gets."""
    namespace = {name: ALWAYS_NONE.get(name, _none) for function in checks.lab_checks(lab) for name in function.needs}
    results = checks.run_lab(lab, namespace, strict=False)
    assert not any(r.all_passed for r in results), [r.summary() for r in results if r.all_passed]
    with pytest.raises(AssertionError, match="checks failed"):
        checks.run_lab(lab, namespace, strict=True)


def stub(*args, **kwargs):
    raise NotImplementedError("exercise 9.9: write it")


def test_a_stub_reports_not_implemented_yet_in_one_line(capsys):
    result = checks.check_sigmoid(stub, strict=False)
    assert capsys.readouterr().out == "FAIL  not implemented yet (exercise 9.9: write it)\n"
    assert result.not_implemented and not result.all_passed
    assert repr(result) == "<check_sigmoid (exercise 1.1): not implemented yet>"


def test_strict_mode_raises_after_printing(monkeypatch, capsys):
    monkeypatch.setenv("LAB_STRICT", "1")
    with pytest.raises(AssertionError, match="check_sigmoid .*not implemented yet"):
        checks.check_sigmoid(stub)
    assert "FAIL  not implemented yet" in capsys.readouterr().out
    monkeypatch.setenv("LAB_STRICT", "0")
    assert not checks.check_sigmoid(stub).all_passed  # no exception
    checks.strict(True)
    try:
        with pytest.raises(AssertionError):
            checks.check_sigmoid(stub)
    finally:
        checks.strict(None)
    assert not checks.is_strict()
    with pytest.raises(ValueError, match="strict"):
        checks.strict("yes")


def raises_inside(z):
    return {"a": 1}["missing"]


def sys_exit(z):
    raise SystemExit(3)


@pytest.mark.parametrize(
    "function, expected",
    [
        (lambda z: 1 / (1 + np.exp(z)), "did you write exp(z) instead of exp(-z)?"),
        (lambda z: None, "returned None: did you forget `return`?"),
        (lambda z: (np.asarray(z) > 0).astype(int), "wrong dtype: expected floating-point numbers, got int64"),
        (lambda z: 1 / (1 + math.exp(-z)), "your code raised TypeError"),
        (raises_inside, "your code raised KeyError: 'missing'"),
        (sys_exit, "your code raised SystemExit: 3"),
        (lambda z: np.atleast_1d(1 / (1 + np.exp(-np.asarray(z, float))))[..., None], "wrong shape"),
        (lambda z: "0.5", "returned 0.5 (a str), expected a single number of numbers"),
    ],
)
def test_sigmoid_mistakes_are_named(function, expected, capsys):
    result = checks.check_sigmoid(function, strict=False)
    assert not result.all_passed
    assert expected in capsys.readouterr().out


def test_mistakes_in_the_loss_and_gradient_are_named(lab01, capsys):
    sigmoid, neuron = lab01["sigmoid"], lab01["neuron"]
    checks.check_binary_cross_entropy(lambda y, y_hat: -np.sum(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
    checks.check_binary_cross_entropy(lambda y, y_hat: -(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
    checks.check_binary_cross_entropy(lambda y, y_hat: np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
    checks.check_loss_gradients(lambda X, y, w, b: (X.T @ (y - neuron(X, w, b)) / len(y), np.mean(y - neuron(X, w, b))))
    checks.check_loss_gradients(lambda X, y, w, b: X.T @ (neuron(X, w, b) - y))
    checks.check_neuron(lambda X, w, b: sigmoid(X.T @ w + b))
    out = capsys.readouterr().out
    assert "did you sum instead of taking the mean?" in out
    assert "wrong shape: expected a single number, got shape (5,) (did you forget to average" in out
    assert "(the sign is flipped)" in out
    assert "expected 2 values returned together, got 1" in out
    assert "each row of X is one example: use X @ w, not X.T @ w" in out


def test_mistakes_in_the_dense_layer_are_named(lab02, capsys):
    Dense = lab02["Dense"]

    class Transposed(Dense):
        def backward(self, d_out):
            self.dW, self.db = d_out.T @ self.X, d_out
            return d_out @ self.W.T

    checks.check_dense_backward(Transposed)
    out = capsys.readouterr().out
    assert "self.dW matches tf.GradientTape: wrong shape: expected (3, 4), got (4, 3); the values are right but transposed (.T)" in out
    assert "sum d_out over the batch: d_out.sum(axis=0)" in out
    assert "PASS  the returned dX matches tf.GradientTape" in out


def test_softmax_without_the_max_shift_is_caught(capsys):
    def naive(logits, y):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        d = p.copy()
        d[np.arange(len(y)), y] -= 1
        return -np.mean(np.log(p[np.arange(len(y)), y])), d / len(y)

    with np.errstate(all="ignore"):
        result = checks.check_softmax_cross_entropy(naive)
    out = capsys.readouterr().out
    assert [t.passed for t in result.tests] == [True, True, False, False]
    assert "exp(1000) overflows: subtract each row's max" in out


def test_a_one_dimensional_numerical_gradient_fails_on_a_matrix(lab02, capsys):
    def first_axis_only(f, x, eps=1e-6):
        grad = np.zeros(len(x))
        for i in range(len(x)):
            up, down = x.copy(), x.copy()
            up[i] += eps
            down[i] -= eps
            grad[i] = (f(up) - f(down)) / (2 * eps)
        return grad

    result = checks.check_numerical_gradient(first_axis_only)
    assert [t.passed for t in result.tests] == [True, False]
    assert "np.ndindex(x.shape)" in capsys.readouterr().out
    assert checks.check_numerical_gradient(lab02["numerical_gradient"]).all_passed


def test_accuracy_checks_use_their_floor(lab01, capsys):
    assert checks.check_neuron_accuracy(lab01["w"], lab01["b"]).all_passed
    low = checks.check_neuron_accuracy(-lab01["w"], -lab01["b"])
    assert not low.all_passed and "is at least 0.9" in low.tests[-1].name
    assert checks.check_neuron_accuracy(None, None).not_implemented
    assert not checks.check_neuron_accuracy(np.zeros(3), 0.0).all_passed  # wrong shape
    assert not checks.check_mlp_accuracy("not a model").all_passed


def _flipped_correlate2d(x, kernel):
    kh, kw = kernel.shape
    flipped = kernel[::-1, ::-1]
    return np.array([[np.sum(x[i : i + kh, j : j + kw] * flipped) for j in range(x.shape[1] - kw + 1)] for i in range(x.shape[0] - kh + 1)])


def test_lab03_a_flipped_kernel_is_named_as_a_true_convolution(lab03, capsys):
    conv2d = lab03["conv2d"]
    result = checks.check_correlate2d(_flipped_correlate2d)
    assert [t.passed for t in result.tests] == [False, False, True]
    assert "you flipped the kernel: that is the convolution of mathematics" in capsys.readouterr().out
    result = checks.check_conv2d(lambda X, W, b, stride=1, padding="valid": conv2d(X, W[::-1, ::-1], b, stride, padding))
    assert not any(t.passed for t in result.tests)
    assert all("you flipped the kernel" in t.message for t in result.tests)


def test_lab03_wrong_shapes_and_none_are_named(lab03, capsys):
    conv2d, max_pool2d = lab03["conv2d"], lab03["max_pool2d"]
    checks.check_correlate2d(lambda x, kernel: np.zeros(x.shape))
    checks.check_conv2d(lambda X, W, b, stride=1, padding="valid": conv2d(X, W, b, 1, padding))
    checks.check_conv2d(lambda X, W, b, stride=1, padding="valid": conv2d(X, W, b, stride, "valid"))
    checks.check_conv2d(lambda X, W, b, stride=1, padding="valid": conv2d(X, W, b, stride, padding) - b)
    checks.check_max_pool2d(lambda X, pool_size=2: max_pool2d(np.pad(X, ((0, 0), (0, X.shape[1] % pool_size), (0, X.shape[2] % pool_size), (0, 0))), pool_size))
    checks.check_max_pool2d(
        lambda X, pool_size=2: X[:, : X.shape[1] // pool_size * pool_size, : X.shape[2] // pool_size * pool_size]
        .reshape(X.shape[0], X.shape[1] // pool_size, pool_size, X.shape[2] // pool_size, pool_size, -1)
        .mean(axis=(2, 4))
    )
    out = capsys.readouterr().out
    assert "wrong shape: expected (4, 6), got shape (6, 7) ('valid' means no padding" in out
    assert "the window moves `stride` pixels at a time" in out
    assert "padding='same' pads the image with zeros" in out
    assert "(the bias b is missing)" in out
    assert "drop the last rows or columns that do not fill a whole window" in out
    assert "you took the mean of each window" in out
    for check, name in [(checks.check_correlate2d, "correlate2d"), (checks.check_conv2d, "conv2d"), (checks.check_max_pool2d, "max_pool2d")]:
        result = check(_none)
        assert not result.all_passed and "returned None: did you forget `return`?" in result.tests[0].message, name
    assert checks.check_build_cnn(_none).tests[0].message == "returned None: did you forget `return`?"
    assert checks.check_cnn_accuracy(None).not_implemented


def test_lab03_cnn_checks_enforce_the_budget_and_the_floor(lab03, capsys):
    import keras

    big = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(16, 3), keras.layers.Flatten(), keras.layers.Dense(10)])
    result = checks.check_build_cnn(lambda: big)
    assert [t.passed for t in result.tests] == [True, False, False, True]  # over budget, not compiled
    untrained = lab03["build_cnn"]()
    result = checks.check_cnn_accuracy(untrained)
    assert result.tests[0].passed and not result.tests[-1].passed
    assert "is at least 0.8" in result.tests[-1].name  # the smoke floor
    assert checks.check_cnn_accuracy(lab03["model"]).all_passed


def _bptt_with(mistake):
    """The solution's rnn_backward with one of the usual mistakes (a name of lab04._BPTT_MISTAKES)."""
    return lambda X, H, W_xh, W_hh, dH: checks.lab04._bptt(X, H, W_xh, W_hh, dH, mistake)


def test_lab04_bptt_mistakes_are_named(lab04, capsys):
    assert checks.check_rnn_backward(_bptt_with(None)).all_passed
    for mistake, hint in checks.lab04._BPTT_MISTAKES.items():
        result = checks.check_rnn_backward(_bptt_with(mistake))
        assert not result.all_passed, mistake
        assert hint in capsys.readouterr().out, mistake
    rnn_backward = lab04["rnn_backward"]
    result = checks.check_rnn_backward(lambda *args: tuple(rnn_backward(*args).values()))
    assert [t.passed for t in result.tests] == [False, False]
    assert "return {'W_xh': dW_xh, 'W_hh': dW_hh, 'b_h': db_h}" in result.tests[0].message


def test_lab04_rnn_forward_mistakes_are_named(lab04, capsys):
    rnn_forward = lab04["rnn_forward"]
    checks.check_rnn_forward(lambda X, W_xh, W_hh, b_h: rnn_forward(X, W_xh, W_hh, 0 * b_h))
    checks.check_rnn_forward(lambda X, W_xh, W_hh, b_h: rnn_forward(X, W_xh, W_hh.T, b_h))
    checks.check_rnn_forward(lambda X, W_xh, W_hh, b_h: rnn_forward(X, W_xh, 0 * W_hh, b_h))
    checks.check_rnn_forward(lambda X, W_xh, W_hh, b_h: rnn_forward(X, W_xh, W_hh, b_h)[:, -1])
    checks.check_rnn_forward(lambda X, W_xh, W_hh, b_h: rnn_forward(X, W_xh, W_hh, b_h).transpose(1, 0, 2))
    checks.check_rnn_forward(lambda X, W_xh, W_hh, b_h: checks.lab04._linear_rnn(X, W_xh, W_hh, b_h))
    out = capsys.readouterr().out
    assert "(the bias b_h is missing)" in out
    assert "write h @ W_hh" in out
    assert "the state is not carried from step to step" in out
    assert "return every state, shape (batch, time, units), not only the last one" in out
    assert "time is the second axis" in out
    assert "tanh is missing" in out


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _lstm_in_order(order, candidate=np.tanh, forget=True, squash=True):
    """An LSTM step that reads the four column blocks in `order` ('ifco' is Keras's)."""

    def step(x, h, c, W_x, W_h, b):
        blocks = dict(zip(order, np.split(x @ W_x + h @ W_h + b, 4, axis=-1)))
        c_new = (_sigmoid(blocks["f"]) * c if forget else c) + _sigmoid(blocks["i"]) * candidate(blocks["c"])
        return _sigmoid(blocks["o"]) * (np.tanh(c_new) if squash else c_new), c_new

    return step


def test_lab04_lstm_mistakes_are_named(lab04, capsys):
    assert checks.check_lstm_step(_lstm_in_order("ifco")).all_passed
    for order in ["ifoc", "icfo"]:
        result = checks.check_lstm_step(_lstm_in_order(order))
        assert not any(t.passed for t in result.tests)
        assert f"the gates are read in the order {', '.join(order)}" in capsys.readouterr().out
    result = checks.check_lstm_step(_lstm_in_order("ifco", candidate=_sigmoid))
    assert "the candidate g uses tanh, not sigmoid" in capsys.readouterr().out and not result.all_passed
    result = checks.check_lstm_step(_lstm_in_order("ifco", forget=False))
    assert [t.passed for t in result.tests] == [True, True, False, False]  # from zero states, f * 0 hides it
    assert "the forget gate is missing" in capsys.readouterr().out
    result = checks.check_lstm_step(_lstm_in_order("ifco", squash=False))
    assert [t.passed for t in result.tests] == [False, True, False, True]  # c is right, h is not
    assert "h = o * tanh(c), not o * c" in capsys.readouterr().out
    lstm_step = lab04["lstm_step"]
    result = checks.check_lstm_step(lambda *args: (*lstm_step(*args), None))
    assert "expected 2 values returned together, got 3" in result.tests[0].message


def test_lab04_clipping_mistakes_are_named(lab04, capsys):
    def per_tensor(grads, max_norm):
        norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
        return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads], norm

    def always_scales(grads, max_norm):
        norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
        return [g * max_norm / norm for g in grads], norm

    def no_sqrt(grads, max_norm):
        squares = float(sum(np.sum(g**2) for g in grads))
        return [g * min(1.0, max_norm / squares) for g in grads], squares

    result = checks.check_clip_by_global_norm(per_tensor)
    assert [t.passed for t in result.tests] == [True, False, True, True]
    assert "each array was clipped on its own (Keras's clipnorm)" in capsys.readouterr().out
    result = checks.check_clip_by_global_norm(always_scales)
    assert [t.passed for t in result.tests] == [True, True, True, False]
    assert "clipping only shrinks" in capsys.readouterr().out
    result = checks.check_clip_by_global_norm(no_sqrt)
    assert not any(t.passed for t in result.tests[:2])
    assert "the square root is missing" in capsys.readouterr().out
    result = checks.check_clip_by_global_norm(lambda grads, max_norm: lab04["clip_by_global_norm"](grads, max_norm)[0])
    assert "expected 2 values returned together, got 3" in result.tests[0].message


def test_lab04_lstm_checks_enforce_the_budget_and_the_floor(lab04, capsys):
    import keras

    big = keras.Sequential([keras.Input((None, 4)), keras.layers.LSTM(128), keras.layers.Dense(4)])
    result = checks.check_build_lstm(lambda: big)
    assert [t.passed for t in result.tests] == [True, False, False, True]  # over budget, not compiled
    dense = keras.Sequential([keras.Input((None, 4)), keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(4)])
    dense.compile(loss="sparse_categorical_crossentropy")
    assert not checks.check_build_lstm(lambda: dense).tests[0].passed  # no LSTM layer
    untrained = lab04["build_lstm"]()
    result = checks.check_lstm_accuracy(untrained)
    assert result.tests[0].passed and not result.tests[-1].passed
    assert "is at least 0.6" in result.tests[-1].name  # the smoke floor
    assert checks.check_lstm_accuracy(lab04["model"]).all_passed
    assert checks.check_lstm_accuracy(None).not_implemented
    for check in [checks.check_rnn_forward, checks.check_rnn_backward, checks.check_lstm_step, checks.check_clip_by_global_norm]:
        assert "returned None: did you forget `return`?" in check(_none).tests[0].message, check.__name__


def _attention_by_hand(axis=-1, scale=True, mask_after=False, stable=True):
    """Scaled dot-product attention written out again, with one of the usual mistakes switched on."""

    def attention(Q, K, V, mask=None):
        scores = Q @ np.swapaxes(K, -1, -2) / (np.sqrt(Q.shape[-1]) if scale else 1.0)
        if mask is not None and not mask_after:
            scores = np.where(mask, scores, -np.inf)
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(scores - scores.max(axis=axis, keepdims=True) if stable else scores)
            weights = e / e.sum(axis=axis, keepdims=True)
        if mask is not None and mask_after:
            weights = weights * mask
        return weights @ V, weights

    return attention


def test_lab05_attention_mistakes_are_named(lab05, capsys):
    assert checks.check_scaled_dot_product_attention(_attention_by_hand()).all_passed
    cases = [
        ({"axis": -2}, "the softmax ran over the wrong axis"),
        ({"scale": False}, "the 1/sqrt(d_k) is missing"),
        ({"mask_after": True}, "the mask was applied after the softmax"),
        ({"stable": False}, "subtract each row's maximum before np.exp"),
    ]
    for options, hint in cases:
        result = checks.check_scaled_dot_product_attention(_attention_by_hand(**options))
        assert not result.all_passed and hint in capsys.readouterr().out, options
    result = checks.check_scaled_dot_product_attention(_attention_by_hand(mask_after=True))
    assert [t.passed for t in result.tests] == [True, True, False, False, True, True]  # only a mask that changes a row shows it
    for kind, hint in checks.lab05._ATTENTION_MISTAKES.items():
        result = checks.check_scaled_dot_product_attention(lambda Q, K, V, mask=None, kind=kind: checks.lab05._attention(Q, K, V, mask, kind))
        assert not result.all_passed and hint in capsys.readouterr().out, kind
    attention = lab05["scaled_dot_product_attention"]
    result = checks.check_scaled_dot_product_attention(lambda Q, K, V, mask=None: attention(Q, K, V, mask)[0])
    assert "expected 2 values returned together, got 1" in result.tests[0].message
    result = checks.check_scaled_dot_product_attention(lambda Q, K, V, mask=None: attention(Q, K, V, mask)[::-1])
    assert "wrong shape" in result.tests[0].message


def test_lab05_causal_mask_mistakes_and_the_future_test(lab05, capsys):
    attention = lab05["scaled_dot_product_attention"]
    for mask, hint in [
        (lambda n: np.tril(np.ones((n, n), dtype=bool), -1), "the diagonal is False"),
        (lambda n: np.triu(np.ones((n, n), dtype=bool)), "True above the diagonal lets position i read the future"),
    ]:
        result = checks.check_causal_mask(mask, attention)
        assert not result.all_passed and hint in capsys.readouterr().out
    # a right mask with attention that masks after the softmax: later tokens still move earlier outputs
    result = checks.check_causal_mask(lab05["causal_mask"], _attention_by_hand(mask_after=True))
    assert [t.passed for t in result.tests] == [True, True, True, True, False, True]
    assert "positions 0-3 moved by up to" in result.tests[-2].message
    # no mask at all: the weights above the diagonal are not 0
    result = checks.check_causal_mask(lab05["causal_mask"], lambda Q, K, V, mask=None: attention(Q, K, V))
    assert not result.tests[3].passed and "exp(-inf) is exactly 0" in result.tests[3].message


def _mha_with(lab05, mistake):
    """The lab's reference multi-head attention with one of lab05._MHA_MISTAKES, called as the learner's is."""

    def mha(X_q, X_kv, W_q, W_k, W_v, W_o, num_heads, mask=None, b_q=0.0, b_k=0.0, b_v=0.0, b_o=0.0):
        p = {"W_q": W_q, "W_k": W_k, "W_v": W_v, "W_o": W_o, "b_q": b_q, "b_k": b_k, "b_v": b_v, "b_o": b_o}
        return checks.lab05._mha(X_q, X_kv, p, num_heads, mask, mistake)

    return mha


def test_lab05_multi_head_attention_mistakes_are_named(lab05, capsys):
    assert checks.check_multi_head_attention(_mha_with(lab05, None)).all_passed
    for mistake, hint in checks.lab05._MHA_MISTAKES.items():
        result = checks.check_multi_head_attention(_mha_with(lab05, mistake))
        assert not result.all_passed and hint in capsys.readouterr().out, mistake
    mha = lab05["multi_head_attention"]
    result = checks.check_multi_head_attention(lambda *args, **kwargs: (mha(*args, **kwargs)[0], mha(*args, **kwargs)[1].mean(axis=-3)))
    assert "one matrix of weights per head" in result.tests[0].message


def test_lab05_sinusoid_mistakes_are_named(lab05, capsys):
    for mistake, hint in checks.lab05._SINUSOID_MISTAKES.items():
        result = checks.check_sinusoidal_positions(lambda n, d, mistake=mistake: checks.lab05._sinusoids(n, d, mistake))
        assert not any(t.passed for t in result.tests) and hint in capsys.readouterr().out, mistake


def test_lab05_block_mistakes_are_named(lab05, capsys):
    layer_norm, gelu, mha = lab05["layer_norm"], lab05["gelu"], lab05["multi_head_attention"]

    def post_norm(X, p, num_heads, mask=None):
        attention = {k: p[k] for k in ("b_q", "b_k", "b_v", "b_o")}
        X = layer_norm(X + mha(X, X, p["W_q"], p["W_k"], p["W_v"], p["W_o"], num_heads, mask=mask, **attention)[0], p["gamma_1"], p["beta_1"])
        return layer_norm(X + gelu(X @ p["W_1"] + p["b_1"]) @ p["W_2"] + p["b_2"], p["gamma_2"], p["beta_2"])

    result = checks.check_transformer_block_forward(post_norm)
    assert not any(t.passed for t in result.tests)
    assert "that is a post-norm block, LN(x + MHA(x))" in capsys.readouterr().out
    for mistake, hint in checks.lab05._BLOCK_MISTAKES.items():
        result = checks.check_transformer_block_forward(lambda X, p, h, mask=None, mistake=mistake: checks.lab05._block(X, p, h, mask, mistake))
        assert not result.all_passed and hint in capsys.readouterr().out, mistake
    block = lab05["transformer_block_forward"]
    result = checks.check_transformer_block_forward(lambda X, p, h, mask=None: block(X, p, h))  # the mask ignored
    assert [t.passed for t in result.tests] == [True, False]


def test_lab05_gradient_mistakes_are_named(lab05, capsys):
    for mistake, hint in checks.lab05._GRADIENT_MISTAKES.items():
        result = checks.check_query_gradient(lambda Q, K, V, d, mask=None, mistake=mistake: checks.lab05._query_gradient(Q, K, V, d, mask, mistake))
        assert not any(t.passed for t in result.tests) and hint in capsys.readouterr().out, mistake
    gradient = lab05["query_gradient"]
    result = checks.check_query_gradient(lambda Q, K, V, d, mask=None: gradient(Q, K, V, d, mask) @ np.swapaxes(K, -1, -2))
    assert "wrong shape: expected (2, 3, 4), got shape (2, 3, 5) (that is dL/dscores" in result.tests[0].message
    for check in [checks.check_scaled_dot_product_attention, checks.check_multi_head_attention, checks.check_sinusoidal_positions,
                  checks.check_transformer_block_forward, checks.check_query_gradient]:
        assert "returned None: did you forget `return`?" in check(_none).tests[0].message, check.__name__


def test_lab06_reparameterize_kl_and_vae_loss_mistakes_are_named(lab06, capsys):
    for mistake, hint in checks.lab06._REPARAMETERIZE_MISTAKES.items():
        result = checks.check_reparameterize(lambda mu, log_var, eps, mistake=mistake: checks.lab06._reparameterize(mu, log_var, eps, mistake))
        assert not any(t.passed for t in result.tests) and hint in capsys.readouterr().out, mistake
    for mistake, hint in checks.lab06._KL_MISTAKES.items():
        result = checks.check_kl_to_standard_normal(lambda mu, log_var, mistake=mistake: checks.lab06._kl(mu, log_var, mistake))
        assert not result.all_passed and hint in capsys.readouterr().out, mistake
    kl = lab06["kl_to_standard_normal"]
    result = checks.check_kl_to_standard_normal(lambda mu, log_var: -0.5 * (1 + log_var - mu**2 - np.exp(log_var)))  # no sum
    assert "one value per example: sum over the latent dimensions" in result.tests[0].message
    assert checks.check_kl_to_standard_normal(lambda mu, log_var: np.sum(kl(mu[..., None], log_var[..., None]), axis=-1)).all_passed
    for mistake, hint in checks.lab06._VAE_LOSS_MISTAKES.items():
        result = checks.check_vae_loss(lambda X, X_hat, mu, log_var, mistake=mistake: checks.lab06._vae_loss(X, X_hat, mu, log_var, mistake))
        assert not any(t.passed for t in result.tests) and hint in capsys.readouterr().out, mistake
    per_image = lambda X, X_hat, mu, log_var: -np.sum(X * np.log(X_hat) + (1 - X) * np.log(1 - X_hat), axis=-1) + kl(mu, log_var)  # noqa: E731
    assert "that is one value per image: average them over the batch" in checks.check_vae_loss(per_image).tests[0].message
    # the mistakes named in the brief, written as a learner would
    result = checks.check_reparameterize(lambda mu, log_var, eps: mu + log_var * eps)
    assert "log_var was used as the standard deviation" in result.tests[0].message
    result = checks.check_reparameterize(lambda mu, log_var, eps: mu + np.exp(log_var) * eps)
    assert "np.exp(log_var) is the variance" in result.tests[0].message
    result = checks.check_vae_loss(lambda X, X_hat, mu, log_var: float(np.mean(-np.sum(X * np.log(X_hat) + (1 - X) * np.log(1 - X_hat), axis=-1))))
    assert "the KL term is missing" in result.tests[0].message


def test_lab06_gan_loss_mistakes_are_named(lab06, capsys):
    import keras

    for mistake, hint in checks.lab06._DISCRIMINATOR_MISTAKES.items():
        result = checks.check_discriminator_loss(lambda real, fake, mistake=mistake: checks.lab06._discriminator_loss(real, fake, mistake))
        assert not result.all_passed and hint in capsys.readouterr().out, mistake
    for mistake, hint in checks.lab06._GENERATOR_MISTAKES.items():
        result = checks.check_generator_loss(lambda fake, mistake=mistake: checks.lab06._generator_loss(fake, mistake))
        assert not result.all_passed and hint in capsys.readouterr().out, mistake
    # written as a learner would: the minimax loss, swapped labels, a sigmoid before from_logits, an unstable log(sigmoid)
    result = checks.check_generator_loss(lambda fake: keras.ops.mean(keras.ops.log(1 - keras.ops.sigmoid(fake))))
    assert "that is the minimax loss" in result.tests[0].message
    result = checks.check_discriminator_loss(lambda real, fake: lab06["discriminator_loss"](fake, real))
    assert "the labels are swapped" in result.tests[0].message
    result = checks.check_generator_loss(lambda fake: keras.ops.mean(keras.ops.softplus(-keras.ops.sigmoid(fake))))
    assert "went through a sigmoid before a loss that takes logits" in result.tests[0].message
    naive = lambda fake: -np.mean(np.log(1 / (1 + np.exp(-fake))))  # noqa: E731
    with np.errstate(over="ignore", divide="ignore"):
        result = checks.check_generator_loss(naive)
    assert [t.passed for t in result.tests] == [True, False] and "log(sigmoid(x)) overflows" in result.tests[1].message
    bce = keras.losses.BinaryCrossentropy(from_logits=True, dtype="float64")
    assert checks.check_generator_loss(lambda fake: bce(np.ones_like(fake), fake)).all_passed


def _gan_step_with(mistake):
    """A gan_train_step with one of lab06._GAN_STEP_MISTAKES, called as the learner's is (SGD at checks.LAB06_LR)."""

    def gan_train_step(generator, discriminator, g_optimizer, d_optimizer, real, noise):
        d_loss, g_loss, g_after, d_after = checks.lab06._gan_step(generator.get_weights(), discriminator.get_weights(), real, noise,
                                                                  checks.LAB06_LR, mistake)
        generator.set_weights(g_after)
        discriminator.set_weights(d_after)
        return d_loss, g_loss

    return gan_train_step


def test_lab06_gan_step_mistakes_are_named(lab06, capsys):
    import keras
    import tensorflow as tf

    assert checks.check_gan_train_step(_gan_step_with(None), keras).all_passed
    for mistake, hint in checks.lab06._GAN_STEP_MISTAKES.items():
        result = checks.check_gan_train_step(_gan_step_with(mistake), keras)
        assert not result.all_passed and hint in capsys.readouterr().out, mistake
    step = lab06["gan_train_step"]
    result = checks.check_gan_train_step(lambda *args: step(*args)[::-1], keras)
    assert "the losses are in the wrong order" in result.tests[2].message
    # written as a learner would: one tape for both players, every variable updated with the discriminator's loss
    discriminator_loss, generator_loss = lab06["discriminator_loss"], lab06["generator_loss"]

    def no_stop_gradient(generator, discriminator, g_optimizer, d_optimizer, real, noise):
        variables = discriminator.trainable_variables + generator.trainable_variables
        with tf.GradientTape() as tape:
            d_loss = discriminator_loss(discriminator(real), discriminator(generator(noise)))
        for v, g in zip(variables, tape.gradient(d_loss, variables)):
            v.assign_sub(checks.LAB06_LR * g)
        with tf.GradientTape() as tape:
            g_loss = generator_loss(discriminator(generator(noise)))
        g_optimizer.apply(tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables)
        return d_loss, g_loss

    result = checks.check_gan_train_step(no_stop_gradient, keras)
    assert [t.passed for t in result.tests[:2]] == [True, False]
    assert "the generator also moved during the discriminator's step" in result.tests[1].message
    assert "returned None: did you forget `return`?" in checks.check_gan_train_step(_none, keras).tests[0].message


def test_lab06_reference_step_is_the_mistake_free_step_and_models_are_seeded():
    generator, discriminator = checks.lab06_gan_models(2)
    again, _ = checks.lab06_gan_models(2)
    assert all(np.array_equal(a, b) for a, b in zip(generator.get_weights(), again.get_weights()))
    rng = np.random.default_rng(0)
    real, noise = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    expected = checks.reference.tape_gan_train_step(generator.get_weights(), discriminator.get_weights(), real, noise, 0.5)
    got = checks.lab06._gan_step(generator.get_weights(), discriminator.get_weights(), real, noise, 0.5)
    assert np.allclose(expected[:2], got[:2]) and all(np.allclose(a, b) for a, b in zip(expected[2] + expected[3], got[2] + got[3]))
    with pytest.raises(ValueError, match="hidden must be a positive whole number"):
        checks.lab06_gan_models(hidden=0)


def test_lab05_block_params_are_seeded_and_refuse_a_bad_width():
    a, b = checks.lab05_block_params(8, seed=3), checks.lab05_block_params(8, seed=3)
    assert list(a) == list(checks.lab05._BLOCK_KEYS) and all(np.array_equal(a[k], b[k]) for k in a)
    assert a["W_1"].shape == (8, 32) and a["W_2"].shape == (32, 8) and a["gamma_2"].shape == (8,)
    with pytest.raises(ValueError, match="d_model must be a positive whole number"):
        checks.lab05_block_params(0)


def test_run_lab_names_what_the_notebook_does_not_define(capsys):
    results = checks.run_lab("lab01", {"sigmoid": stub}, strict=False)
    assert results[0].not_implemented
    assert "the notebook does not define neuron" in results[1].tests[0].message
    assert "the notebook does not define w, b" in results[-1].tests[0].message


def test_a_check_stops_cleanly_when_told_to(capsys):
    def gone(z):
        raise checks.StopCheck("the kernel died")

    result = checks.check_sigmoid(gone, strict=False)
    assert result.tests[-1].message == "stopped: the kernel died"


@pytest.mark.parametrize(
    "got, expected, message",
    [
        (np.array([1.0, 2.0]), np.array([1.0, 2.0]), None),
        (None, np.array([1.0]), "returned None"),
        (np.ones((2, 3)), np.ones((3, 2)), "transposed"),
        (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 3.0], [2.0, 4.0]]), "transposed"),
        (np.array([-1.0, 2.0]), np.array([1.0, -2.0]), "the sign is flipped"),
        (np.array([2.0, 4.0]), np.array([1.0, 2.0]), "off by a constant factor of 2"),
        (np.array([np.nan, 1.0]), np.array([1.0, 1.0]), "nan or inf"),
        (np.array([1, 2]), np.array([1.0, 2.0]), "wrong dtype"),
        (np.array([[1.0, 2.0]]), np.array([1.0, 2.0]), "remove the extra axis"),
        (np.array([1.0, 2.5]), np.array([1.0, 2.0]), "expected [1. 2.], got [1. 2.5]"),
    ],
)
def test_diagnose(got, expected, message):
    found = checks.diagnose(got, expected)
    assert found is None if message is None else message in found


def test_lab_ids():
    assert checks.lab_id("2") == checks.lab_id("02") == checks.lab_id("lab02") == "lab02_backprop_from_scratch"
    assert checks.lab_id("lab01_neuron_and_gradient_descent.ipynb") == "lab01_neuron_and_gradient_descent"
    with pytest.raises(ValueError, match="unknown lab 'lab09'"):
        checks.lab_id("lab09")


def test_lab_data_are_copies_with_the_stated_shapes():
    X_train, y_train, X_test, y_test = checks.lab01_data()
    assert X_train.shape == (455, 30) and X_test.shape == (114, 30)
    np.testing.assert_allclose(X_train.mean(axis=0), 0, atol=1e-9)
    X_train[:] = 0  # a learner changing the data in place does not change what the checks see
    assert checks.lab01_data()[0].std() > 0.5
    X_train, y_train, X_test, y_test = checks.lab02_data()
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert 0 <= X_train.min() and X_train.max() <= 1 and set(np.unique(y_test)) == set(range(10))
    X_train, y_train, X_test, y_test = checks.lab03_data(max_train=1000)
    assert X_train.shape == (1000, 28, 28, 1) and X_test.shape == (360, 28, 28, 1) and X_train.dtype == np.float32
    assert 0 <= X_train.min() and X_train.max() <= 1 and set(np.unique(y_test)) == set(range(10))


def test_the_pooling_check_calls_max_pool2d_with_pool_size(capsys):
    """The course-wide name of the window argument: a max_pool2d taking `pool` fails, with the reason."""
    result = checks.check_max_pool2d(lambda X, pool=2: X)
    assert not any(t.passed for t in result.tests)
    assert "unexpected keyword argument 'pool_size'" in result.tests[0].message
    assert "move them by `pool_size` pixels" in checks.check_max_pool2d(lambda X, pool_size=2: X[:, 1:, 1:]).tests[0].message


# --- the registry: one module per lab, each check registered with its lab and the names it needs --


@pytest.mark.parametrize("lab", list(course.LABS))
def test_every_lab_has_a_checks_module_with_registered_checks(lab):
    module = importlib.import_module(f"helpers.checks.{lab[:5]}")
    functions = checks.lab_checks(lab)
    assert functions, f"{module.__name__} registers no check"
    assert [f.__name__ for f in functions] == checks.check_names(lab)
    for function in functions:
        assert function.__module__ == module.__name__, f"{function.__name__} is registered for {lab} from another module"
        assert function.lab == lab and function.exercise.startswith("exercise ") and function.title and function.needs
        assert getattr(checks, function.__name__) is function  # from helpers import checks; checks.check_x(...)
    for name in module.__all__:
        assert getattr(checks, name) is getattr(module, name)
    assert sum(f.needs == ("w", "b") for f in checks.lab_checks("lab01")) == 1


def test_lab_checks_is_a_copy_in_registration_order():
    functions = checks.lab_checks("lab01")
    functions.clear()
    assert checks.check_names("lab01")[:2] == ["check_sigmoid", "check_neuron"]
    assert checks.check_names("lab03")[-1] == "check_cnn_accuracy"


def test_prepare_delegates_to_the_lab_module(monkeypatch):
    called = []
    monkeypatch.setattr(checks.lab01, "prepare", lambda: called.append("lab01"))
    checks.prepare("1")
    assert called == ["lab01"]


def _body(t, sigmoid):
    t.record("ran", True)


def test_a_check_for_an_unknown_lab_is_refused():
    with pytest.raises(ValueError, match="unknown lab 'lab99'; the labs are: lab01_neuron_and_gradient_descent"):
        checks.check("lab99", "exercise 9.1", "nothing", needs=("sigmoid",))(_body)


@pytest.mark.parametrize("needs", [(), [], None, "sigmoid", ("",), ("not a name",)])
def test_a_check_that_needs_no_names_is_refused(needs):
    with pytest.raises(ValueError, match="needs must list the notebook names the check is called with"):
        checks.check("lab01", "exercise 9.1", "nothing", needs=needs)(_body)


def test_a_check_whose_parameters_do_not_match_its_needs_is_refused():
    before = checks.check_names("lab01")
    with pytest.raises(ValueError, match=r"_body takes 1 values after the tester \('sigmoid',\), but needs lists 2"):
        checks.check("lab01", "exercise 9.1", "nothing", needs=("sigmoid", "neuron"))(_body)

    def check_sigmoid(t, sigmoid):
        t.record("ran", True)

    with pytest.raises(ValueError, match="lab01_neuron_and_gradient_descent already has a check named check_sigmoid"):
        checks.check("lab01", "exercise 9.1", "again", needs=("sigmoid",))(check_sigmoid)
    assert checks.check_names("lab01") == before  # nothing was registered


def test_recording_is_an_argument_not_a_side_effect_of_printing(monkeypatch):
    recorded = []
    monkeypatch.setattr(checks.framework.progress, "record_check", lambda *args, **kwargs: recorded.append((args, kwargs)))
    sigmoid = lambda z: 1 / (1 + np.exp(-np.asarray(z, dtype=float)))  # noqa: E731
    checks.check_sigmoid(sigmoid, echo=False)
    assert recorded == [(("lab01_neuron_and_gradient_descent", "check_sigmoid", True, checks.check_names("lab01")), {})]
    checks.check_sigmoid(sigmoid, record=False)
    checks.run_lab("lab01", {"sigmoid": sigmoid}, strict=False, echo=False)  # the grader's way: record=False
    assert len(recorded) == 1
    checks.run_lab("lab03", {}, strict=False, echo=False, record=True)
    names = checks.check_names("lab03")
    assert [(args[1:], kwargs) for args, kwargs in recorded[1:]] == [((name, False, names), {}) for name in names]


def test_fmt_renders_a_ragged_tuple_on_one_line_instead_of_crashing():
    from helpers.checks.framework import fmt

    text = fmt((np.zeros(3), np.zeros((2, 2))))
    assert "\n" not in text and text.startswith("(array(")


# --- lab 07: attacks and adversarial training ----------------------------------------------------


@pytest.fixture(scope="module")
def lab07():
    """The solution's names, and exercise 7.5's cell run with the notebook's budgets (smoke: two epochs, a few seconds)."""
    import re

    import keras
    import matplotlib.pyplot as plt
    import tensorflow as tf

    from helpers import settings

    ns = solution("lab07_adversarial_robustness", keras=keras, ops=keras.ops, tf=tf)
    cells = [c.source for c in nbformat.read(ROOT / "labs" / "source" / "lab07_adversarial_robustness.ipynb", as_version=4).cells
             if c.cell_type == "code"]
    constants = "\n".join(line for c in cells if "settings.setup()" in c for line in c.splitlines() if re.match(r"[A-Z_]+ = ", line))
    ns.update(checks=checks, settings=settings, keras=keras, plt=plt)
    exec(constants, ns)
    exec(next(c for c in cells if "results = None" in c), ns)
    plt.close("all")
    return ns


def _twin(model):
    """The float64 twin of a check's model, as lab07's references build it."""
    return checks.reference.keras_float64_classifier(model.get_weights())


def test_lab07_loss_gradient_mistakes_are_named(lab07, capsys):
    import keras
    import tensorflow as tf

    for mistake, hint in checks.lab07._GRADIENT_MISTAKES.items():
        result = checks.check_loss_gradient(lambda model, X, y, mistake=mistake: checks.lab07._gradient(_twin(model), X, y, mistake), keras)
        assert not result.all_passed and hint in capsys.readouterr().out, mistake

    # written as a learner would: the weights' gradient, training mode, no tape.watch, a mean loss
    def weights_gradient(model, X, y):
        with tf.GradientTape() as tape:
            loss = keras.losses.sparse_categorical_crossentropy(y, model(X), from_logits=True)
        return tape.gradient(loss, model.trainable_variables)

    result = checks.check_loss_gradient(weights_gradient, keras)
    assert not any(t.passed for t in result.tests) and "the gradient with respect to the model's weights" in result.tests[0].message

    def training_mode(model, X, y):
        X = tf.convert_to_tensor(X, dtype="float32")
        with tf.GradientTape() as tape:
            tape.watch(X)
            losses = keras.losses.sparse_categorical_crossentropy(y, model(X, training=True), from_logits=True)
        return tape.gradient(losses, X).numpy()

    result = checks.check_loss_gradient(training_mode, keras)
    assert [t.passed for t in result.tests] == [True, True, False, False]  # the MLP has no BatchNormalization: no difference there
    assert "the model ran in training mode" in result.tests[2].message
    assert "computing an attack's gradient must not train the model" in result.tests[3].message

    def no_watch(model, X, y):
        X = tf.convert_to_tensor(X, dtype="float32")
        with tf.GradientTape() as tape:
            losses = keras.losses.sparse_categorical_crossentropy(y, model(X), from_logits=True)
        return tape.gradient(losses, X).numpy()

    result = checks.check_loss_gradient(no_watch, keras)
    assert not result.all_passed and "tape.gradient returned None: the tape did not follow X" in result.tests[0].message
    result = checks.check_loss_gradient(lambda model, X, y: lab07["loss_gradient"](model, X, y) / len(X), keras)
    assert "the gradient of the batch's mean loss" in result.tests[0].message
    assert "returned None: did you forget `return`?" in checks.check_loss_gradient(_none, keras).tests[0].message


def test_lab07_fgsm_mistakes_are_named(lab07, capsys):
    import keras

    for mistake, hint in checks.lab07._FGSM_MISTAKES.items():
        result = checks.check_fgsm(lambda model, X, y, eps, mistake=mistake: checks.lab07._fgsm(_twin(model), X, y, eps, mistake), keras)
        assert not result.all_passed and hint in capsys.readouterr().out, mistake
    # written as a learner would, with the solution's loss_gradient
    gradient = lab07["loss_gradient"]
    result = checks.check_fgsm(lambda model, X, y, eps: np.clip(X - eps * np.sign(gradient(model, X, y)), 0, 1), keras)
    assert "that steps down the loss" in result.tests[0].message and "falls by" in result.tests[2].name
    assert "that steps down the loss" in result.tests[2].message and result.tests[1].passed  # inside the ball, but downhill
    result = checks.check_fgsm(lambda model, X, y, eps: X + eps * np.sign(gradient(model, X, y)), keras)
    assert "some pixels left [0, 1]" in result.tests[0].message and "outside [0, 1]" in result.tests[1].message
    assert result.tests[2].passed  # mid-grey images: no clip binds, so the closed form holds without it
    result = checks.check_fgsm(lambda model, X, y, eps: np.clip(X + eps * gradient(model, X, y), 0, 1), keras)
    assert "steps along the gradient itself" in result.tests[0].message and not result.tests[2].passed
    assert "the gradient with respect to the model's weights" in checks.check_fgsm(
        lambda model, X, y, eps: [w + eps for w in model.get_weights()], keras).tests[0].message


def test_lab07_pgd_mistakes_are_named(lab07, capsys):
    import keras

    for mistake, hint in checks.lab07._PGD_MISTAKES.items():
        result = checks.check_pgd(lambda model, X, y, eps, n, alpha, start=None, mistake=mistake:
                                  checks.lab07._pgd(_twin(model), X, y, eps, n, alpha, start, mistake), keras)
        assert not result.all_passed and hint in capsys.readouterr().out, mistake
    gradient = lab07["loss_gradient"]

    def pgd_written(projection):
        """PGD as a learner might write it: 'every step', 'once at the end', 'previous iterate' or 'no pixel clip'."""

        def pgd(model, X, y, eps, num_steps, alpha, start=None):
            X_adv = X.copy() if start is None else np.clip(X + start, 0, 1)
            for _ in range(num_steps):
                previous = X_adv
                X_adv = X_adv + alpha * np.sign(gradient(model, X_adv, y))
                if projection == "previous iterate":
                    X_adv = np.clip(np.clip(X_adv, previous - eps, previous + eps), 0, 1)
                elif projection == "no pixel clip":
                    X_adv = np.clip(X_adv, X - eps, X + eps)
                elif projection == "every step":
                    X_adv = np.clip(np.clip(X_adv, X - eps, X + eps), 0, 1)
            return np.clip(np.clip(X_adv, X - eps, X + eps), 0, 1) if projection == "once at the end" else X_adv

        return pgd

    assert checks.check_pgd(pgd_written("every step"), keras).all_passed
    for projection, hint in [("once at the end", "projected only once, at the end"),
                             ("previous iterate", "around the previous iterate"), ("no pixel clip", "some pixels left [0, 1]")]:
        result = checks.check_pgd(pgd_written(projection), keras)
        assert not result.all_passed and hint in result.tests[0].message, projection
    result = checks.check_pgd(pgd_written("previous iterate"), keras)
    assert "more than eps = 0.1" in result.tests[1].message
    result = checks.check_pgd(lambda model, X, y, eps, n, alpha, start=None: lab07["pgd"](model, X, y, eps, n, alpha), keras)
    assert [t.passed for t in result.tests] == [True, True, True, False, True] and "the start was not used" in result.tests[3].message


def _train_step_with(mistake):
    """An adversarial_train_step with one of lab07._STEP_MISTAKES, called as the learner's is (SGD at checks.LAB07_LR)."""

    def adversarial_train_step(model, optimizer, X, y, eps, start):
        loss, after = checks.lab07._train_step(model.get_weights(), X, y, eps, start, checks.LAB07_LR, mistake)
        model.set_weights(after)
        return loss

    return adversarial_train_step


def test_lab07_train_step_mistakes_are_named(lab07, capsys):
    import keras
    import tensorflow as tf

    assert checks.check_adversarial_train_step(_train_step_with(None), keras).all_passed
    for mistake, hint in checks.lab07._STEP_MISTAKES.items():
        result = checks.check_adversarial_train_step(_train_step_with(mistake), keras)
        assert not result.all_passed and hint in capsys.readouterr().out, mistake
    pgd, step = lab07["pgd"], lab07["adversarial_train_step"]

    def written(attack_mode=False, clean=False, inside_tape=False):
        """The step as a learner might write it: the attack in training mode, a step on the clean batch, or the attack
        computed inside the training tape in TensorFlow without stopping its gradient."""

        def attack_gradient(model, X_start, y):
            with tf.GradientTape() as inner:
                inner.watch(X_start)
                attack_loss = tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(y, model(X_start, training=attack_mode),
                                                                                          from_logits=True))
            return inner.gradient(attack_loss, X_start)

        def adversarial_train_step(model, optimizer, X, y, eps, start):
            X_start = tf.convert_to_tensor(np.clip(X + start, 0, 1))
            with tf.GradientTape() as tape:
                if inside_tape:  # the attack on the training tape, in TensorFlow: its gradient is not stopped
                    X_adv = X_start + 1.25 * eps * tf.sign(attack_gradient(model, X_start, y))
                    X_adv = tf.clip_by_value(tf.clip_by_value(X_adv, X - eps, X + eps), 0.0, 1.0)
                else:
                    X_adv = X_start.numpy() + 1.25 * eps * np.sign(attack_gradient(model, X_start, y).numpy())
                    X_adv = np.clip(np.clip(X_adv, X - eps, X + eps), 0, 1)
                logits = model(X if clean else X_adv, training=True)
                loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
            optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
            return float(loss)

        return adversarial_train_step

    assert checks.check_adversarial_train_step(written(), keras).all_passed
    result = checks.check_adversarial_train_step(written(attack_mode=True), keras)
    assert not any(t.passed for t in result.tests) and "the attack ran the model in training mode" in result.tests[1].message
    result = checks.check_adversarial_train_step(written(clean=True), keras)
    assert not any(t.passed for t in result.tests) and "trained on the clean batch" in result.tests[0].message
    # Not stopping the gradient through the attack changes nothing here: sign() has a zero gradient (question 1 says why).
    assert checks.check_adversarial_train_step(written(inside_tape=True), keras).all_passed
    result = checks.check_adversarial_train_step(lambda *args: pgd(*args[:1], *args[2:5], 1, 1.25 * args[4], args[5]), keras)
    assert not result.all_passed and "expected one number, the loss" in result.tests[0].message
    result = checks.check_adversarial_train_step(lambda model, *args: [step(model, *args), 0.0], keras)
    assert "expected one number, the loss" in result.tests[-1].message


def test_lab07_references_are_the_mistake_free_versions_and_models_are_seeded():
    model, again = checks.lab07_model(3, kind="batch_norm"), checks.lab07_model(3, kind="batch_norm")
    assert len(model.get_weights()) == 8 and all(np.array_equal(a, b) for a, b in zip(model.get_weights(), again.get_weights()))
    twin = _twin(model)
    rng = np.random.default_rng(0)
    X, y = rng.uniform(size=(4, 12)).astype("float32"), np.array([0, 1, 2, 0])
    start = rng.uniform(-0.1, 0.1, size=X.shape)
    assert np.allclose(twin(X.astype(float)), model(X), atol=1e-5)  # the float64 twin computes what the model computes
    assert np.array_equal(checks.lab07._pgd(twin, X, y, 0.1, 3, 0.04, start), checks.reference.tape_pgd(twin, X, y, 0.1, 3, 0.04, start))
    assert np.array_equal(checks.lab07._fgsm(twin, X, y, 0.1), checks.reference.tape_pgd(twin, X, y, 0.1, 1, 0.1))
    expected = checks.reference.tape_adversarial_train_step(model.get_weights(), X, y, 0.1, start, 0.5)
    got = checks.lab07._train_step(model.get_weights(), X, y, 0.1, start, 0.5)
    assert np.isclose(expected[0], got[0]) and all(np.allclose(a, b) for a, b in zip(expected[1], got[1]))
    with pytest.raises(ValueError, match="kind must be one of linear, mlp, batch_norm"):
        checks.lab07_model(kind="cnn")
    with pytest.raises(ValueError, match="at least 2 classes"):
        checks.lab07_model(num_classes=1)
    X_train, y_train, X_test, y_test = checks.lab07_data()
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64) and X_train.dtype == np.float32
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0 and set(np.unique(y_train)) == set(range(10))


def test_lab07_robust_training_check_has_measured_floors_that_training_without_the_attack_fails(lab07):
    results = lab07["results"]
    assert set(results) == {"ordinary", "adversarial"} and checks.check_robust_training(results).all_passed
    floors = checks.lab07_robust_floors()
    assert floors == checks.LAB07_ROBUST_FLOORS["smoke"] and checks.LAB07_ROBUST_FLOORS["cpu"]["gain"] >= 0.3
    # Training without the attack: train(0.0) with the same seed is the ordinary network, so it gains nothing under PGD.
    assert np.isclose(lab07["pgd_accuracy"](lab07["train"](0.0), lab07["EPS"]), results["ordinary"]["pgd"])
    result = checks.check_robust_training({"ordinary": results["ordinary"], "adversarial": results["ordinary"]})
    assert [t.passed for t in result.tests] == [True, True, True, False] and "take its step on the attacked batch" in result.tests[-1].message
    # An untrained network: it reads few clean digits, so PGD has little to take from it.
    untrained = checks.lab07_model(seed=0, num_inputs=64, num_classes=10, hidden=64, kind="batch_norm")
    X_test, y_test = lab07["X_test"], lab07["y_test"]
    row = {"clean": lab07["accuracy"](untrained, X_test, y_test), "pgd": lab07["pgd_accuracy"](untrained, lab07["EPS"])}
    assert row["clean"] < 0.3
    result = checks.check_robust_training({"ordinary": row, "adversarial": row})
    assert [t.passed for t in result.tests] == [False, False, False, False] and "did not learn the digits" in result.tests[0].message
    result = checks.check_robust_training({"ordinary": row, "adversarial": results["adversarial"]})
    assert [t.passed for t in result.tests] == [False, True, False, True]
    # A weak attack: PGD that barely moves the ordinary network's accuracy.
    weak = {"ordinary": {"clean": 0.9, "pgd": 0.8}, "adversarial": results["adversarial"]}
    assert "does pgd climb the loss" in checks.check_robust_training(weak).tests[2].message
    assert checks.check_robust_training(None).not_implemented
    for broken, message in [({"ordinary": {"clean": 0.9}}, "KeyError"), ({"ordinary": {"clean": 1.5, "pgd": 0.1}}, "got 1.5"),
                            (_none, "TypeError")]:
        result = checks.check_robust_training(broken)
        assert len(result.tests) == 1 and not result.all_passed and message in result.tests[0].message, broken

"""Lab 05's checks: attention and a transformer block (references from NumPy written out at check time,
keras.layers.MultiHeadAttention, a Keras pre-norm block with the same weights, and tf.GradientTape)."""

from __future__ import annotations

import numpy as np

from helpers.checks import reference
from helpers.checks.framework import Failed, Tester, check, get_parts, lab_id

LAB = lab_id("lab05")
LAB05_EPSILON = 1e-6  # LayerNormalization's epsilon in notebook 20's block and in this lab

__all__ = ["LAB05_EPSILON", "lab05_block_params"]  # and the checks

_BLOCK_KEYS = ("gamma_1", "beta_1", "W_q", "b_q", "W_k", "b_k", "W_v", "b_v", "W_o", "b_o", "gamma_2", "beta_2", "W_1", "b_1", "W_2", "b_2")


def lab05_block_params(d_model: int = 16, seed: int = 0) -> dict:
    """Random weights of one pre-norm transformer block, a dict of float64 arrays by the names lab 05 uses.

    ``gamma_1, beta_1`` (the first LayerNormalization), ``W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o``
    (multi-head attention: every W is (d_model, d_model), every b (d_model,)), ``gamma_2, beta_2``
    (the second LayerNormalization) and ``W_1`` (d_model, 4 d_model), ``b_1``, ``W_2`` (4 d_model,
    d_model), ``b_2`` (the MLP). Biases, gammas and betas are not 0 or 1, so a missing one shows.
    """
    if not isinstance(d_model, (int, np.integer)) or d_model < 1:
        raise ValueError(f"d_model must be a positive whole number, got {d_model!r}.")
    rng = np.random.default_rng(seed)
    scale = 1 / np.sqrt(d_model)
    params = {}
    for name in _BLOCK_KEYS:
        if name.startswith("gamma"):
            params[name] = rng.normal(1.0, 0.2, size=d_model)
        elif name.startswith("beta") or name in ("b_q", "b_k", "b_v", "b_o", "b_2"):
            params[name] = rng.normal(0.0, 0.2, size=d_model)
        elif name == "b_1":
            params[name] = rng.normal(0.0, 0.2, size=4 * d_model)
        elif name == "W_1":
            params[name] = rng.normal(0.0, scale, size=(d_model, 4 * d_model))
        elif name == "W_2":
            params[name] = rng.normal(0.0, scale / 2, size=(4 * d_model, d_model))
        else:  # W_q, W_k, W_v, W_o
            params[name] = rng.normal(0.0, 1.5 * scale, size=(d_model, d_model))
    return params


def prepare() -> None:
    """Import TensorFlow and build each reference once (the grader calls this before any submission runs)."""
    params = lab05_block_params(4)
    X = np.zeros((1, 2, 4))
    reference.keras_multi_head_attention(X, X, params, 2)
    reference.keras_transformer_block(X, params, 2)
    reference.tape_attention_queries(np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 1)), np.zeros((2, 1)))



# --- the NumPy written out here: the reference, and the usual mistakes -------------------------


def _softmax(scores, axis=-1):
    shifted = scores - scores.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


_ATTENTION_MISTAKES = {
    "wrong axis": "the softmax ran over the wrong axis: each query's weights over the keys (the last axis, axis=-1) must sum to 1",
    "no scale": "the 1/sqrt(d_k) is missing: scores = Q @ K^T / np.sqrt(d_k), d_k = Q.shape[-1]",
    "d_k scale": "the scores were divided by d_k: divide by its square root, np.sqrt(d_k)",
    "mask after softmax": "the mask was applied after the softmax, so a row no longer sums to 1 (and the masked keys still "
    "shape the others' weights): set masked scores to -np.inf before the softmax",
    "inverted mask": "the mask is the wrong way round: True means the query MAY attend to that key",
}


def _attention(Q, K, V, mask=None, mistake=None):
    """softmax(Q K^T / sqrt(d_k)) V and the weights, or one of the usual mistakes (a key of _ATTENTION_MISTAKES)."""
    d_k = Q.shape[-1]
    scale = {"no scale": 1.0, "d_k scale": d_k}.get(mistake, np.sqrt(d_k))
    scores = Q @ np.swapaxes(K, -1, -2) / scale
    if mask is not None and mistake == "inverted mask":
        mask = ~np.asarray(mask, dtype=bool)
    if mask is not None and mistake != "mask after softmax":
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(invalid="ignore"):  # an inverted mask can hide a whole row: nan, which is a wrong answer too
        weights = _softmax(scores, axis=-2 if mistake == "wrong axis" else -1)
    if mask is not None and mistake == "mask after softmax":
        weights = np.where(mask, weights, 0.0)
    return weights @ V, weights


def _split_heads(Z, num_heads, interleaved=False):
    *batch, length, d_model = Z.shape
    if interleaved:  # head h takes columns h, h + num_heads, ...: not Keras's layout
        return np.moveaxis(Z.reshape(*batch, length, d_model // num_heads, num_heads), -1, -3)
    return np.swapaxes(Z.reshape(*batch, length, num_heads, d_model // num_heads), -2, -3)


_MHA_MISTAKES = {
    "interleaved heads": "the heads were split column by column (head h got columns h, h + num_heads, ...): head h is the "
    "block of d_k = d_model // num_heads columns h*d_k:(h+1)*d_k: reshape to (..., T, num_heads, d_k), then swap T and heads",
    "one head": "that is one head of width d_model: split Q, K and V into num_heads heads of width d_model // num_heads",
    "d_model scale": "the scores were divided by sqrt(d_model): each head divides by the square root of its own width, d_k",
    "no output projection": "the heads' concatenated outputs still need W_o (and b_o): outputs = concatenated @ W_o + b_o",
    "no biases": "the biases b_q, b_k, b_v and b_o are missing: Q = X_q @ W_q + b_q, and so on",
    "heads not swapped back": "the heads were put back side by side without moving the head axis next to d_k first: "
    "swap axes (..., heads, T_q, d_k) -> (..., T_q, heads, d_k), then reshape to (..., T_q, d_model)",
}


def _mha(X_q, X_kv, p, num_heads, mask=None, mistake=None):
    """Multi-head attention with the flat weights p, or one of the usual mistakes (a key of _MHA_MISTAKES)."""
    bias = (lambda name: 0.0) if mistake == "no biases" else (lambda name: p[name])  # noqa: E731
    heads = 1 if mistake == "one head" else num_heads
    split = lambda Z: _split_heads(Z, heads, interleaved=mistake == "interleaved heads")  # noqa: E731
    Q, K, V = split(X_q @ p["W_q"] + bias("b_q")), split(X_kv @ p["W_k"] + bias("b_k")), split(X_kv @ p["W_v"] + bias("b_v"))
    if mistake == "d_model scale":
        Q = Q / np.sqrt(num_heads)  # so that dividing by sqrt(d_k) divides by sqrt(d_model) in all
    if mask is not None:
        mask = np.expand_dims(mask, -3)
    out, weights = _attention(Q, K, V, mask)
    if mistake == "heads not swapped back":
        concatenated = out.reshape(*out.shape[:-3], out.shape[-2], -1)
    else:
        concatenated = np.swapaxes(out, -2, -3).reshape(*out.shape[:-3], out.shape[-2], -1)
    if mistake == "no output projection":
        return concatenated, weights
    return concatenated @ p["W_o"] + bias("b_o"), weights


def _layer_norm(X, gamma, beta, eps=LAB05_EPSILON):
    return (X - X.mean(axis=-1, keepdims=True)) / np.sqrt(X.var(axis=-1, keepdims=True) + eps) * gamma + beta


def _gelu(x):
    from scipy.special import erf  # imported on first use: `from helpers import checks` stays light

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


_BLOCK_MISTAKES = {
    "post-norm": "that is a post-norm block, LN(x + MHA(x)): this lab's block (notebook 20's, GPT-2's) is pre-norm, "
    "x + MHA(LN(x)), then x + MLP(LN(x)), with nothing after the last addition",
    "residual from the norm": "the residual adds the normalised x: keep the stream x apart, x = x + MHA(LN(x)), not x = LN(x); x = x + MHA(x)",
    "no residual": "the residual additions are missing: x = x + MHA(LN(x)), then x = x + MLP(LN(x))",
    "relu": "the MLP's activation is GELU (Keras's 'gelu', exact: gelu(x) given above), not ReLU",
    "one norm": "both sublayers used the first LayerNormalization's gamma_1 and beta_1: the MLP's norm has its own, gamma_2 and beta_2",
    "no mask": "the mask was not passed on to the attention: multi_head_attention(h, h, ..., mask=mask)",
}


def _block(X, p, num_heads, mask=None, mistake=None):
    """The pre-norm block with the flat weights p, or one of the usual mistakes (a key of _BLOCK_MISTAKES)."""
    norm2 = ("gamma_1", "beta_1") if mistake == "one norm" else ("gamma_2", "beta_2")
    attend = lambda h: _mha(h, h, p, num_heads, None if mistake == "no mask" else mask)[0]  # noqa: E731
    mlp = lambda h: (np.maximum(h @ p["W_1"] + p["b_1"], 0) if mistake == "relu" else _gelu(h @ p["W_1"] + p["b_1"])) @ p["W_2"] + p["b_2"]  # noqa: E731
    if mistake == "post-norm":
        X = _layer_norm(X + attend(X), p["gamma_1"], p["beta_1"])
        return _layer_norm(X + mlp(X), p["gamma_2"], p["beta_2"])
    if mistake == "residual from the norm":
        X = _layer_norm(X, p["gamma_1"], p["beta_1"])
        X = X + attend(X)
        X = _layer_norm(X, p[norm2[0]], p[norm2[1]])
        return X + mlp(X)
    keep = 0.0 if mistake == "no residual" else 1.0
    X = keep * X + attend(_layer_norm(X, p["gamma_1"], p["beta_1"]))
    return keep * X + mlp(_layer_norm(X, p[norm2[0]], p[norm2[1]]))


_SINUSOID_MISTAKES = {
    "swapped": "sin and cos are swapped: the even columns 0, 2, 4, ... hold sin(w_k t), the odd columns cos(w_k t)",
    "halves": "those are sines in the first half and cosines in the second: interleave them, p[:, 0::2] = sin, p[:, 1::2] = cos",
    "k over d": "the frequencies are w_k = 10000 ** (-2k / d_model) for k = 0, 1, ...: np.arange(0, d_model, 2) / d_model",
    "from 1": "positions start at 0: np.arange(num_positions), so row 0 is [0, 1, 0, 1, ...]",
    "sign": "the frequencies shrink with k: w_k = 1 / 10000 ** (2k / d_model), not 10000 ** (2k / d_model)",
}


def _sinusoids(num_positions, d_model, mistake=None):
    """Sinusoidal position encodings (num_positions, d_model), or one of the usual mistakes (a key of _SINUSOID_MISTAKES)."""
    positions = np.arange(num_positions)[:, None] + (1 if mistake == "from 1" else 0)
    exponents = np.arange(d_model // 2) / d_model if mistake == "k over d" else np.arange(0, d_model, 2) / d_model
    frequencies = 10000.0**exponents if mistake == "sign" else 1.0 / 10000.0**exponents
    sin, cos = np.sin(positions * frequencies), np.cos(positions * frequencies)
    if mistake == "swapped":
        sin, cos = cos, sin
    if mistake == "halves":
        return np.concatenate([sin, cos], axis=1)
    p = np.zeros((num_positions, d_model))
    p[:, 0::2], p[:, 1::2] = sin, cos
    return p


_GRADIENT_MISTAKES = {
    "no jacobian": "the softmax was skipped on the way back: dS = W * (dW - sum(dW * W, axis=-1, keepdims=True)), not dS = dW",
    "no centring": "the softmax's Jacobian has two terms: dS = W * dW - W * sum(dW * W, axis=-1, keepdims=True); the second is missing",
    "no scale": "the forward pass divided the scores by sqrt(d_k): so does the way back, dQ = dS @ K / np.sqrt(d_k)",
}


def _query_gradient(Q, K, V, d_out, mask=None, mistake=None):
    """dL/dQ for L = sum(d_out * attention(Q, K, V, mask)), or one of the usual mistakes (a key of _GRADIENT_MISTAKES)."""
    d_k = Q.shape[-1]
    _, W = _attention(Q, K, V, mask)
    dW = d_out @ np.swapaxes(V, -1, -2)
    if mistake == "no jacobian":
        dS = dW
    elif mistake == "no centring":
        dS = W * dW
    else:
        dS = W * (dW - np.sum(dW * W, axis=-1, keepdims=True))
    return dS @ K / (1.0 if mistake == "no scale" else np.sqrt(d_k))


# --- exercise 5.1: scaled dot-product attention ----------------------------------------------


@check(LAB, "exercise 5.1", "scaled_dot_product_attention (with a mask and a stable softmax)", needs=("scaled_dot_product_attention",))
def check_scaled_dot_product_attention(t: Tester, scaled_dot_product_attention) -> None:
    """Check scaled_dot_product_attention(Q, K, V, mask=None) -> (outputs, weights) against the NumPy written out at check time."""
    rng = np.random.default_rng(50)
    batch, T_q, T_k, d_k, d_v = 2, 3, 5, 4, 2
    Q, K, V = rng.normal(size=(batch, T_q, d_k)), rng.normal(size=(batch, T_k, d_k)), rng.normal(size=(batch, T_k, d_v))
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 0, 0], [1, 0, 1, 0, 1]], dtype=bool)
    cases = [
        (f"{batch} stacks of {T_q} queries over {T_k} keys, no mask", Q, None),
        (f"the same with a ({T_q}, {T_k}) mask", Q, mask),
        ("large scores (queries 1000 times larger): a stable softmax", 1000 * Q, mask),
    ]
    for what, queries, case_mask in cases:
        expected = _attention(queries, K, V, case_mask)
        name = f"{what}: scaled_dot_product_attention returns the outputs and the weights"
        try:
            call = lambda q=queries, m=case_mask: scaled_dot_product_attention(q.copy(), K.copy(), V.copy(), m)  # noqa: E731
            got = get_parts(t, name, call, 2, "return outputs, weights (notebook 20's order)")
        except Failed:
            continue
        kinds = [k for k in _ATTENTION_MISTAKES if case_mask is not None or "mask" not in k]
        for index, part, shape in [(1, "weights", f"(batch, T_q, T_k) = {(batch, T_q, T_k)}"), (0, "outputs", f"(batch, T_q, d_v) = {(batch, T_q, d_v)}")]:
            t.compare(
                f"{what}: the {part} {shape} match",
                got[index],
                expected[index],
                rtol=1e-7,
                atol=1e-10,
                mistakes=[(_ATTENTION_MISTAKES[k], _attention(queries, K, V, case_mask, k)[index]) for k in kinds],
                shape_hints={
                    (batch, T_k, T_q): "that is K @ Q^T: the weights have one row per query, Q @ K^T",
                    (batch, T_k, d_v): "one output per query, not per key: weights (T_q, T_k) @ V (T_k, d_v)",
                },
                nonfinite_hint="exp overflowed or a whole row was masked: subtract each row's maximum before np.exp "
                "(masked scores are -inf and stay -inf)",
            )


# --- exercise 5.2: a causal mask, and what it guarantees ---------------------------------------


@check(LAB, "exercise 5.2", "causal_mask (no position reads the future)", needs=("causal_mask", "scaled_dot_product_attention"))
def check_causal_mask(t: Tester, causal_mask, scaled_dot_product_attention) -> None:
    """Check causal_mask(length) against np.tril, then that with it changing later tokens leaves earlier outputs exactly unchanged."""
    for length in (1, 4, 7):
        expected = np.tril(np.ones((length, length), dtype=bool))
        t.close(
            f"causal_mask({length}) is ({length}, {length}), True on and below the diagonal",
            lambda length=length: causal_mask(length),
            expected,
            mistakes=[
                ("the diagonal is False: position i may read itself, np.tril(..., k=0)", np.tril(expected, -1)),
                ("True above the diagonal lets position i read the future: True where key j <= query i, np.tril", expected.T),
                ("the mask is the wrong way round: True means may attend", ~expected),
            ],
        )
    mask = t.get("causal_mask(6) for the self-attention test", lambda: causal_mask(6))
    rng = np.random.default_rng(51)
    X = rng.normal(size=(2, 6, 4))
    X_changed = X.copy()
    X_changed[:, 4:] = rng.normal(size=(2, 2, 4))  # new tokens at positions 4 and 5
    name = "self-attention of 6 tokens with your causal_mask and your scaled_dot_product_attention"
    before = get_parts(t, name, lambda: scaled_dot_product_attention(X.copy(), X.copy(), X.copy(), mask), 2, "return outputs, weights")
    after = get_parts(t, name, lambda: scaled_dot_product_attention(X_changed.copy(), X_changed.copy(), X_changed.copy(), mask), 2,
                       "return outputs, weights")
    try:
        out_before, out_after, weights = (np.asarray(a, dtype=float) for a in (before[0], after[0], before[1]))
    except (TypeError, ValueError):
        t.record(name, False, "expected arrays of numbers")
        return
    if out_before.shape != X.shape or out_after.shape != X.shape or weights.shape != (2, 6, 6):
        t.record(name, False, f"expected outputs of shape {X.shape} and weights (2, 6, 6), got {out_before.shape} and {weights.shape}")
        return
    above = weights[:, ~np.tril(np.ones((6, 6), dtype=bool))]  # query i, key j > i
    t.record(
        "every weight on a later position is exactly 0",
        bool(np.all(above == 0)),
        f"the largest is {float(np.abs(above).max()):.3g}: set masked scores to -np.inf before the softmax (exp(-inf) is exactly 0)",
    )
    change = np.abs(out_after - out_before).max(axis=(0, 2))
    t.record(
        "changing the tokens at positions 4 and 5 leaves the outputs at positions 0 to 3 exactly unchanged",
        bool(np.all(change[:4] == 0)),
        f"positions 0-3 moved by up to {float(change[:4].max()):.3g}: with a causal mask no position may read a later one "
        "(if the mask comes after the softmax, the later scores still sit in each row's denominator)",
    )
    t.record(
        "the outputs at positions 4 and 5 do change",
        bool(np.all(change[4:] > 1e-6)),
        "the changed tokens' own outputs should change: does the mask hide the diagonal, or the whole sequence?",
    )


# --- exercise 5.3: multi-head attention -------------------------------------------------------


@check(LAB, "exercise 5.3", "multi_head_attention (matches keras.layers.MultiHeadAttention)", needs=("multi_head_attention",))
def check_multi_head_attention(t: Tester, multi_head_attention) -> None:
    """Check multi_head_attention(X_q, X_kv, W_q, W_k, W_v, W_o, num_heads, mask, b_q, b_k, b_v, b_o) against Keras's layer."""
    rng = np.random.default_rng(52)
    d_model = 8
    cases = [
        ("cross-attention, 2 heads, 4 queries over 6 keys", 2, rng.normal(size=(2, 4, d_model)), rng.normal(size=(2, 6, d_model)), False),
        ("causal self-attention, 4 heads, 5 tokens", 4, None, rng.normal(size=(2, 5, d_model)), True),
    ]
    for seed, (what, num_heads, X_q, X_kv, causal) in enumerate(cases):
        X_q = X_kv if X_q is None else X_q
        p = lab05_block_params(d_model, seed=60 + seed)
        mask = np.tril(np.ones((X_q.shape[1], X_kv.shape[1]), dtype=bool)) if causal else None
        expected = reference.keras_multi_head_attention(X_q, X_kv, p, num_heads, mask)
        name = f"{what}: multi_head_attention returns the outputs and the weights"
        weights = {k: p[k].copy() for k in ("W_q", "W_k", "W_v", "W_o", "b_q", "b_k", "b_v", "b_o")}
        try:
            call = lambda X_q=X_q, X_kv=X_kv, num_heads=num_heads, mask=mask, w=weights: multi_head_attention(  # noqa: E731
                X_q.copy(), X_kv.copy(), w["W_q"], w["W_k"], w["W_v"], w["W_o"], num_heads, mask=mask,
                b_q=w["b_q"], b_k=w["b_k"], b_v=w["b_v"], b_o=w["b_o"],
            )
            got = get_parts(t, name, call, 2, "return outputs, weights, as notebook 20's multi_head_attention does")
        except Failed:
            continue
        batch, T_q, T_k = X_q.shape[0], X_q.shape[1], X_kv.shape[1]
        for index, part, shape_hints in [
            (1, f"attention scores (batch, heads, T_q, T_k) = {(batch, num_heads, T_q, T_k)}",
             {(batch, T_q, T_k): "one matrix of weights per head: keep the head axis, (batch, num_heads, T_q, T_k)",
              (batch, 1, T_q, T_k): "that is a single head: split into num_heads heads of width d_model // num_heads"}),
            (0, f"outputs (batch, T_q, d_model) = {(batch, T_q, d_model)}",
             {(batch, num_heads, T_q, d_model // num_heads): "put the heads back side by side: swap to (batch, T_q, heads, d_k) and reshape"}),
        ]:
            t.compare(
                f"{what}: the {part} match keras.layers.MultiHeadAttention",
                got[index],
                expected[index],
                rtol=1e-6,  # Keras rounds its 1/sqrt(d_k) to float32 even in a float64 layer
                atol=1e-7,
                mistakes=[(hint, _mha(X_q, X_kv, p, num_heads, mask, k)[index]) for k, hint in _MHA_MISTAKES.items()]
                + [(f"attention ({_ATTENTION_MISTAKES[k]})", _mha_with_attention(X_q, X_kv, p, num_heads, mask, k)[index])
                   for k in ("wrong axis", "no scale")],
                shape_hints=shape_hints,
            )


def _mha_with_attention(X_q, X_kv, p, num_heads, mask, attention_mistake):
    """Multi-head attention whose inner attention has one of exercise 5.1's mistakes."""
    Q, K, V = (_split_heads(X @ p[f"W_{r}"] + p[f"b_{r}"], num_heads) for X, r in ((X_q, "q"), (X_kv, "k"), (X_kv, "v")))
    out, weights = _attention(Q, K, V, None if mask is None else np.expand_dims(mask, -3), attention_mistake)
    return np.swapaxes(out, -2, -3).reshape(*out.shape[:-3], out.shape[-2], -1) @ p["W_o"] + p["b_o"], weights


# --- exercise 5.4: sinusoidal position encodings -----------------------------------------------


@check(LAB, "exercise 5.4", "sinusoidal_positions", needs=("sinusoidal_positions",))
def check_sinusoidal_positions(t: Tester, sinusoidal_positions) -> None:
    """Check sinusoidal_positions(num_positions, d_model) against Vaswani et al.'s formula, written out in NumPy at check time."""
    for num_positions, d_model in [(6, 4), (50, 16)]:
        t.close(
            f"sinusoidal_positions({num_positions}, {d_model}): sin and cos of position * 10000 ** (-2k / d_model)",
            lambda n=num_positions, d=d_model: sinusoidal_positions(n, d),
            _sinusoids(num_positions, d_model),
            rtol=1e-7,
            atol=1e-10,
            mistakes=[(hint, _sinusoids(num_positions, d_model, k)) for k, hint in _SINUSOID_MISTAKES.items()],
            shape_hints={(num_positions, d_model // 2): "each frequency gives two columns, a sin and a cos: d_model columns in all"},
        )


# --- exercise 5.5: a pre-norm transformer block -------------------------------------------------


@check(LAB, "exercise 5.5", "transformer_block_forward (a pre-norm block, matches Keras)", needs=("transformer_block_forward",))
def check_transformer_block_forward(t: Tester, transformer_block_forward) -> None:
    """Check transformer_block_forward(X, params, num_heads, mask=None) against notebook 20's Keras block holding the same weights."""
    rng = np.random.default_rng(53)
    d_model, num_heads = 8, 2
    p = lab05_block_params(d_model, seed=70)
    X = rng.normal(0.5, 1.5, size=(2, 5, d_model))
    for what, causal in [("2 sequences of 5 tokens, no mask", False), ("the same with a causal mask", True)]:
        mask = np.tril(np.ones((5, 5), dtype=bool)) if causal else None
        expected = reference.keras_transformer_block(X, p, num_heads, causal=causal)
        kinds = [k for k in _BLOCK_MISTAKES if causal or k != "no mask"]
        t.close(
            f"{what}: the output matches a Keras pre-norm block with the same weights",
            lambda mask=mask: transformer_block_forward(X.copy(), {k: v.copy() for k, v in p.items()}, num_heads, mask=mask),
            expected,
            rtol=1e-6,
            atol=1e-7,
            mistakes=[(_BLOCK_MISTAKES[k], _block(X, p, num_heads, mask, k)) for k in kinds],
            shape_hints={(2, 5, 4 * d_model): "the MLP's second layer, W_2, brings the width back to d_model"},
        )


# --- exercise 5.6 (stretch): the gradient of attention with respect to the queries -----------------


@check(LAB, "exercise 5.6", "query_gradient (dL/dQ through attention, matches tf.GradientTape)", needs=("query_gradient",))
def check_query_gradient(t: Tester, query_gradient) -> None:
    """Check query_gradient(Q, K, V, d_out, mask=None), dL/dQ of L = sum(d_out * outputs), against tf.GradientTape."""
    rng = np.random.default_rng(54)
    Q, K, V = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2))
    d_out = rng.normal(size=(2, 3, 2))
    mask = np.array([[1, 0, 0, 0, 0], [1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    for what, case_mask in [("3 queries over 5 keys, no mask", None), ("the same with a mask", mask)]:
        t.close(
            f"{what}: dL/dQ matches tf.GradientTape",
            lambda m=case_mask: query_gradient(Q.copy(), K.copy(), V.copy(), d_out.copy(), m),
            reference.tape_attention_queries(Q, K, V, d_out, case_mask),
            rtol=1e-7,
            atol=1e-10,
            mistakes=[(hint, _query_gradient(Q, K, V, d_out, case_mask, k)) for k, hint in _GRADIENT_MISTAKES.items()],
            shape_hints={(2, 5, 4): "that has the shape of K: dQ = dS @ K / sqrt(d_k) has one row per query",
                         (2, 3, 5): "that is dL/dscores: one more step, dQ = dS @ K / sqrt(d_k)"},
        )

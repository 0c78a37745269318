"""helpers.scratch: the from-scratch NumPy code, checked against TensorFlow and Keras."""

import numpy as np
import pytest
import tensorflow as tf

from helpers import scratch


def test_sigmoid_matches_keras_and_is_stable():
    z = np.array([-800.0, -3.0, 0.0, 2.5, 800.0])
    np.testing.assert_allclose(scratch.sigmoid(z), tf.math.sigmoid(tf.constant(z)).numpy(), rtol=1e-12)
    assert np.all(np.isfinite(scratch.sigmoid(z)))


def test_neuron_equals_a_keras_dense_unit():
    import keras

    rng = np.random.default_rng(0)
    X, w, b = rng.normal(size=(6, 3)), rng.normal(size=3), 0.3
    layer = keras.layers.Dense(1, activation="sigmoid")
    layer.build((None, 3))
    layer.set_weights([w.reshape(3, 1), np.array([b])])
    np.testing.assert_allclose(scratch.neuron(X, w, b), layer(X).numpy()[:, 0], atol=1e-6)


def test_neuron_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"X of shape \(n, d\) and w of shape \(d,\); got X \(4, 3\) and w \(2,\)"):
        scratch.neuron(np.zeros((4, 3)), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        scratch.neuron(np.zeros((4, 2)), np.zeros(2), 0.0, "softplus")


def test_losses_match_keras():
    import keras

    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 2, 8).astype(float), rng.uniform(0.05, 0.95, 8)
    assert scratch.mse(y, p) == pytest.approx(float(keras.losses.MeanSquaredError()(y, p)), rel=1e-6)
    assert scratch.binary_cross_entropy(y, p) == pytest.approx(float(keras.losses.BinaryCrossentropy()(y, p)), rel=1e-5)
    with pytest.raises(ValueError, match="same shape"):
        scratch.mse(np.zeros(3), np.zeros(4))


def test_gradient_descent_reaches_the_minimum_of_a_bowl():
    path = scratch.gradient_descent(lambda x: 2 * x, [3.0, -2.0], lr=0.1, num_steps=100)
    assert path.shape == (101, 2)
    np.testing.assert_allclose(path[-1], 0.0, atol=1e-8)


def test_value_gradients_match_gradient_tape():
    a, b = scratch.Value(-1.5), scratch.Value(2.0)
    out = ((a * b + b**2).tanh() + (a - b).relu() + (a / b).exp() * 3) / 2
    out.backward()
    ta, tb = tf.Variable(-1.5, dtype=tf.float64), tf.Variable(2.0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        t_out = (tf.tanh(ta * tb + tb**2) + tf.nn.relu(ta - tb) + tf.exp(ta / tb) * 3) / 2
    ga, gb = tape.gradient(t_out, [ta, tb])
    assert out.data == pytest.approx(float(t_out), rel=1e-12)
    assert a.grad == pytest.approx(float(ga), rel=1e-10)
    assert b.grad == pytest.approx(float(gb), rel=1e-10)


def test_dense_and_softmax_cross_entropy_gradients_match_gradient_tape():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(5, 4)), np.array([0, 2, 1, 2, 0])
    layer = scratch.Dense(4, 3, rng)
    loss, d_logits = scratch.softmax_cross_entropy(layer.forward(X), y)
    dX = layer.backward(d_logits)
    W, b, tX = tf.Variable(layer.W), tf.Variable(layer.b), tf.Variable(X)
    with tf.GradientTape() as tape:
        logits = tX @ W + b
        t_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
    gW, gb, gX = tape.gradient(t_loss, [W, b, tX])
    assert loss == pytest.approx(float(t_loss), rel=1e-10)
    for mine, theirs in [(layer.dW, gW), (layer.db, gb), (dX, gX)]:
        assert scratch.relative_error(mine, theirs.numpy()) < 1e-6


def test_mlp_gradients_pass_a_finite_difference_check_and_training_learns():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 3)), np.array([0, 1, 1, 0, 1, 0])
    mlp = scratch.MLP([3, 5, 2], seed=1)
    loss, d_logits = scratch.softmax_cross_entropy(mlp.forward(X), y)
    mlp.backward(d_logits)
    W = mlp.layers[0].W
    numeric = scratch.numerical_gradient(lambda _: scratch.softmax_cross_entropy(mlp.forward(X), y)[0], W)
    mlp.forward(X)
    assert scratch.relative_error(mlp.layers[0].dW, numeric) < 1e-6
    from sklearn.datasets import make_moons

    X, y = make_moons(300, noise=0.1, random_state=0)
    mlp = scratch.MLP([2, 32, 2], seed=0)
    history = mlp.fit(X, y, num_epochs=60, lr=0.2, batch_size=32)
    assert history[-1] < 0.5 * history[0]
    assert np.mean(mlp.predict(X) == y) > 0.95


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"Dense expects X of shape \(n, 4\); got \(2, 3\)"):
        scratch.Dense(4, 2).forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"logits \(n, classes\) and labels \(n,\); got \(3, 2\) and \(4,\)"):
        scratch.softmax_cross_entropy(np.zeros((3, 2)), np.zeros(4, int))
    with pytest.raises(ValueError, match="same shape"):
        scratch.relative_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="at least an input and an output"):
        scratch.MLP([3])

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
    y, y_hat = rng.integers(0, 2, 8).astype(float), rng.uniform(0.05, 0.95, 8)
    assert scratch.mse(y, y_hat) == pytest.approx(float(keras.losses.MeanSquaredError()(y, y_hat)), rel=1e-6)
    assert scratch.binary_cross_entropy(y, y_hat) == pytest.approx(float(keras.losses.BinaryCrossentropy()(y, y_hat)), rel=1e-5)
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
        scratch.Dense(4, 2, np.random.default_rng(0)).forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"logits \(n, classes\) and labels \(n,\); got \(3, 2\) and \(4,\)"):
        scratch.softmax_cross_entropy(np.zeros((3, 2)), np.zeros(4, int))
    with pytest.raises(ValueError, match="same shape"):
        scratch.relative_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="at least an input and an output"):
        scratch.MLP([3])
    with pytest.raises(ValueError, match=r"Value \*\* k needs a plain number k, got Value"):
        scratch.Value(2.0) ** scratch.Value(3.0)
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same', got 'Same'"):
        scratch.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 2)), np.zeros(2), padding="Same")
    with pytest.raises(ValueError, match=r"got X \(1, 4, 4, 3\) and W \(3, 3, 1, 2\)"):
        scratch.conv2d(np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 1, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"max_pool2d expects X \(n, H, W, C\) and pool_size >= 1; got X \(4, 4\)"):
        scratch.max_pool2d(np.zeros((4, 4)))


def test_value_records_its_graph_in_topological_order():
    x, w = scratch.Value(1.5, label="x"), scratch.Value(-0.8, label="w")
    loss = ((w * x).tanh() - 1.0) ** 2
    loss.backward()
    order = loss.topological_order()
    assert order[-1] is loss and {x, w} <= set(order)
    assert all(order.index(parent) < order.index(node) for node in order for parent in node._parents)
    assert repr(w).startswith("Value(w: data=-0.8000, grad=")


def test_dense_matches_keras_dense_forward_and_backward():
    import keras

    rng = np.random.default_rng(4)
    X, G = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))  # G stands for dL/dZ from the layers above
    layer = scratch.Dense(4, 3, rng)
    layer.b = rng.normal(size=3)
    keras_dense = keras.layers.Dense(3, dtype="float64")
    keras_dense.build((None, 4))
    keras_dense.set_weights([layer.W, layer.b])
    tX = tf.Variable(X)
    with tf.GradientTape() as tape:
        Z = keras_dense(tX)
        loss = tf.reduce_sum(Z * G)  # dL/dZ is then exactly G
    gW, gb, gX = tape.gradient(loss, [keras_dense.kernel, keras_dense.bias, tX])
    np.testing.assert_allclose(layer.forward(X), Z.numpy(), rtol=1e-12)
    dX = layer.backward(G)
    for mine, theirs in [(layer.dW, gW), (layer.db, gb), (dX, gX)]:
        np.testing.assert_allclose(mine, np.asarray(theirs), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("size, kernel", [((9, 9), (3, 3)), ((8, 7), (3, 2)), ((6, 10), (5, 4))])
def test_conv2d_matches_keras_conv2d(padding, stride, size, kernel):
    import keras

    rng = np.random.default_rng(5)
    X = rng.normal(size=(2, *size, 3))
    W, b = rng.normal(size=(*kernel, 3, 4)), rng.normal(size=4)
    conv = keras.layers.Conv2D(4, kernel, strides=stride, padding=padding, dtype="float64")
    conv.build(X.shape)
    conv.set_weights([W, b])
    expected = conv(X).numpy()
    got = scratch.conv2d(X, W, b, stride=stride, padding=padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("pool_size", [1, 2, 3])
@pytest.mark.parametrize("size", [(8, 8), (7, 5), (9, 6)])
def test_max_pool2d_matches_keras_max_pooling2d(pool_size, size):
    import keras

    X = np.random.default_rng(6).normal(size=(2, *size, 3))
    expected = keras.layers.MaxPooling2D(pool_size=pool_size, dtype="float64")(X).numpy()
    np.testing.assert_array_equal(scratch.max_pool2d(X, pool_size=pool_size), expected)


def test_every_public_definition_names_the_notebook_that_writes_it_out():
    import inspect
    import re
    from pathlib import Path

    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    public = [obj for name, obj in vars(scratch).items() if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))]
    public = [obj for obj in public if obj.__module__ == scratch.__name__]
    assert len(public) >= 15
    for obj in public:
        found = re.search(r"[Ww]ritten out in (\d\d)", obj.__doc__ or "")
        assert found, f"the docstring of scratch.{obj.__name__} does not say 'Written out in NN'"
        assert list(notebooks.glob(f"{found.group(1)}_*.ipynb")), f"scratch.{obj.__name__} names notebook {found.group(1)}, which does not exist"


def test_roc_auc_and_average_precision_match_sklearn_with_ties():
    from sklearn import metrics

    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, size=300)
    y_hat = np.round(rng.random(300) + 0.3 * y, 1)  # rounded: many tied scores
    fpr, tpr, _ = metrics.roc_curve(y, y_hat, drop_intermediate=False)
    got_fpr, got_tpr = scratch.roc_curve(y, y_hat)
    np.testing.assert_allclose(got_fpr, fpr, atol=1e-12)
    np.testing.assert_allclose(got_tpr, tpr, atol=1e-12)
    assert scratch.roc_auc(y, y_hat) == pytest.approx(metrics.roc_auc_score(y, y_hat), abs=1e-12)
    assert scratch.average_precision(y, y_hat) == pytest.approx(metrics.average_precision_score(y, y_hat), abs=1e-12)

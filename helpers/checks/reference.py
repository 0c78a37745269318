"""The reference answers the checks compare with, computed by Keras layers and ``tf.GradientTape``.

TensorFlow is imported on first use, through ``settings.import_tensorflow()``: lab 01's checks
never need it. Every array is float64, so the comparisons are exact to rounding.
"""

from __future__ import annotations

import numpy as np

from helpers import settings


def keras_dense(X, W, b):
    """What keras.layers.Dense with weights W and b computes for X."""
    settings.import_tensorflow()
    import keras

    layer = keras.layers.Dense(W.shape[1], dtype="float64")
    layer.build((None, W.shape[0]))
    layer.set_weights([W, b])
    return np.asarray(layer(X))


def tape_dense(X, W, b, d_out):
    """dL/dW, dL/db and dL/dX of L = sum(d_out * (X @ W + b)), from tf.GradientTape."""
    tf = settings.import_tensorflow()
    Xv, Wv, bv = (tf.Variable(v, dtype=tf.float64) for v in (X, W, b))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.constant(d_out) * (Xv @ Wv + bv))
    dW, db, dX = tape.gradient(loss, [Wv, bv, Xv])
    return dW.numpy(), db.numpy(), dX.numpy()


def tape_softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy of integer labels y and its gradient wrt logits, from tf.GradientTape."""
    tf = settings.import_tensorflow()
    z = tf.Variable(logits, dtype=tf.float64)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant(y), logits=z))
    return float(loss.numpy()), tape.gradient(loss, z).numpy()


def gradcheck_waves(x):
    """A smooth test function for numerical_gradient: sum(sin(x) * x + 0.5 * x**2)."""
    x = np.asarray(x, dtype=float)
    return float(np.sum(np.sin(x) * x + 0.5 * x**2))


def gradcheck_waves_tf(x):
    tf = settings.import_tensorflow()
    return tf.reduce_sum(tf.sin(x) * x + 0.5 * x**2)


def gradcheck_coupled(x):
    """A test function whose entries interact: log(1 + sum(x)**2) + x[0, 0] * x[-1, -1] (x is 2-D)."""
    x = np.asarray(x, dtype=float)
    return float(np.log(1 + np.sum(x) ** 2) + x[0, 0] * x[-1, -1])


def gradcheck_coupled_tf(x):
    tf = settings.import_tensorflow()
    return tf.math.log(1 + tf.reduce_sum(x) ** 2) + x[0, 0] * x[-1, -1]


def tape_gradient(f_tf, x):
    """The gradient of f_tf at x, from tf.GradientTape."""
    tf = settings.import_tensorflow()
    xv = tf.Variable(x, dtype=tf.float64)
    with tf.GradientTape() as tape:
        value = f_tf(xv)
    return tape.gradient(value, xv).numpy()


def tape_train_step(params, X, y, lr):
    """Loss and parameters after one SGD step of Dense -> ReLU -> ... -> Dense on softmax cross-entropy."""
    tf = settings.import_tensorflow()
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


def keras_conv2d(X, W, b, stride=1, padding="valid"):
    """What keras.layers.Conv2D with kernel W (kh, kw, c_in, c_out) and bias b computes for X (n, h, w, c_in)."""
    settings.import_tensorflow()
    import keras

    layer = keras.layers.Conv2D(W.shape[3], W.shape[:2], strides=stride, padding=padding, dtype="float64")
    layer.build((None, *X.shape[1:]))
    layer.set_weights([W, b])
    return np.asarray(layer(X))


def keras_pool(X, pool_size, kind="max"):
    """What keras.layers.MaxPooling2D (or AveragePooling2D) with this pool_size computes for X (n, h, w, c)."""
    settings.import_tensorflow()
    import keras

    Layer = keras.layers.MaxPooling2D if kind == "max" else keras.layers.AveragePooling2D
    return np.asarray(Layer(pool_size, dtype="float64")(X))


def _simple_rnn(W_xh, W_hh, b_h):
    settings.import_tensorflow()
    import keras

    layer = keras.layers.SimpleRNN(W_hh.shape[0], return_sequences=True, dtype="float64")
    layer.build((None, None, W_xh.shape[0]))
    layer.set_weights([W_xh, W_hh, b_h])  # kernel, recurrent_kernel, bias
    return layer


def keras_simple_rnn(X, W_xh, W_hh, b_h):
    """Every hidden state (batch, time, units) that keras.layers.SimpleRNN(return_sequences=True) with these weights computes for X."""
    return np.asarray(_simple_rnn(W_xh, W_hh, b_h)(X))


def tape_simple_rnn(X, W_xh, W_hh, b_h, dH):
    """dL/dW_xh, dL/dW_hh, dL/db_h of L = sum(dH * H), H from keras.layers.SimpleRNN, by tf.GradientTape (a dict by name)."""
    tf = settings.import_tensorflow()
    layer = _simple_rnn(W_xh, W_hh, b_h)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.constant(dH) * layer(tf.constant(X)))
    grads = tape.gradient(loss, [layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias])
    return {name: np.asarray(g) for name, g in zip(["W_xh", "W_hh", "b_h"], grads)}


def keras_lstm_step(x, h, c, W_x, W_h, b):
    """The new (h, c) that keras.layers.LSTMCell with kernel W_x, recurrent_kernel W_h and bias b computes from x, h and c."""
    settings.import_tensorflow()
    import keras

    cell = keras.layers.LSTMCell(W_h.shape[0], dtype="float64")
    cell.build((None, W_x.shape[0]))
    cell.set_weights([W_x, W_h, b])  # columns i | f | c | o, `units` each
    _, (h_new, c_new) = cell(x, [h, c])
    return np.asarray(h_new), np.asarray(c_new)


def tf_clip_by_global_norm(grads, max_norm):
    """What tf.clip_by_global_norm returns for a list of arrays: the clipped arrays and the global norm before clipping."""
    tf = settings.import_tensorflow()
    clipped, norm = tf.clip_by_global_norm([tf.constant(g, dtype=tf.float64) for g in grads], max_norm)
    return [np.asarray(g) for g in clipped], float(norm)


def _multi_head_attention_layer(params, num_heads):
    """keras.layers.MultiHeadAttention (float64) holding lab 05's flat weights W_q (d_model, heads * d_k), ..., W_o, b_o."""
    settings.import_tensorflow()
    import keras

    d_model, width = params["W_q"].shape
    key_dim = width // num_heads
    layer = keras.layers.MultiHeadAttention(num_heads, key_dim, dtype="float64")
    layer.build((None, None, d_model), (None, None, d_model))
    per_head = lambda W: W.reshape(d_model, num_heads, key_dim)  # noqa: E731 - Keras keeps one slice per head
    layer.set_weights([
        per_head(params["W_q"]), params["b_q"].reshape(num_heads, key_dim),
        per_head(params["W_k"]), params["b_k"].reshape(num_heads, key_dim),
        per_head(params["W_v"]), params["b_v"].reshape(num_heads, key_dim),
        params["W_o"].reshape(num_heads, key_dim, d_model), params["b_o"],
    ])
    return layer


def keras_multi_head_attention(X_q, X_kv, params, num_heads, mask=None):
    """Outputs (batch, T_q, d_model) and scores (batch, heads, T_q, T_k) of keras.layers.MultiHeadAttention with these weights.

    mask (T_q, T_k), True where a query may attend, is Keras's attention_mask for every sequence of the batch.
    """
    layer = _multi_head_attention_layer(params, num_heads)
    options = {} if mask is None else {"attention_mask": np.broadcast_to(mask, (X_q.shape[0], *np.shape(mask)[-2:]))}
    out, scores = layer(X_q, X_kv, return_attention_scores=True, **options)
    return np.asarray(out), np.asarray(scores)


def keras_transformer_block(X, params, num_heads, causal=False):
    """A pre-norm block built from Keras layers (float64), as notebook 20's transformer_block, holding lab 05's weights.

    x + MultiHeadAttention(LayerNormalization(x)), then x + Dense(Dense(LayerNormalization(x), gelu)).
    """
    settings.import_tensorflow()
    import keras
    from keras import layers

    d_model = X.shape[-1]
    x = keras.Input((X.shape[1], d_model), dtype="float64")
    norm1, norm2 = (layers.LayerNormalization(epsilon=1e-6, dtype="float64") for _ in range(2))
    attention = _multi_head_attention_layer(params, num_heads)
    mlp1 = layers.Dense(params["W_1"].shape[1], activation="gelu", dtype="float64")
    mlp2 = layers.Dense(d_model, dtype="float64")
    h = norm1(x)
    h = layers.Add(dtype="float64")([x, attention(h, h, use_causal_mask=causal)])
    g = mlp2(mlp1(norm2(h)))
    model = keras.Model(x, layers.Add(dtype="float64")([h, g]))
    norm1.set_weights([params["gamma_1"], params["beta_1"]])
    norm2.set_weights([params["gamma_2"], params["beta_2"]])
    mlp1.set_weights([params["W_1"], params["b_1"]])
    mlp2.set_weights([params["W_2"], params["b_2"]])
    return np.asarray(model(X))


def tape_attention_queries(Q, K, V, d_out, mask=None):
    """dL/dQ of L = sum(d_out * softmax(Q K^T / sqrt(d_k) [masked]) V), from tf.GradientTape."""
    tf = settings.import_tensorflow()
    Qv = tf.Variable(Q, dtype=tf.float64)
    with tf.GradientTape() as tape:
        scores = tf.matmul(Qv, tf.constant(K), transpose_b=True) / np.sqrt(Q.shape[-1])
        if mask is not None:
            scores = tf.where(tf.constant(np.broadcast_to(mask, scores.shape)), scores, tf.constant(-np.inf, tf.float64))
        loss = tf.reduce_sum(tf.constant(d_out) * tf.matmul(tf.nn.softmax(scores, axis=-1), tf.constant(V)))
    return tape.gradient(loss, Qv).numpy()


def tf_reparameterize(mu, log_var, eps):
    """z = mu + exp(log_var / 2) * eps, computed by TensorFlow (lab 06)."""
    tf = settings.import_tensorflow()
    return (tf.constant(mu, tf.float64) + tf.exp(0.5 * tf.constant(log_var, tf.float64)) * tf.constant(eps, tf.float64)).numpy()


def keras_vae_loss(X, X_hat, mu, log_var):
    """The negative ELBO averaged over the batch: keras.losses.binary_crossentropy (a mean over pixels) times
    the number of pixels, plus the closed-form KL to N(0, I) in TensorFlow (lab 06, notebook 25)."""
    tf = settings.import_tensorflow()
    import keras

    X, X_hat, mu, log_var = (tf.constant(np.asarray(a, dtype=float)) for a in (X, X_hat, mu, log_var))
    reconstruction = keras.losses.binary_crossentropy(X, X_hat) * X.shape[-1]
    kl = -0.5 * tf.reduce_sum(1.0 + log_var - tf.square(mu) - tf.exp(log_var), axis=-1)
    return float(tf.reduce_mean(reconstruction + kl).numpy())


def keras_gan_losses(real_logits, fake_logits):
    """The discriminator's and the non-saturating generator's losses from logits, with
    keras.losses.BinaryCrossentropy(from_logits=True): real labelled 1, generated 0 (lab 06, notebook 26)."""
    settings.import_tensorflow()
    import keras

    bce = keras.losses.BinaryCrossentropy(from_logits=True, dtype="float64")
    real, fake = (np.asarray(a, dtype=float) for a in (real_logits, fake_logits))
    d_loss = bce(np.ones_like(real), real) + bce(np.zeros_like(fake), fake)
    return float(d_loss), float(bce(np.ones_like(fake), fake))


def _tanh_mlp(weights, X):
    """Dense(tanh) layers then a linear Dense, on float64 tensors: weights is [W_1, b_1, ..., W_n, b_n]."""
    tf = settings.import_tensorflow()
    h = X
    for i in range(0, len(weights), 2):
        h = h @ weights[i] + weights[i + 1]
        if i + 2 < len(weights):
            h = tf.tanh(h)
    return h


def tape_gan_train_step(generator_weights, discriminator_weights, real, noise, lr):
    """One GAN step with plain SGD, from tf.GradientTape in float64 (lab 06).

    First the discriminator: d_loss = BCE(1, D(real)) + BCE(0, D(G(noise))) from logits, its
    gradient applied to D's weights only. Then the generator against the updated discriminator:
    g_loss = BCE(1, D(G(noise))), its gradient applied to G's weights only. Both models are a
    Dense(tanh) layer followed by a linear Dense. Returns d_loss, g_loss and the new weights of G and D.
    """
    tf = settings.import_tensorflow()
    G = [tf.Variable(np.asarray(w, dtype=float)) for w in generator_weights]
    D = [tf.Variable(np.asarray(w, dtype=float)) for w in discriminator_weights]
    real, noise = tf.constant(np.asarray(real, dtype=float)), tf.constant(np.asarray(noise, dtype=float))
    with tf.GradientTape() as tape:
        real_logits, fake_logits = _tanh_mlp(D, real), _tanh_mlp(D, _tanh_mlp(G, noise))
        d_loss = tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))
    for variable, grad in zip(D, tape.gradient(d_loss, D)):
        variable.assign_sub(lr * grad)
    with tf.GradientTape() as tape:
        g_loss = tf.reduce_mean(tf.nn.softplus(-_tanh_mlp(D, _tanh_mlp(G, noise))))
    for variable, grad in zip(G, tape.gradient(g_loss, G)):
        variable.assign_sub(lr * grad)
    return float(d_loss), float(g_loss), [v.numpy() for v in G], [v.numpy() for v in D]


def keras_float64_classifier(weights):
    """Lab 07's classifier rebuilt in float64 with the given weights (the arrays of ``model.get_weights()``): Dense
    alone (2 arrays); Dense, tanh, Dense (4); or Dense, BatchNormalization, tanh, Dense (8). It outputs logits."""
    settings.import_tensorflow()
    import keras

    weights = [np.asarray(w, dtype=float) for w in weights]
    if len(weights) not in (2, 4, 8):
        raise ValueError(f"expected the 2, 4 or 8 weight arrays of one of lab 07's classifiers, got {len(weights)}.")
    stack = [keras.Input((weights[0].shape[0],), dtype="float64")]
    if len(weights) > 2:
        stack.append(keras.layers.Dense(weights[0].shape[1], dtype="float64"))
        if len(weights) == 8:
            stack.append(keras.layers.BatchNormalization(dtype="float64"))
        stack.append(keras.layers.Activation("tanh", dtype="float64"))
    stack.append(keras.layers.Dense(weights[-1].shape[0], dtype="float64"))
    model = keras.Sequential(stack)
    model.set_weights(weights)
    return model


def tape_loss_gradient(model, X, y, training=False):
    """d/dX of the sum of the per-example softmax cross-entropies of a float64 model's logits: row i is example i's own
    gradient. From tf.GradientTape, the model in inference mode unless ``training`` (lab 07, notebook 29)."""
    tf = settings.import_tensorflow()
    import keras

    X = tf.constant(np.asarray(X, dtype=float))
    with tf.GradientTape() as tape:
        tape.watch(X)
        loss = tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(tf.constant(np.asarray(y)), model(X, training=training), from_logits=True))
    return tape.gradient(loss, X).numpy()


def tape_fgsm(model, X, y, eps):
    """FGSM (notebook 29): clip(X + eps * sign(dL/dX), 0, 1), the gradient from tape_loss_gradient (lab 07)."""
    X = np.asarray(X, dtype=float)
    return np.clip(X + eps * np.sign(tape_loss_gradient(model, X, y)), 0.0, 1.0)


def tape_pgd(model, X, y, eps, num_steps, alpha, start=None):
    """PGD in the L-infinity ball (notebook 29): begin at X, or at clip(X + start, 0, 1); then num_steps times a step
    alpha * sign(dL/dX) followed by the projection onto the ball around the clean X and onto [0, 1] (lab 07)."""
    X = np.asarray(X, dtype=float)
    X_adv = X.copy() if start is None else np.clip(X + np.asarray(start, dtype=float), 0.0, 1.0)
    for _ in range(num_steps):
        X_adv = X_adv + alpha * np.sign(tape_loss_gradient(model, X_adv, y))
        X_adv = np.clip(np.clip(X_adv, X - eps, X + eps), 0.0, 1.0)
    return X_adv


def tape_adversarial_train_step(weights, X, y, eps, start, lr):
    """One step of adversarial training with FGSM from a random start (Wong, Rice and Kolter, 2020; notebook 29), in
    float64 with tf.GradientTape (lab 07).

    The attack runs with the model in inference mode: tape_pgd with one step of alpha = 1.25 eps from
    clip(X + start, 0, 1). Then the mean cross-entropy of model(X_adv, training=True) is differentiated with
    respect to the trainable weights only and plain SGD applies it. Returns the loss (before the step) and every
    weight array after the step, BatchNormalization's moving statistics included.
    """
    tf = settings.import_tensorflow()
    import keras

    model = keras_float64_classifier(weights)
    X_adv = tape_pgd(model, X, y, eps, 1, 1.25 * eps, start)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(np.asarray(y), model(tf.constant(X_adv), training=True), from_logits=True))
    for variable, grad in zip(model.trainable_variables, tape.gradient(loss, model.trainable_variables)):
        variable.assign_sub(lr * grad)
    return float(loss), [np.asarray(w, dtype=float) for w in model.get_weights()]

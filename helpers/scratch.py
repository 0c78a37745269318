"""NumPy from-scratch code that the notebooks write out first and reuse later.

Each function says which notebook writes it out. The definitions of 03, 06 and 09 are copies of the
notebook cells that start with ``# export: helpers/scratch.py``: change them there, then run
``python tools/exports.py`` (``make lint`` fails while the two differ). Names follow the
course's naming guide: ``X`` inputs (one row per example), ``y`` targets, ``y_hat`` predictions,
``w``/``b`` or ``W``/``b`` parameters, ``lr`` the learning rate, ``num_epochs`` passes over the data.
"""

from __future__ import annotations

import math

import numpy as np

# --- 01_single_neuron -----------------------------------------------------------------------


def sigmoid(z):
    """Squash z into (0, 1): 1 / (1 + exp(-z)). Written out in 01_single_neuron."""
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))


def relu(z):
    """max(0, z), element-wise. Written out in 01_single_neuron."""
    return np.maximum(0, np.asarray(z, dtype=float))


def step(z):
    """1 where z > 0 else 0: the perceptron's activation. Written out in 01_single_neuron."""
    return (np.asarray(z) > 0).astype(float)


ACTIVATIONS = {"sigmoid": sigmoid, "relu": relu, "tanh": np.tanh, "step": step, "linear": lambda z: np.asarray(z, float)}


def neuron(X, w, b, activation="sigmoid"):
    """One neuron: activation(X @ w + b) for X of shape (n, d) and w of shape (d,). Written out in 01."""
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    if X.ndim != 2 or w.ndim != 1 or X.shape[1] != w.shape[0]:
        raise ValueError(f"neuron expects X of shape (n, d) and w of shape (d,); got X {X.shape} and w {w.shape}.")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[activation](X @ w + b)


# --- 02_loss_and_gradient_descent -----------------------------------------------------------


def mse(y, y_hat):
    """Mean squared error. Written out in 02_loss_and_gradient_descent."""
    y, y_hat = np.asarray(y, float), np.asarray(y_hat, float)
    if y.shape != y_hat.shape:
        raise ValueError(f"mse needs y and y_hat of the same shape; got {y.shape} and {y_hat.shape}.")
    return float(np.mean((y - y_hat) ** 2))


def binary_cross_entropy(y, y_hat, eps=1e-7):
    """Mean binary cross-entropy of labels y in {0, 1} and probabilities y_hat. Written out in 02."""
    y, y_hat = np.asarray(y, float), np.clip(np.asarray(y_hat, float), eps, 1 - eps)
    if y.shape != y_hat.shape:
        raise ValueError(f"binary_cross_entropy needs y and y_hat of the same shape; got {y.shape} and {y_hat.shape}.")
    return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def gradient_descent(grad, start, lr, num_steps):
    """Follow -lr * grad(x) from start for num_steps; return every point visited. Written out in 02."""
    x = np.asarray(start, dtype=float)
    path = [x.copy()]
    for _ in range(num_steps):
        x = x - lr * np.asarray(grad(x), dtype=float)
        path.append(x.copy())
    return np.array(path)


# --- 03_backpropagation ---------------------------------------------------------------------


class Value:
    """A scalar that remembers how it was computed, so backward() can apply the chain rule. Written out in 03."""

    def __init__(self, data, parents=(), op="", label=""):
        self.data = float(data)
        self.grad = 0.0  # dL/d(this value); backward() fills it in
        self._parents = parents  # the Values this one was computed from
        self._op = op  # the operation that made it, for printing
        self.label = label  # an optional name, for printing
        self._backward = lambda: None  # passes self.grad on to the parents

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(s + o)/ds = 1, d(s + o)/do = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # d(s * o)/ds = o, d(s * o)/do = s
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        if not isinstance(k, (int, float)):
            raise ValueError(f"Value ** k needs a plain number k, got {type(k).__name__}.")
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():  # d(s**k)/ds = k * s**(k-1)
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def _unary(self, value, local_derivative, op):
        """A one-input operation whose derivative is already known as a number."""
        out = Value(value, (self,), op)

        def _backward():
            self.grad += local_derivative * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        return self._unary(t, 1 - t**2, "tanh")

    def relu(self):
        return self._unary(max(0.0, self.data), float(self.data > 0), "relu")

    def exp(self):
        e = math.exp(self.data)
        return self._unary(e, e, "exp")  # the derivative of exp is exp itself

    def topological_order(self):
        """Every Value this one depends on, each listed after its parents."""
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        return order

    def backward(self):
        """Fill in .grad of every Value this one depends on (call it on the loss)."""
        self.grad = 1.0
        for node in reversed(self.topological_order()):
            node._backward()

    # Everything else is built from the operations above, so it needs no backward of its own.
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1

    def __radd__(self, other):  # 2 + v
        return self + other

    def __rmul__(self, other):  # 2 * v
        return self * other

    def __rsub__(self, other):  # 2 - v
        return (-self) + other

    def __rtruediv__(self, other):  # 2 / v
        return self**-1 * other

    def __repr__(self):
        return f"Value({self.label or self._op or 'leaf'}: data={self.data:.4f}, grad={self.grad:.4f})"


class Dense:
    """A fully connected layer, Z = X @ W + b, with its backward pass in NumPy. Written out in 03_backpropagation."""

    def __init__(self, n_in, n_out, rng):
        self.W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))  # He initialisation
        self.b = np.zeros(n_out)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)

    def forward(self, X):
        self.X = np.asarray(X, dtype=float)  # kept for the backward pass
        if self.X.ndim != 2 or self.X.shape[1] != self.W.shape[0]:
            raise ValueError(f"Dense expects X of shape (n, {self.W.shape[0]}); got {self.X.shape}.")
        return self.X @ self.W + self.b

    def backward(self, d_out):
        """Given dL/dZ, store dL/dW and dL/db, and return dL/dX for the layer below."""
        self.dW = self.X.T @ d_out
        self.db = d_out.sum(axis=0)
        return d_out @ self.W.T

    def parameters(self):
        return [self.W, self.b]

    def gradients(self):
        return [self.dW, self.db]


def softmax(logits):
    """Row-wise softmax, shifted by the row max for numerical safety. Written out in 03."""
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of integer labels y under softmax(logits), and its gradient wrt logits. Written out in 03."""
    logits, y = np.asarray(logits, dtype=float), np.asarray(y)
    if logits.ndim != 2 or y.shape != (len(logits),):
        raise ValueError(f"softmax_cross_entropy expects logits (n, classes) and labels (n,); got {logits.shape} and {y.shape}.")
    n = len(y)
    p = softmax(logits)
    loss = float(-np.mean(np.log(p[np.arange(n), y] + 1e-12)))
    d_logits = p.copy()
    d_logits[np.arange(n), y] -= 1  # p - one_hot(y)
    return loss, d_logits / n


class MLP:
    """Dense -> ReLU -> ... -> Dense, trained with plain mini-batch SGD. Written out in 03_backpropagation."""

    def __init__(self, sizes, seed=0):
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got sizes={sizes!r}.")
        rng = np.random.default_rng(seed)
        self.layers = [Dense(n_in, n_out, rng) for n_in, n_out in zip(sizes[:-1], sizes[1:])]

    def forward(self, X):
        """Return the logits; remember the ReLU masks for backward()."""
        self._masks = []
        h = X
        for layer in self.layers[:-1]:
            z = layer.forward(h)
            mask = z > 0
            self._masks.append(mask)
            h = z * mask  # ReLU
        return self.layers[-1].forward(h)

    def backward(self, d_logits):
        """Fill in every layer's dW and db, from dL/d(logits)."""
        d = self.layers[-1].backward(d_logits)
        for layer, mask in zip(reversed(self.layers[:-1]), reversed(self._masks)):
            d = layer.backward(d * mask)

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self):
        return [g for layer in self.layers for g in layer.gradients()]

    def train_step(self, X, y, lr):
        """One SGD step on a mini-batch; returns its loss."""
        loss, d_logits = softmax_cross_entropy(self.forward(X), y)
        self.backward(d_logits)
        for p, g in zip(self.parameters(), self.gradients()):
            p -= lr * g  # in place, so the layers see the new values
        return loss

    def fit(self, X, y, num_epochs, lr=0.1, batch_size=64, seed=0):
        """Train on shuffled mini-batches; return the mean loss of each epoch."""
        rng = np.random.default_rng(seed)
        history = []
        for _ in range(num_epochs):
            order = rng.permutation(len(X))
            batches = np.array_split(order, max(1, len(X) // batch_size))
            history.append(float(np.mean([self.train_step(X[idx], y[idx], lr) for idx in batches])))
        return history

    def predict(self, X):
        return self.forward(X).argmax(axis=1)


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of a scalar function f at array x (x is restored). Written out in 03."""
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max |a - b| / max(|a| + |b|, tiny): how far two gradients disagree. Written out in 03."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs arrays of the same shape; got {a.shape} and {b.shape}.")
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


# --- 06_evaluating_models -------------------------------------------------------------------


def roc_curve(y, y_hat):
    """False- and true-positive rates as the threshold falls past each distinct score (starting at (0, 0)).

    y holds 0/1 labels (integers or floats, not booleans), y_hat the scores. Written out in 06_evaluating_models.
    """
    order = np.argsort(-y_hat, kind="stable")
    y_sorted, scores = y[order], y_hat[order]
    last_of_each_score = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]  # ties move together
    tp = np.cumsum(y_sorted)[last_of_each_score]
    fp = np.cumsum(1 - y_sorted)[last_of_each_score]
    return np.r_[0, fp / fp[-1]], np.r_[0, tp / tp[-1]]


def roc_auc(y, y_hat):
    """The area under the ROC curve of scores y_hat for 0/1 labels y. Written out in 06_evaluating_models."""
    fpr, tpr = roc_curve(y, y_hat)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))  # the trapezoid rule


def average_precision(y, y_hat):
    """Average precision: the sum over thresholds of (R_k - R_{k-1}) P_k. Written out in 06_evaluating_models."""
    order = np.argsort(-y_hat, kind="stable")
    y_sorted, scores = y[order], y_hat[order]
    last_of_each_score = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tp = np.cumsum(y_sorted)[last_of_each_score]
    predicted = last_of_each_score + 1
    precision, recall = tp / predicted, tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0, recall]) * precision))


# --- 09_convolutions ------------------------------------------------------------------------


def same_padding(n, k, s):
    """Zeros (before, after) that 'same' padding adds along a dimension of size n. Written out in 09_convolutions."""
    n_out = -(-n // s)  # ceil(n / s)
    total = max((n_out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def conv2d(X, W, b, stride=1, padding="valid"):
    """A Conv2D layer's forward pass: X (n, H, W, C_in), W (k, k, C_in, C_out), b (C_out,). Written out in 09_convolutions."""
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
    if X.ndim != 4 or W.ndim != 4 or X.shape[3] != W.shape[2]:
        raise ValueError(f"conv2d expects X (n, H, W, C_in) and W (k, k, C_in, C_out); got X {X.shape} and W {W.shape}.")
    k_rows, k_cols = W.shape[:2]
    if padding == "same":
        X = np.pad(X, [(0, 0), same_padding(X.shape[1], k_rows, stride), same_padding(X.shape[2], k_cols, stride), (0, 0)])
    out_rows = (X.shape[1] - k_rows) // stride + 1
    out_cols = (X.shape[2] - k_cols) // stride + 1
    Y = np.zeros((X.shape[0], out_rows, out_cols, W.shape[3]))
    for i in range(k_rows):
        for j in range(k_cols):
            patch = X[:, i : i + stride * out_rows : stride, j : j + stride * out_cols : stride, :]
            Y += patch @ W[i, j]  # (n, rows, cols, C_in) @ (C_in, C_out): sum over input channels
    return Y + b


def max_pool2d(X, pool_size=2):
    """Max pooling with pool_size x pool_size windows and stride pool_size on X (n, H, W, C). Written out in 09_convolutions."""
    if X.ndim != 4 or pool_size < 1:
        raise ValueError(f"max_pool2d expects X (n, H, W, C) and pool_size >= 1; got X {X.shape} and pool_size {pool_size}.")
    n, rows, cols, channels = X.shape
    rows, cols = rows // pool_size, cols // pool_size
    blocks = X[:, : rows * pool_size, : cols * pool_size].reshape(n, rows, pool_size, cols, pool_size, channels)
    return blocks.max(axis=(2, 4))

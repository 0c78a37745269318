"""NumPy from-scratch code that the Part I notebooks write out first and reuse later.

Each function says which notebook writes it out. Names follow the course's naming guide:
``X`` inputs (one row per example), ``y`` targets, ``y_hat`` predictions, ``w``/``b`` or
``W``/``b`` parameters, ``lr`` the learning rate, ``num_epochs`` passes over the data.
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


def binary_cross_entropy(y, p, eps=1e-7):
    """Mean binary cross-entropy of labels y in {0, 1} and probabilities p. Written out in 02."""
    y, p = np.asarray(y, float), np.clip(np.asarray(p, float), eps, 1 - eps)
    if y.shape != p.shape:
        raise ValueError(f"binary_cross_entropy needs y and p of the same shape; got {y.shape} and {p.shape}.")
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


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

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        if not isinstance(k, (int, float)):
            raise ValueError(f"Value ** k needs a plain number k, got {type(k).__name__}.")
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(0.0, self.data), (self,), "relu")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def _backward():
            self.grad += e * out.grad

        out._backward = _backward
        return out

    def backward(self):
        """Set .grad of every Value this one depends on, in reverse topological order."""
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return other + (-self)

    def __rtruediv__(self, other):
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data:.4f}, grad={self.grad:.4f})"


class Dense:
    """A fully connected layer with forward() and backward() written out in NumPy (03_backpropagation)."""

    def __init__(self, n_in, n_out, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))  # He initialisation
        self.b = np.zeros(n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)

    def forward(self, X):
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.W.shape[0]:
            raise ValueError(f"Dense expects X of shape (n, {self.W.shape[0]}); got {X.shape}.")
        self.X = X
        return X @ self.W + self.b

    def backward(self, d_out):
        """Given dLoss/d(output), store dW and db and return dLoss/dX."""
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
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of integer labels y under softmax(logits), and its gradient wrt logits. Written out in 03."""
    logits = np.asarray(logits, dtype=float)
    y = np.asarray(y)
    if logits.ndim != 2 or y.shape != (logits.shape[0],):
        raise ValueError(f"softmax_cross_entropy expects logits (n, classes) and labels (n,); got {logits.shape} and {y.shape}.")
    p = softmax(logits)
    n = logits.shape[0]
    loss = float(-np.mean(np.log(p[np.arange(n), y] + 1e-12)))
    d_logits = p.copy()
    d_logits[np.arange(n), y] -= 1
    return loss, d_logits / n


class MLP:
    """Dense -> ReLU -> ... -> Dense, trained with plain mini-batch SGD (written out in 03_backpropagation)."""

    def __init__(self, sizes, seed=0):
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got sizes={sizes!r}.")
        rng = np.random.default_rng(seed)
        self.layers = [Dense(n_in, n_out, rng) for n_in, n_out in zip(sizes[:-1], sizes[1:])]

    def forward(self, X):
        self._masks = []
        h = X
        for layer in self.layers[:-1]:
            z = layer.forward(h)
            mask = z > 0
            self._masks.append(mask)
            h = z * mask
        return self.layers[-1].forward(h)

    def backward(self, d_logits):
        d = self.layers[-1].backward(d_logits)
        for layer, mask in zip(reversed(self.layers[:-1]), reversed(self._masks)):
            d = layer.backward(d * mask)

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self):
        return [g for layer in self.layers for g in layer.gradients()]

    def train_step(self, X, y, lr):
        """One SGD step on a batch; returns the batch loss."""
        loss, d_logits = softmax_cross_entropy(self.forward(X), y)
        self.backward(d_logits)
        for p, g in zip(self.parameters(), self.gradients()):
            p -= lr * g
        return loss

    def fit(self, X, y, num_epochs, lr=0.1, batch_size=64, seed=0):
        """Train for num_epochs of shuffled mini-batches; return the mean loss of each epoch."""
        rng = np.random.default_rng(seed)
        history = []
        for _ in range(num_epochs):
            order = rng.permutation(len(X))
            losses = [self.train_step(X[idx], y[idx], lr) for idx in np.array_split(order, max(1, len(X) // batch_size))]
            history.append(float(np.mean(losses)))
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
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs arrays of the same shape; got {a.shape} and {b.shape}.")
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))

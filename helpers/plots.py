"""Plots the notebooks share: training curves, decision boundaries, image grids, confusion matrices.

Each function draws on a Matplotlib axis (a new figure when ``ax`` is None) and returns it.
"""

from __future__ import annotations

import numpy as np


def _axis(ax, figsize=None):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def training_curves(history, metrics=("loss",), ax=None, title=None):
    """Plot training (and validation, when present) curves from a Keras History or a dict of lists."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"training_curves expects a keras History or a dict of metric lists, got {type(history).__name__}.")
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise ValueError(f"metrics {missing} are not in the history; it has {sorted(logs)}.")
    ax = _axis(ax)
    for metric in metrics:
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], marker="o", label=f"training {metric}")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], marker="s", linestyle="--", label=f"validation {metric}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(", ".join(metrics))
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def _predict_fn(model):
    if hasattr(model, "predict") and hasattr(model, "layers") and hasattr(model, "inputs"):
        return lambda grid: np.asarray(model.predict(grid, verbose=0))
    if callable(model):
        return lambda grid: np.asarray(model(grid))
    raise ValueError(f"decision_boundary needs a Keras model or a function of X, got {type(model).__name__}.")


def decision_boundary(model, X, y, ax=None, resolution=200, title=None):
    """Shade a 2-D plane by a model's prediction and scatter the points (X of shape (n, 2))."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary draws 2-D inputs: X must have shape (n, 2), got {X.shape}.")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X {X.shape}, got {y.shape}.")
    inputs = getattr(model, "inputs", None)
    if inputs:
        expected = tuple(inputs[0].shape)
        if len(expected) != 2 or expected[-1] != 2:
            raise ValueError(f"the model takes inputs of shape {expected}, but decision_boundary feeds it points of shape (None, 2).")
    pad = 0.5
    x0 = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    x1 = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    g0, g1 = np.meshgrid(x0, x1)
    grid = np.c_[g0.ravel(), g1.ravel()]
    out = _predict_fn(model)(grid)
    if out.ndim == 2 and out.shape[1] > 1:
        z = out.argmax(axis=1)
    else:
        z = (out.reshape(-1) > 0.5).astype(int)
    ax = _axis(ax)
    ax.contourf(g0, g1, z.reshape(g0.shape), alpha=0.25, cmap="coolwarm", levels=np.arange(z.max() + 2) - 0.5)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=20)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def image_grid(images, labels=None, ncols=8, cmap="gray", title=None, size=1.2):
    """Show images (n, h, w) or (n, h, w, c) in a grid, each titled by its label."""
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"image_grid expects images of shape (n, h, w) or (n, h, w, channels), got {images.shape}.")
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"got {len(images)} images but {len(labels)} labels.")
    ncols = min(ncols, len(images))
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap=cmap)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, class_names=None, ax=None, title=None):
    """Count and draw a confusion matrix (rows: true class, columns: predicted); return the counts."""
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {y_true.shape[0]} and {y_pred.shape[0]}.")
    n = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    if class_names is not None:
        if len(class_names) < n:
            raise ValueError(f"labels go up to {n - 1} but only {len(class_names)} class names were given.")
        n = len(class_names)
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (y_true.astype(int), y_pred.astype(int)), 1)
    ax = _axis(ax, figsize=(5, 4.5))
    ax.imshow(counts, cmap="Blues")
    ax.grid(False)
    names = class_names or [str(i) for i in range(n)]
    ax.set_xticks(range(n), names, rotation=45 if n > 10 else 0)
    ax.set_yticks(range(n), names)
    for i in range(n):
        for j in range(n):
            if counts[i, j]:
                ax.text(j, i, counts[i, j], ha="center", va="center", fontsize=8,
                        color="white" if counts[i, j] > counts.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return counts

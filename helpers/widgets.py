"""Interactive widgets for the notebooks: each is an explorer over a pure function.

The pure functions (``*_view``) compute what the widget shows and return it as a dict with a
"text", and draw on a Matplotlib axis when one is given; tests call them directly. Every widget,
these and the ones a notebook wires to its own view, is built by ``explorer`` (helpers.controls,
reached here as ``widgets.explorer``, ``widgets.slider``, ``widgets.menu``, ``widgets.text_box``),
so each starts drawn and redraws on a change, on ipywidgets 7 (Colab) and 8.
"""

from __future__ import annotations

import numpy as np

from helpers import scratch
from helpers.controls import explorer, menu, slider, text_box

# --- pure functions -------------------------------------------------------------------------


def square_view(n: int) -> dict:
    """What 00_start_here's test widget shows: n and n squared."""
    return {"n": int(n), "square": int(n) ** 2, "text": f"{int(n)} squared is {int(n) ** 2}"}


def two_blobs(n: int = 100, seed: int = 0):
    """Two Gaussian blobs in 2-D labelled 0 and 1: the neuron playground's data."""
    rng = np.random.default_rng(seed)
    half = n // 2
    X = np.vstack([rng.normal([-1.0, -1.0], 0.7, (half, 2)), rng.normal([1.0, 1.0], 0.7, (n - half, 2))])
    y = np.r_[np.zeros(half), np.ones(n - half)].astype(int)
    return X, y


def neuron_view(w1: float, w2: float, b: float, activation: str = "sigmoid", X=None, y=None, ax=None) -> dict:
    """A single neuron's decision boundary on two blobs: its accuracy, and a plot when ax is given."""
    if X is None or y is None:
        X, y = two_blobs()
    w = np.array([w1, w2], dtype=float)
    out = scratch.neuron(X, w, b, activation)
    threshold = 0.5 if activation in ("sigmoid", "step") else 0.0
    accuracy = float(np.mean((out > threshold).astype(int) == y))
    text = f"w = ({w1:+.2f}, {w2:+.2f}), b = {b:+.2f}, {activation}: accuracy {accuracy:.0%}"
    if ax is not None:
        from helpers import plots

        plots.decision_boundary(lambda grid: scratch.neuron(grid, w, b, activation) > threshold, X, y, ax=ax, resolution=120)
        ax.set_title(text, fontsize=10)
    return {"accuracy": accuracy, "text": text}


def bowl_loss(x):
    """The loss surface of the learning-rate explorer: L(x) = x**2 (minimum at 0)."""
    return np.asarray(x, dtype=float) ** 2


def learning_rate_view(lr: float, num_steps: int = 20, start: float = 4.0, ax=None) -> dict:
    """Gradient descent on L(x) = x**2 from start with learning rate lr: where it ends and a verdict."""
    if lr <= 0:
        raise ValueError(f"the learning rate must be positive, got lr={lr}.")
    path = scratch.gradient_descent(lambda x: 2 * x, np.array([start]), lr, num_steps)[:, 0]
    final = float(bowl_loss(path[-1]))
    if not np.isfinite(final) or final > bowl_loss(start):
        verdict = "diverging"
    elif final > 0.01 * float(bowl_loss(start)):
        verdict = "too small (still far from the minimum)"
    else:
        verdict = "converged"
    text = f"lr = {lr:.3f}: loss {float(bowl_loss(start)):.2f} -> {final:.3g} after {num_steps} steps: {verdict}"
    if ax is not None:
        xs = np.linspace(-max(abs(start), 1) * 1.5, max(abs(start), 1) * 1.5, 200)
        ax.plot(xs, bowl_loss(xs), color="gray")
        shown = np.clip(path, xs[0], xs[-1])
        ax.plot(shown, bowl_loss(shown), marker="o", color="tab:red")
        ax.set_xlabel("x")
        ax.set_ylabel("L(x) = x²")
        ax.set_title(text, fontsize=10)
    return {"path": path, "final_loss": final, "verdict": verdict, "text": text}


def wavy_data(n: int = 30, seed: int = 0):
    """Noisy samples of sin(3x) on [-1, 1], split into train and validation halves."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, 2 * n)
    y = np.sin(3 * x) + rng.normal(0, 0.25, 2 * n)
    return (x[:n], y[:n]), (x[n:], y[n:])


def polynomial_features(x, degree: int):
    """Columns x**0 ... x**degree: the design matrix of polynomial regression."""
    return np.vander(np.asarray(x, dtype=float), degree + 1, increasing=True)


def capacity_view(degree: int, l2: float = 0.0, ax=None) -> dict:
    """Fit a polynomial of the given degree with an L2 penalty; return training and validation MSE."""
    if degree < 0 or int(degree) != degree:
        raise ValueError(f"degree must be a whole number >= 0, got {degree!r}.")
    if l2 < 0:
        raise ValueError(f"the L2 penalty must be >= 0, got {l2}.")
    (X_train, y_train), (X_val, y_val) = wavy_data()
    A = polynomial_features(X_train, degree)
    penalty = l2 * np.eye(degree + 1)
    penalty[0, 0] = 0.0  # the bias is not penalised
    w = np.linalg.solve(A.T @ A + penalty + 1e-10 * np.eye(degree + 1), A.T @ y_train)
    train_mse = scratch.mse(y_train, A @ w)
    val_mse = scratch.mse(y_val, polynomial_features(X_val, degree) @ w)
    text = f"degree {degree}, L2 {l2:g}: training MSE {train_mse:.3f}, validation MSE {val_mse:.3f}"
    if ax is not None:
        xs = np.linspace(-1, 1, 200)
        ax.scatter(X_train, y_train, label="training", s=18)
        ax.scatter(X_val, y_val, label="validation", s=18, marker="s")
        ax.plot(xs, np.clip(polynomial_features(xs, degree) @ w, -3, 3), color="black", label="fit")
        ax.set_ylim(-2.5, 2.5)
        ax.legend(loc="lower right")
        ax.set_title(text, fontsize=10)
    return {"weights": w, "train_mse": train_mse, "val_mse": val_mse, "text": text}


def init_scale_view(scale: float, activation: str = "tanh", depth: int = 10, width: int = 100, ax=None) -> dict:
    """Push random data through a deep net whose weights have std scale/sqrt(width); return each layer's activation std."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}.")
    if activation not in ("tanh", "relu", "sigmoid"):
        raise ValueError(f"activation must be tanh, relu or sigmoid, got {activation!r}.")
    rng = np.random.default_rng(0)
    h = rng.normal(size=(500, width))
    stds = []
    for _ in range(depth):
        W = rng.normal(0, scale / np.sqrt(width), size=(width, width))
        h = scratch.ACTIVATIONS[activation](h @ W)
        stds.append(float(h.std()))
    if stds[-1] < 1e-3:
        verdict = "vanishing"
    elif stds[-1] > 1e3:
        verdict = "exploding"
    else:
        verdict = "healthy"
    text = f"weight scale {scale:.2f}, {activation}: last layer std {stds[-1]:.3g} ({verdict})"
    if ax is not None:
        ax.semilogy(range(1, depth + 1), np.maximum(stds, 1e-12), marker="o")
        ax.set_xlabel("layer")
        ax.set_ylabel("std of activations")
        ax.set_title(text, fontsize=10)
    return {"stds": stds, "verdict": verdict, "text": text}


# --- widgets ----------------------------------------------------------------------------------


def _on_one_axis(view, figsize=(5.5, 3.8)):
    """draw(**values) for explorer: view(**values) on the one axis of a new figure."""

    def draw(**values):
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
        return view(**values, ax=ax)

    return draw


def square_slider():
    """A slider whose text changes as it moves: proof that widgets work here."""
    return explorer(square_view, n=slider(3, 0, 10))


def neuron_playground():
    """Sliders for w1, w2, b and a menu of activations, redrawing the neuron's decision boundary."""
    return explorer(
        _on_one_axis(neuron_view),
        w1=slider(0.5, -3.0, 3.0, 0.1),
        w2=slider(-0.5, -3.0, 3.0, 0.1),
        b=slider(0.0, -3.0, 3.0, 0.1),
        activation=menu(["sigmoid", "step", "tanh", "relu"]),
    )


def learning_rate_explorer():
    """A learning-rate slider (log scale) showing gradient descent crawl, converge or diverge."""
    return explorer(
        _on_one_axis(learning_rate_view),
        lr=slider(0.1, 1e-3, 10**0.2, log=True),
        num_steps=slider(20, 1, 60, label="steps"),
    )


def capacity_explorer():
    """Sliders for polynomial degree and L2 penalty, showing under- and over-fitting."""
    return explorer(
        _on_one_axis(capacity_view),
        degree=slider(3, 0, 20),
        l2=slider(1e-6, 1e-6, 10.0, 0.25, label="L2", log=True),
    )


def init_scale_explorer():
    """A weight-scale slider and activation menu showing signals vanish or explode with depth."""
    return explorer(
        _on_one_axis(init_scale_view),
        scale=slider(1.0, 0.1, 10.0, log=True),
        activation=menu(["tanh", "relu", "sigmoid"]),
    )


# --- 09 convolutions: the kernel explorer ----------------------------------------------------

KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "edge x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "edge y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
}
PHOTOS = ("china", "flower", "grace_hopper")


def sample_photo(name: str = "china", step: int = 2) -> np.ndarray:
    """A grey-scale sample photograph in [0, 1], every `step`-th pixel: china/flower (scikit-learn) or grace_hopper (matplotlib)."""
    if name not in PHOTOS:
        raise ValueError(f"photo must be one of {', '.join(PHOTOS)}, got {name!r}.")
    if not isinstance(step, int) or step < 1:
        raise ValueError(f"step must be a whole number >= 1, got {step!r}.")
    if name not in _PHOTOS_SEEN:
        _PHOTOS_SEEN[name] = _read_photo(name)
    return _PHOTOS_SEEN[name][::step, ::step].copy()


_PHOTOS_SEEN: dict = {}


def _read_photo(name: str) -> np.ndarray:
    if name == "grace_hopper":
        import matplotlib.cbook
        import matplotlib.image

        with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
            rgb = matplotlib.image.imread(handle, format="jpg")
    else:
        from sklearn.datasets import load_sample_image

        rgb = load_sample_image(f"{name}.jpg")
    return np.asarray(rgb[..., :3], dtype=np.float64) @ [0.299, 0.587, 0.114] / 255.0  # ITU-R 601 luma


def parse_kernel(text: str) -> np.ndarray:
    """Nine numbers (separated by spaces, commas or slashes), read row by row into a 3x3 kernel."""
    parts = str(text).replace(",", " ").replace("/", " ").replace(";", " ").split()
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"a custom kernel is nine numbers, row by row; could not read {text!r}.") from None
    if len(values) != 9:
        raise ValueError(f"a custom kernel is nine numbers, row by row; got {len(values)} in {text!r}.")
    return np.array(values).reshape(3, 3)


def kernel_view(kernel_name: str, photo: str = "china", custom: str = "0 -1 0 / -1 5 -1 / 0 -1 0", image=None, ax=None) -> dict:
    """Filter a photograph with a named 3x3 kernel (or `custom` when kernel_name is "custom").

    The filtering is cross-correlation with zero padding ("same" size), the operation written out
    in NumPy in 09_convolutions; here scipy.signal.correlate2d computes it. `ax` may be one axis
    (the filtered photograph) or two (the original, then the filtered one).
    """
    from scipy.signal import correlate2d

    if kernel_name == "custom":
        kernel = parse_kernel(custom)
    elif kernel_name in KERNELS:
        kernel = np.array(KERNELS[kernel_name], dtype=float)
    else:
        raise ValueError(f"kernel_name must be one of {', '.join([*KERNELS, 'custom'])}, got {kernel_name!r}.")
    image = sample_photo(photo) if image is None else np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"kernel_view filters one grey-scale image of shape (height, width), got shape {image.shape}.")
    filtered = correlate2d(image, kernel, mode="same", boundary="fill", fillvalue=0.0)
    rows = " / ".join(" ".join(f"{value:g}" for value in row) for row in kernel)
    text = f"{kernel_name} kernel [{rows}]: output from {filtered.min():.2f} to {filtered.max():.2f}"
    if ax is not None:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) == 2:
            axes[0].imshow(image, cmap="gray", vmin=0, vmax=1)
            axes[0].set_title(f"{photo} (input)", fontsize=10)
            axes[0].axis("off")
        low, high = np.percentile(filtered, [1, 99])
        axes[-1].imshow(filtered, cmap="gray", vmin=low, vmax=high if high > low else low + 1e-6)
        axes[-1].set_title(f"{kernel_name}: [{rows}]", fontsize=10)
        axes[-1].axis("off")
    return {"kernel": kernel, "filtered": filtered, "text": text}


def kernel_explorer():
    """A menu of 3x3 kernels (or nine custom numbers) and photographs, showing the filtered photograph."""

    def draw(kernel_name, photo, custom):
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 2, figsize=(10, 3.8))
        return kernel_view(kernel_name, photo=photo, custom=custom, ax=axes)

    return explorer(
        draw,
        kernel_name=menu([*KERNELS, "custom"], "edge x", label="kernel"),
        photo=menu(PHOTOS),
        custom=text_box("0 -1 0 / -1 5 -1 / 0 -1 0"),
    )


# --- 10 CNN image classification: the feature-map explorer ----------------------------------


def feature_maps_view(model, image, layer_name: str, max_maps: int = 16, axes=None) -> dict:
    """The feature maps one layer of a Keras CNN computes for one image (H, W) or (H, W, C).

    A feature map is a convolution's output for one filter (09_convolutions); 10 looks at them.
    `axes` is a flat sequence of Matplotlib axes, one per map shown.
    """
    import keras

    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"the model has no layer named {layer_name!r}; its layers are: {', '.join(names)}.")
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.shape != tuple(model.inputs[0].shape[1:]):
        raise ValueError(f"the model reads images of shape {tuple(model.inputs[0].shape[1:])}, got {image.shape}.")
    probe = keras.Model(model.inputs[0], model.get_layer(layer_name).output)
    maps = np.asarray(probe(image[None].astype("float32")))[0]
    if maps.ndim != 3:
        raise ValueError(f"layer {layer_name!r} outputs shape {maps.shape[1:]}, not feature maps (height, width, channels).")
    shown = min(int(max_maps), maps.shape[-1])
    text = f"{layer_name}: {maps.shape[-1]} feature maps of {maps.shape[0]}x{maps.shape[1]}, showing {shown}"
    if axes is not None:
        axes = list(np.ravel(axes))
        for k, ax in enumerate(axes):
            ax.axis("off")
            if k < shown:
                ax.imshow(maps[:, :, k], cmap="viridis")
                ax.set_title(f"map {k}", fontsize=8)
    return {"maps": maps, "shown": shown, "text": text}


def feature_map_explorer(model, images, layer_names=None):
    """Sliders for a test image and a menu of layers, showing that layer's feature maps."""
    layer_names = list(layer_names or [layer.name for layer in model.layers if len(layer.output.shape) == 4])

    def draw(index, layer_name):
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(2, 9, figsize=(12, 3))
        axes[0, 0].imshow(np.asarray(images[index]).squeeze(), cmap="gray")
        axes[0, 0].set_title(f"image {index}", fontsize=8)
        axes[0, 0].axis("off")
        axes[1, 0].axis("off")
        return feature_maps_view(model, images[index], layer_name, max_maps=16, axes=[*axes[0, 1:], *axes[1, 1:]])

    return explorer(draw, index=slider(0, 0, len(images) - 1, label="image"), layer_name=menu(layer_names, label="layer"))

"""A synthetic detection and segmentation data set: coloured circles, squares and triangles on noise.

``make_shapes`` draws everything with NumPy in one vectorised pass (3,000 images of 64x64 in about
a second) and returns images together with every label the vision notebooks need: boxes and
classes (13 · Object detection), semantic masks and instance-id maps (14 · Segmentation).

Conventions, the same in helpers/metrics.py:

- a pixel ``(row, col)`` covers the square ``[col, col + 1) x [row, row + 1)``, so a box
  ``(x1, y1, x2, y2)`` in pixels has ``x2 = last column + 1`` and its area counts its pixels;
- class 0 is the background; ``class_names[c]`` names class ``c`` (1 circle, 2 square, 3 triangle);
- ``instances[i]`` holds 0 for background and ``k + 1`` for the pixels of the object described
  by ``boxes[i][k]`` and ``classes[i][k]``.

``from_annotations`` turns a list of real (image, boxes, classes) triples, such as Penn-Fudan
pedestrians, into the same structure, so a notebook written on shapes runs on real data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CLASS_NAMES = ("background", "circle", "square", "triangle")


@dataclass
class Shapes:
    """Images and their labels: boxes and classes per image, semantic masks and instance-id maps."""

    images: np.ndarray  # (n, size, size, 3) float32 in [0, 1]
    boxes: list  # n arrays of shape (k_i, 4): x1, y1, x2, y2 in pixels
    classes: list  # n arrays of shape (k_i,): class ids, 1 .. len(class_names) - 1
    masks: np.ndarray  # (n, size, size) int: the class of every pixel, 0 = background
    instances: np.ndarray  # (n, size, size) int: 0 = background, k + 1 = object k of that image
    class_names: tuple = CLASS_NAMES

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        n_objects = sum(len(c) for c in self.classes)
        return (
            f"Shapes({len(self)} images of {self.images.shape[1]}x{self.images.shape[2]}, "
            f"{n_objects} objects, classes {list(self.class_names[1:])})"
        )


def _check_whole(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}.")
    return int(value)


def make_shapes(
    n_images: int,
    size: int = 32,
    max_objects: int = 3,
    seed: int = 0,
    min_objects: int = 1,
    touching: bool = False,
    radius: tuple = (0.11, 0.22),
    noise: float = 0.05,
) -> Shapes:
    """Draw n_images random scenes of circles, squares and triangles; deterministic by seed.

    Each object has a random class, colour, centre and radius (a fraction of ``size`` drawn from
    ``radius``). Objects may overlap: later ones are painted on top, and every label describes
    what is visible (a box is the bounding box of the visible pixels; an object hidden entirely is
    dropped). With ``touching=True`` the second object of every image copies the class of the
    first and is placed against it, so the two touch or slightly overlap: the hard case of
    instance segmentation. Objects may run off the edge of the image.
    """
    n_images = _check_whole("n_images", n_images, 1)
    size = _check_whole("size", size, 8)
    max_objects = _check_whole("max_objects", max_objects, 1)
    min_objects = _check_whole("min_objects", min_objects, 0)
    if min_objects > max_objects:
        raise ValueError(f"min_objects ({min_objects}) must not exceed max_objects ({max_objects}).")
    if touching and min_objects < 2:
        raise ValueError(f"touching=True places a pair of objects, so min_objects must be >= 2, got {min_objects}.")
    if len(radius) != 2 or not 0 < radius[0] <= radius[1] <= 0.5:
        raise ValueError(f"radius must be (low, high) fractions of the image size with 0 < low <= high <= 0.5, got {radius!r}.")
    if not 0 <= noise <= 0.5:
        raise ValueError(f"noise is the standard deviation of the background noise, expected 0 to 0.5, got {noise!r}.")

    rng = np.random.default_rng(seed)
    n, K = n_images, max_objects
    count = rng.integers(min_objects, max_objects + 1, size=n)
    present = np.arange(K)[None, :] < count[:, None]  # (n, K)
    classes = rng.integers(1, len(CLASS_NAMES), size=(n, K))
    r = rng.uniform(radius[0], radius[1], size=(n, K)) * size
    cx = rng.uniform(0.5 * r, size - 0.5 * r)
    cy = rng.uniform(0.5 * r, size - 0.5 * r)
    colours = rng.uniform(0.35, 1.0, size=(n, K, 3))
    if touching:  # object 1 (the second) joins object 0 (the first): same class, centres 0.8 (r0 + r1) apart
        angle = rng.uniform(0, 2 * np.pi, size=n)
        distance = 0.8 * (r[:, 0] + r[:, 1])
        cx[:, 0] = rng.uniform(0.35, 0.65, size=n) * size - 0.5 * distance * np.cos(angle)
        cy[:, 0] = rng.uniform(0.35, 0.65, size=n) * size - 0.5 * distance * np.sin(angle)
        cx[:, 1] = cx[:, 0] + distance * np.cos(angle)
        cy[:, 1] = cy[:, 0] + distance * np.sin(angle)
        classes[:, 1] = classes[:, 0]

    background = rng.uniform(0.0, 0.3, size=(n, 1, 1, 3)).astype(np.float32)
    images = background + np.float32(noise) * rng.standard_normal(size=(n, size, size, 3), dtype=np.float32)
    instances = np.zeros((n, size, size), dtype=np.int32)
    centre = np.arange(size, dtype=np.float32) + 0.5  # pixel centres
    X = centre[None, None, :]
    Y = centre[None, :, None]
    for k in range(K):
        dx = X - cx[:, k, None, None].astype(np.float32)
        dy = Y - cy[:, k, None, None].astype(np.float32)
        rk = r[:, k, None, None].astype(np.float32)
        c = classes[:, k, None, None]
        inside = np.where(
            c == 1,
            dx**2 + dy**2 <= rk**2,  # circle
            np.where(
                c == 2,
                (np.abs(dx) <= 0.8 * rk) & (np.abs(dy) <= 0.8 * rk),  # square of about a circle's area
                (np.abs(dy) <= rk) & (np.abs(dx) <= 0.6 * (dy + rk)),  # triangle, point up
            ),
        )
        inside &= present[:, k, None, None]
        instances[inside] = k + 1
        np.copyto(images, colours[:, k, None, None, :].astype(np.float32), where=inside[..., None])

    # Labels from what is visible: drop hidden objects, renumber, box the visible pixels.
    slot = np.arange(1, K + 1)
    visible = instances[:, None, :, :] == slot[None, :, None, None]  # (n, K, size, size)
    kept = visible.any(axis=(2, 3))
    new_id = np.where(kept, np.cumsum(kept, axis=1), 0)
    lookup = np.concatenate([np.zeros((n, 1), dtype=np.int32), new_id.astype(np.int32)], axis=1)
    class_lookup = np.concatenate([np.zeros((n, 1), dtype=np.int64), classes], axis=1)
    masks = np.take_along_axis(class_lookup, instances.reshape(n, -1), axis=1).reshape(n, size, size)
    instances = np.take_along_axis(lookup, instances.reshape(n, -1), axis=1).reshape(n, size, size)

    cols = visible.any(axis=2)  # (n, K, size): which columns each object reaches
    rows = visible.any(axis=3)
    x1 = cols.argmax(axis=2)
    x2 = size - cols[:, :, ::-1].argmax(axis=2)
    y1 = rows.argmax(axis=2)
    y2 = size - rows[:, :, ::-1].argmax(axis=2)
    all_boxes = np.stack([x1, y1, x2, y2], axis=-1).astype(np.float32)
    boxes = [all_boxes[i][kept[i]] for i in range(n)]
    class_list = [classes[i][kept[i]].astype(np.int64) for i in range(n)]
    return Shapes(
        np.clip(images, 0, 1).astype(np.float32), boxes, class_list, masks.astype(np.int64), instances.astype(np.int64)
    )


def from_annotations(samples, class_names) -> Shapes:
    """Turn a list of real (image, boxes, classes[, instances]) samples into a Shapes structure.

    Images must already share one shape (h, w, 3) with values in [0, 1]; boxes are (k, 4) arrays
    of x1, y1, x2, y2 in pixels; classes are (k,) ids into ``class_names`` (0 = background).
    When instance-id maps are missing, masks are filled from the boxes (box-shaped masks, later
    boxes on top), which is enough for detection and a rough start for segmentation.
    """
    samples = list(samples)
    if not samples:
        raise ValueError("from_annotations needs at least one (image, boxes, classes) sample, got none.")
    images, boxes, classes, instances = [], [], [], []
    shape = np.asarray(samples[0][0]).shape
    for i, sample in enumerate(samples):
        if len(sample) not in (3, 4):
            raise ValueError(f"sample {i} must be (image, boxes, classes) or (image, boxes, classes, instances), got {len(sample)} items.")
        image = np.asarray(sample[0], dtype=np.float32)
        if image.ndim != 3 or image.shape != shape:
            raise ValueError(f"sample {i}: every image must have the shape {shape} of the first (resize first), got {image.shape}.")
        b = np.asarray(sample[1], dtype=np.float32).reshape(-1, 4)
        c = np.asarray(sample[2], dtype=np.int64).reshape(-1)
        if len(b) != len(c):
            raise ValueError(f"sample {i} has {len(b)} boxes but {len(c)} classes; expected one class per box.")
        if np.any(b[:, 2] < b[:, 0]) or np.any(b[:, 3] < b[:, 1]):
            raise ValueError(f"sample {i} has a box with x2 < x1 or y2 < y1; boxes must be (x1, y1, x2, y2).")
        if np.any(c < 1) or np.any(c >= len(class_names)):
            raise ValueError(f"sample {i}: classes must lie in 1 .. {len(class_names) - 1} (0 is background), got {c.tolist()}.")
        if len(sample) == 4:
            inst = np.asarray(sample[3], dtype=np.int64)
        else:
            inst = np.zeros(shape[:2], dtype=np.int64)
            for k, (bx1, by1, bx2, by2) in enumerate(np.round(b).astype(int)):
                inst[max(by1, 0) : by2, max(bx1, 0) : bx2] = k + 1
        images.append(image)
        boxes.append(b)
        classes.append(c)
        instances.append(inst)
    instances = np.stack(instances)
    masks = np.zeros_like(instances)
    for i, c in enumerate(classes):
        lookup = np.concatenate([[0], c])
        masks[i] = lookup[np.clip(instances[i], 0, len(c))]
    return Shapes(np.stack(images), boxes, classes, masks, instances, tuple(class_names))

"""The offline stand-ins the course makes itself, from data that ships in pip packages or from nothing.

``helpers.data`` uses them when the real dataset cannot be had, and says so in one line. None of
them passes for the real thing: their titles and class names say what they are.
"""

from __future__ import annotations

import numpy as np


def digits_8x8() -> tuple:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images * (255.0 / 16.0)).round().astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(labels))
    images, labels = images[order], labels[order]
    n_train = 1437  # 80 % of 1,797
    return images[:n_train], labels[:n_train], images[n_train:], labels[n_train:]


def digits_as_mnist() -> tuple:
    """scikit-learn's 1,797 real handwritten 8x8 digits, resized to 20x20 and centred in 28x28."""
    from scipy.ndimage import zoom

    X_train, y_train, X_test, y_test = digits_8x8()

    def to_28(images: np.ndarray) -> np.ndarray:
        big = zoom(images.astype(np.float32), (1, 2.5, 2.5), order=1)
        big = np.clip(big, 0, 255).round().astype(np.uint8)
        return np.pad(big, ((0, 0), (4, 4), (4, 4)))

    return to_28(X_train), y_train, to_28(X_test), y_test


SILHOUETTE_NAMES = ("disk", "square", "triangle", "plus", "ring", "cross", "frame", "equals", "L", "T")


def _silhouette_masks(u: np.ndarray, v: np.ndarray, t: np.ndarray) -> list:
    """Boolean masks of the ten silhouette classes in a shape's own coordinates (u, v in [-1, 1])."""
    rho = np.sqrt(u**2 + v**2)
    box = np.maximum(np.abs(u), np.abs(v))
    inside = box < 0.9
    return [
        rho < 0.9,  # disk
        box < 0.75,  # square
        (v < 0.7) & (np.abs(u) < (v + 0.9) * 0.55),  # triangle, apex up
        ((np.abs(u) < t) | (np.abs(v) < t)) & inside,  # plus
        (rho < 0.95) & (rho > 0.95 - 2 * t),  # ring
        ((np.abs(u - v) < 1.4 * t) | (np.abs(u + v) < 1.4 * t)) & inside,  # cross (an X)
        inside & (box > 0.9 - 2 * t),  # frame (a hollow square)
        ((np.abs(v - 0.45) < t) | (np.abs(v + 0.45) < t)) & inside,  # equals sign
        ((u < -0.9 + 2 * t) | (v > 0.9 - 2 * t)) & inside,  # L
        ((v < -0.9 + 2 * t) | (np.abs(u) < t)) & inside,  # T
    ]


def silhouettes(n: int, seed: int) -> tuple:
    """n noisy 28x28 silhouettes of 10 shapes, randomly placed, sized, turned and lit."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    grid = np.arange(28, dtype=np.float32)[None, :]
    cy, cx = rng.uniform(9, 19, (2, n, 1, 1)).astype(np.float32)
    radius = rng.uniform(6, 10, (n, 1, 1)).astype(np.float32)
    angle = rng.uniform(-0.3, 0.3, (n, 1, 1)).astype(np.float32)  # radians: about +-17 degrees
    thickness = rng.uniform(0.18, 0.3, (n, 1, 1)).astype(np.float32)
    dy, dx = (grid[..., None] - cy) / radius, (grid - cx) / radius
    u = np.cos(angle) * dx + np.sin(angle) * dy
    v = -np.sin(angle) * dx + np.cos(angle) * dy
    masks = _silhouette_masks(u, v, thickness)
    images = np.zeros((n, 28, 28), dtype=np.float32)
    for k in range(10):
        chosen = labels == k
        images[chosen] = masks[k][chosen]
    images *= rng.uniform(0.5, 1.0, (n, 1, 1)).astype(np.float32)
    images = gaussian_filter(images, sigma=(0, 0.8, 0.8))
    images += rng.normal(0, 0.12, images.shape).astype(np.float32)
    return (np.clip(images, 0, 1) * 255).round().astype(np.uint8), labels


def silhouettes_standin() -> tuple:
    """The Fashion-MNIST stand-in: 6,000 training and 1,000 test silhouettes made by the course (seeded)."""
    X_train, y_train = silhouettes(6000, seed=0)
    X_test, y_test = silhouettes(1000, seed=1)
    return X_train, y_train, X_test, y_test


_SPEAKERS = ("KING", "QUEEN", "DUKE", "NURSE", "FRIAR", "CAPTAIN", "FOOL", "LADY")
_WORDS = {
    "subject": ("I", "you", "he", "she", "we", "they", "the king", "my lord", "the queen", "this night", "our love", "thy father"),
    "verb": ("shall see", "will keep", "must leave", "doth love", "would give", "cannot bear", "have heard", "dost know", "did find", "may take"),
    "object": ("the crown", "my heart", "thy name", "the sword", "this town", "her hand", "the truth", "our peace", "his word", "the sea"),
    "tail": ("tonight", "in time", "for ever", "with honour", "at dawn", "no more", "again", "in grief", "for France", "by heaven"),
    "call": ("Come", "Go", "Peace", "Farewell", "Hark", "Alas", "Away", "Stay", "Speak", "Look"),
}


def play_text(num_chars: int = 300_000, seed: int = 0) -> str:
    """Course-generated play-like dialogue (speaker lines from a small random grammar): 19's stand-in, not Shakespeare."""
    rng = np.random.default_rng(seed)
    pick = lambda kind: _WORDS[kind][rng.integers(len(_WORDS[kind]))]
    parts, size = [], 0
    while size < num_chars:
        lines = []
        for _ in range(rng.integers(1, 4)):
            sentence = f"{pick('subject')} {pick('verb')} {pick('object')}"
            if rng.random() < 0.5:
                sentence += f" {pick('tail')}"
            sentence = sentence[0].upper() + sentence[1:]
            lines.append(f"{pick('call')}! {sentence}." if rng.random() < 0.3 else sentence + rng.choice([".", "?", ","]))
        block = f"{_SPEAKERS[rng.integers(len(_SPEAKERS))]}:\n" + "\n".join(lines) + "\n\n"
        parts.append(block)
        size += len(block)
    return "".join(parts)[:num_chars]

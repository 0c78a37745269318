"""Metrics for detection and segmentation, written out first in notebooks 13 and 14.

Boxes are ``(x1, y1, x2, y2)`` in pixels with ``x1 <= x2`` and ``y1 <= y2`` (helpers/shapes.py
gives the convention); masks are integer or boolean arrays. Bad input raises ``ValueError``
with a sentence saying what was expected; empty input gets the documented result of each
function instead of an error.

- ``box_iou``, ``non_max_suppression``, ``average_precision``, ``mean_average_precision``:
  written out in 13 · Object detection.
- ``mask_iou``, ``pixel_accuracy``, ``class_iou``, ``mean_iou``, ``match_instances``:
  written out in 14 · Segmentation.
"""

from __future__ import annotations

import numpy as np


def _boxes(boxes, name: str) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.size == 0:
        return boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{name} must have shape (n, 4) holding x1, y1, x2, y2, got shape {boxes.shape}.")
    if not np.all(np.isfinite(boxes)):
        raise ValueError(f"{name} holds NaN or infinite coordinates; every coordinate must be a finite number.")
    bad = np.flatnonzero((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1]))
    if bad.size:
        raise ValueError(
            f"{name}[{bad[0]}] = {boxes[bad[0]].tolist()} has x2 < x1 or y2 < y1; boxes must be (x1, y1, x2, y2) "
            "with the top-left corner first."
        )
    return boxes


def box_iou(boxes_a, boxes_b) -> np.ndarray:
    """Pairwise intersection over union of boxes (N, 4) and (M, 4): an (N, M) array in [0, 1].

    Written out in 13 · Object detection. Two boxes whose union has zero area (degenerate boxes)
    have IoU 0. Empty inputs give an empty (0, M) or (N, 0) array.
    """
    a, b = _boxes(boxes_a, "boxes_a"), _boxes(boxes_b, "boxes_b")
    width = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    height = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    intersection = width * height
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - intersection
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)


def non_max_suppression(boxes, scores, iou_threshold: float = 0.5) -> np.ndarray:
    """Greedy NMS: indices of the boxes kept, highest score first.

    Written out in 13 · Object detection. Repeatedly keep the best remaining box and drop every
    remaining box whose IoU with it is above ``iou_threshold`` (strictly, as
    ``tf.image.non_max_suppression`` does). Equal scores keep their input order. No boxes give an
    empty index array.
    """
    boxes = _boxes(boxes, "boxes")
    scores = np.asarray(scores, dtype=np.float64).reshape(-1) if np.size(scores) else np.zeros(0)
    if len(scores) != len(boxes):
        raise ValueError(f"got {len(boxes)} boxes but {len(scores)} scores; expected one score per box.")
    if not 0 <= iou_threshold <= 1:
        raise ValueError(f"iou_threshold must lie in [0, 1], got {iou_threshold}.")
    order = np.argsort(-scores, kind="stable")
    iou = box_iou(boxes, boxes)
    keep = []
    while order.size:
        best = order[0]
        keep.append(best)
        order = order[1:][iou[best, order[1:]] <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def _per_image(values, n_images: int, name: str, width: int | None):
    if len(values) != n_images:
        raise ValueError(f"{name} must hold one entry per image ({n_images}), got {len(values)}.")
    out = []
    for i, v in enumerate(values):
        v = np.asarray(v, dtype=np.float64)
        if width is None:
            out.append(v.reshape(-1))
        else:
            out.append(_boxes(v, f"{name}[{i}]"))
    return out


def average_precision(pred_boxes, pred_scores, true_boxes, iou_threshold: float = 0.5) -> float:
    """Average precision of one class over a set of images (lists with one entry per image).

    Written out in 13 · Object detection. Predictions are taken from the highest score down; each
    is a true positive when its best-overlapping ground-truth box in the same image has
    IoU >= ``iou_threshold`` and was not claimed by a higher-scoring prediction, else a false
    positive (the PASCAL VOC rule). AP is the area under the precision-recall curve with
    **all-point interpolation** (VOC 2010 onwards): precision is first replaced by its running
    maximum from the right, then summed over every step in recall.

    Empty cases: no ground-truth boxes at all gives NaN (AP is undefined; ``mean_average_precision``
    skips the class); ground truth but no predictions gives 0.0.
    """
    n_images = len(true_boxes)
    true_boxes = _per_image(true_boxes, n_images, "true_boxes", 4)
    pred_boxes = _per_image(pred_boxes, n_images, "pred_boxes", 4)
    pred_scores = _per_image(pred_scores, n_images, "pred_scores", None)
    for i, (b, s) in enumerate(zip(pred_boxes, pred_scores)):
        if len(b) != len(s):
            raise ValueError(f"image {i} has {len(b)} predicted boxes but {len(s)} scores; expected one score per box.")
    n_true = sum(len(b) for b in true_boxes)
    if n_true == 0:
        return float("nan")
    image_of = np.concatenate([np.full(len(s), i) for i, s in enumerate(pred_scores)] + [np.zeros(0, int)]).astype(int)
    index_in = np.concatenate([np.arange(len(s)) for s in pred_scores] + [np.zeros(0, int)]).astype(int)
    scores = np.concatenate(pred_scores + [np.zeros(0)])
    if scores.size == 0:
        return 0.0
    claimed = [np.zeros(len(b), dtype=bool) for b in true_boxes]
    ious = [box_iou(p, t) for p, t in zip(pred_boxes, true_boxes)]
    is_tp = np.zeros(len(scores), dtype=bool)
    for rank, j in enumerate(np.argsort(-scores, kind="stable")):
        i, k = image_of[j], index_in[j]
        if len(true_boxes[i]) == 0:
            continue
        best = int(np.argmax(ious[i][k]))
        if ious[i][k, best] >= iou_threshold and not claimed[i][best]:
            claimed[i][best] = True
            is_tp[rank] = True
    tp = np.cumsum(is_tp)
    precision = tp / np.arange(1, len(scores) + 1)
    recall = tp / n_true
    precision = np.concatenate([[0.0], precision, [0.0]])
    recall = np.concatenate([[0.0], recall, [recall[-1]]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]  # the envelope: best precision at this recall or more
    steps = np.flatnonzero(recall[1:] != recall[:-1])
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


def mean_average_precision(
    pred_boxes, pred_scores, pred_classes, true_boxes, true_classes, iou_threshold: float = 0.5, class_ids=None
) -> tuple[float, dict]:
    """mAP@iou_threshold: the mean over classes of ``average_precision``; returns (mAP, {class: AP}).

    Written out in 13 · Object detection. Every argument is a list with one entry per image.
    ``class_ids`` defaults to every class seen in the ground truth or the predictions. Classes
    with no ground-truth box anywhere get AP NaN and are left out of the mean; if no class has
    ground truth, mAP is NaN.
    """
    n_images = len(true_boxes)
    for name, values in (("pred_boxes", pred_boxes), ("pred_scores", pred_scores), ("pred_classes", pred_classes), ("true_classes", true_classes)):
        if len(values) != n_images:
            raise ValueError(f"{name} must hold one entry per image ({n_images}), got {len(values)}.")
    pred_classes = [np.asarray(c, dtype=np.int64).reshape(-1) for c in pred_classes]
    true_classes = [np.asarray(c, dtype=np.int64).reshape(-1) for c in true_classes]
    pred_boxes = [_boxes(b, f"pred_boxes[{i}]") for i, b in enumerate(pred_boxes)]
    true_boxes = [_boxes(b, f"true_boxes[{i}]") for i, b in enumerate(true_boxes)]
    pred_scores = [np.asarray(s, dtype=np.float64).reshape(-1) for s in pred_scores]
    for i in range(n_images):
        if not len(pred_boxes[i]) == len(pred_scores[i]) == len(pred_classes[i]):
            raise ValueError(f"image {i}: pred_boxes, pred_scores and pred_classes must have the same length.")
        if len(true_boxes[i]) != len(true_classes[i]):
            raise ValueError(f"image {i} has {len(true_boxes[i])} true boxes but {len(true_classes[i])} true classes.")
    if class_ids is None:
        class_ids = np.unique(np.concatenate(true_classes + pred_classes + [np.zeros(0, np.int64)]))
    per_class = {}
    for c in class_ids:
        per_class[int(c)] = average_precision(
            [b[k == c] for b, k in zip(pred_boxes, pred_classes)],
            [s[k == c] for s, k in zip(pred_scores, pred_classes)],
            [b[k == c] for b, k in zip(true_boxes, true_classes)],
            iou_threshold,
        )
    values = [v for v in per_class.values() if not np.isnan(v)]
    return (float(np.mean(values)) if values else float("nan")), per_class


def _same_shape(y_true, y_pred, name_true: str = "y_true", name_pred: str = "y_pred"):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name_true} and {name_pred} must have the same shape, got {y_true.shape} and {y_pred.shape}.")
    if y_true.size == 0:
        raise ValueError(f"{name_true} and {name_pred} are empty; there are no pixels to score.")
    return y_true, y_pred


def mask_iou(masks_a, masks_b) -> float | np.ndarray:
    """IoU of boolean masks: two masks (h, w) give a number; stacks (N, h, w) and (M, h, w) an (N, M) array.

    Written out in 14 · Segmentation. Non-zero values count as inside. Two empty masks have IoU 0
    (there is nothing to agree on), the same rule as ``box_iou`` for degenerate boxes.
    """
    a, b = np.asarray(masks_a) != 0, np.asarray(masks_b) != 0
    if a.ndim == b.ndim == 2:
        if a.shape != b.shape:
            raise ValueError(f"the two masks must have the same shape, got {a.shape} and {b.shape}.")
        union = np.logical_or(a, b).sum()
        return float(np.logical_and(a, b).sum() / union) if union else 0.0
    if a.ndim != 3 or b.ndim != 3:
        raise ValueError(f"mask_iou takes two masks (h, w) or two stacks (n, h, w), got ndim {a.ndim} and {b.ndim}.")
    if a.shape[1:] != b.shape[1:]:
        raise ValueError(f"the masks must have the same height and width, got {a.shape[1:]} and {b.shape[1:]}.")
    pixels = a.shape[1] * a.shape[2]
    fa = a.reshape(len(a), pixels).astype(np.float64)
    fb = b.reshape(len(b), pixels).astype(np.float64)
    intersection = fa @ fb.T
    union = fa.sum(1)[:, None] + fb.sum(1)[None, :] - intersection
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)


def pixel_accuracy(y_true, y_pred) -> float:
    """The fraction of pixels whose predicted class equals the true class (label maps of one shape).

    Written out in 14 · Segmentation. Empty or mismatched label maps raise ValueError.
    """
    y_true, y_pred = _same_shape(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def _confusion(y_true, y_pred, num_classes: int) -> np.ndarray:
    y_true, y_pred = _same_shape(y_true, y_pred)
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"num_classes must be a whole number >= 1, got {num_classes!r}.")
    y_true, y_pred = y_true.ravel().astype(np.int64), y_pred.ravel().astype(np.int64)
    for name, v in (("y_true", y_true), ("y_pred", y_pred)):
        if v.min() < 0 or v.max() >= num_classes:
            raise ValueError(f"{name} holds labels from {v.min()} to {v.max()}; expected 0 .. {num_classes - 1} (num_classes={num_classes}).")
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes**2).reshape(num_classes, num_classes)


def class_iou(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Per-class IoU, TP / (TP + FP + FN), from two label maps; NaN for a class absent from both.

    Written out in 14 · Segmentation.
    """
    confusion = _confusion(y_true, y_pred, num_classes).astype(np.float64)
    tp = np.diag(confusion)
    denominator = confusion.sum(0) + confusion.sum(1) - tp
    return np.divide(tp, denominator, out=np.full(num_classes, np.nan), where=denominator > 0)


def mean_iou(y_true, y_pred, num_classes: int) -> float:
    """Mean over classes of ``class_iou``; classes absent from both maps are skipped, as keras.metrics.MeanIoU does.

    Written out in 14 · Segmentation. Labels outside 0 .. num_classes - 1 raise ValueError.
    """
    return float(np.nanmean(class_iou(y_true, y_pred, num_classes)))


def match_instances(true_instances, pred_instances, iou_threshold: float = 0.5) -> dict:
    """Match predicted to true instances of one image by mask IoU (Hungarian: the pairing with the largest total IoU).

    Written out in 14 · Segmentation. Both arguments are instance-id maps of one shape (0 is
    background, each other value one object). Pairs below ``iou_threshold`` are dropped, so a
    prediction matches at most one object and vice versa. Returns a dict with ``pairs`` (a list of
    (true_id, pred_id, iou)), ``iou`` (the full true x pred IoU matrix), ``true_ids``, ``pred_ids``,
    ``n_true``, ``n_pred`` and ``matched`` (the number of pairs). No instances on either side
    give no pairs.
    """
    from scipy.optimize import linear_sum_assignment

    true_instances, pred_instances = _same_shape(true_instances, pred_instances, "true_instances", "pred_instances")
    if true_instances.ndim != 2:
        raise ValueError(f"match_instances compares one image: instance maps of shape (h, w), got {true_instances.shape}.")
    if not 0 < iou_threshold <= 1:
        raise ValueError(f"iou_threshold must lie in (0, 1], got {iou_threshold}.")
    true_ids = np.setdiff1d(np.unique(true_instances), [0])
    pred_ids = np.setdiff1d(np.unique(pred_instances), [0])
    iou = mask_iou(true_instances[None] == true_ids[:, None, None], pred_instances[None] == pred_ids[:, None, None])
    pairs = []
    if len(true_ids) and len(pred_ids):
        rows, cols = linear_sum_assignment(-iou)
        pairs = [(int(true_ids[r]), int(pred_ids[c]), float(iou[r, c])) for r, c in zip(rows, cols) if iou[r, c] >= iou_threshold]
    return {
        "pairs": pairs,
        "iou": iou,
        "true_ids": true_ids,
        "pred_ids": pred_ids,
        "n_true": len(true_ids),
        "n_pred": len(pred_ids),
        "matched": len(pairs),
    }

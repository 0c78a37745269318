"""helpers.metrics: every metric against hand-worked cases, and against Keras/TF where they have one."""

import numpy as np
import pytest

from helpers import metrics

# --- box IoU ----------------------------------------------------------------------------------


def test_box_iou_hand_worked():
    # (0,0,2,2) and (1,1,3,3): intersection is the unit square [1,2]x[1,2] = 1;
    # union = 4 + 4 - 1 = 7, so IoU = 1/7. Identical boxes: 1. Disjoint boxes: 0.
    # (0,0,4,2) and (2,0,6,2): intersection 2x2 = 4, union 8 + 8 - 4 = 12, IoU = 1/3.
    # (0,0,4,2) and (1,1,3,3): intersection [1,3]x[1,2] = 2, union 8 + 4 - 2 = 10, IoU = 0.2.
    # (0,0,4,2) and (0,0,2,2): the second lies inside the first, IoU = 4/8 = 0.5.
    a = np.array([[0, 0, 2, 2], [0, 0, 4, 2]])
    b = np.array([[1, 1, 3, 3], [0, 0, 2, 2], [10, 10, 12, 12], [2, 0, 6, 2]])
    expected = np.array([[1 / 7, 1.0, 0.0, 0.0], [0.2, 0.5, 0.0, 1 / 3]])
    assert np.allclose(metrics.box_iou(a, b), expected)


def test_box_iou_matches_pixel_counting():
    # An independent computation: paint integer boxes on a grid and count pixels.
    rng = np.random.default_rng(0)
    corners = rng.integers(0, 20, size=(30, 2, 2))
    boxes = np.concatenate([corners.min(axis=1), corners.max(axis=1) + 1], axis=1)  # x1, y1, x2, y2
    masks = np.zeros((30, 21, 21), dtype=bool)
    for k, (x1, y1, x2, y2) in enumerate(boxes):
        masks[k, y1:y2, x1:x2] = True
    assert np.allclose(metrics.box_iou(boxes, boxes), metrics.mask_iou(masks, masks))


def test_box_iou_bad_and_empty_input():
    with pytest.raises(ValueError, match="x2 < x1"):
        metrics.box_iou([[5, 0, 1, 2]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        metrics.box_iou([[0, 0, 1]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="NaN"):
        metrics.box_iou([[0, 0, np.nan, 1]], [[0, 0, 1, 1]])
    assert metrics.box_iou(np.zeros((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)
    assert metrics.box_iou([], [[0, 0, 1, 1]]).shape == (0, 1)
    # a degenerate (zero-area) box against itself: union 0, documented IoU 0
    assert metrics.box_iou([[1, 1, 1, 1]], [[1, 1, 1, 1]])[0, 0] == 0.0


# --- NMS --------------------------------------------------------------------------------------


def test_nms_hand_worked():
    # A = (0,0,10,10) score .9, B = (1,1,11,11) score .8, C = (20,20,30,30) score .7.
    # IoU(A, B) = 9*9 / (100 + 100 - 81) = 81/119 = 0.68: B goes at threshold 0.5, stays at 0.7.
    boxes = [[1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]]
    scores = [0.8, 0.7, 0.9]
    assert metrics.non_max_suppression(boxes, scores, 0.5).tolist() == [2, 1]
    assert metrics.non_max_suppression(boxes, scores, 0.7).tolist() == [2, 0, 1]
    assert metrics.non_max_suppression(np.zeros((0, 4)), [], 0.5).tolist() == []


def test_nms_matches_tensorflow():
    import tensorflow as tf

    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 50, size=(60, 2))
    wh = rng.uniform(5, 20, size=(60, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1)
    scores = rng.uniform(size=60)
    for threshold in (0.3, 0.5, 0.7):
        ours = metrics.non_max_suppression(boxes, scores, threshold)
        theirs = tf.image.non_max_suppression(boxes[:, [1, 0, 3, 2]].astype(np.float32), scores.astype(np.float32), 60, threshold)
        assert ours.tolist() == theirs.numpy().tolist()


def test_nms_bad_input():
    with pytest.raises(ValueError, match="one score per box"):
        metrics.non_max_suppression([[0, 0, 1, 1]], [0.5, 0.4])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.non_max_suppression([[0, 0, 1, 1]], [0.5], iou_threshold=1.5)


# --- average precision ------------------------------------------------------------------------


def test_average_precision_hand_worked():
    # One image, two true boxes A = (0,0,10,10), B = (20,20,30,30).
    # By score: p1 (.9) on A -> TP; p2 (.8) on nothing -> FP; p3 (.7) on B -> TP.
    # precision 1/1, 1/2, 2/3; recall 1/2, 1/2, 1. Envelope from the right: 1, 2/3, 2/3.
    # All-point AP = (1/2 - 0) * 1 + (1 - 1/2) * 2/3 = 0.5 + 0.3333 = 0.8333.
    true = [np.array([[0, 0, 10, 10], [20, 20, 30, 30]])]
    pred = [np.array([[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 30]])]
    scores = [np.array([0.9, 0.8, 0.7])]
    assert metrics.average_precision(pred, scores, true) == pytest.approx(5 / 6)
    # Swap the scores of the FP and the second TP: TP, TP, FP -> precision 1, 1, 2/3 at recall 1/2, 1, 1: AP 1.
    assert metrics.average_precision(pred, [np.array([0.9, 0.7, 0.8])], true) == pytest.approx(1.0)


def test_average_precision_duplicates_and_threshold():
    # Two predictions on the same single true box: the second is a duplicate, hence a FP.
    # TP then FP: precision 1, 1/2 at recall 1, 1 -> AP = 1 (the duplicate comes after full recall).
    true = [np.array([[0, 0, 10, 10]])]
    pred = [np.array([[0, 0, 10, 10], [0, 0, 10, 10]])]
    assert metrics.average_precision(pred, [np.array([0.9, 0.8])], true) == pytest.approx(1.0)
    # A box with IoU 0.68 (81/119) is a TP at 0.5 and a FP at 0.75: AP 1 then 0.
    shifted = [np.array([[1, 1, 11, 11]])]
    assert metrics.average_precision(shifted, [np.array([0.9])], true, 0.5) == pytest.approx(1.0)
    assert metrics.average_precision(shifted, [np.array([0.9])], true, 0.75) == pytest.approx(0.0)


def test_average_precision_across_images():
    # Image 0: true A, prediction on A (.6). Image 1: true B, a FP (.9) and a prediction on B (.5).
    # Ranked: FP (.9), TP (.6), TP (.5): precision 0, 1/2, 2/3 at recall 0, 1/2, 1.
    # Envelope: 2/3, 2/3, 2/3 -> AP = 1/2 * 2/3 + 1/2 * 2/3 = 2/3.
    true = [np.array([[0, 0, 10, 10]]), np.array([[5, 5, 9, 9]])]
    pred = [np.array([[0, 0, 10, 10]]), np.array([[20, 20, 25, 25], [5, 5, 9, 9]])]
    scores = [np.array([0.6]), np.array([0.9, 0.5])]
    assert metrics.average_precision(pred, scores, true) == pytest.approx(2 / 3)


def test_average_precision_empty_cases():
    true = [np.array([[0, 0, 10, 10]])]
    assert metrics.average_precision([np.zeros((0, 4))], [np.zeros(0)], true) == 0.0  # GT, no predictions
    assert np.isnan(metrics.average_precision([np.array([[0, 0, 1, 1]])], [[0.5]], [np.zeros((0, 4))]))  # no GT
    with pytest.raises(ValueError, match="one score per box"):
        metrics.average_precision([np.array([[0, 0, 1, 1]])], [[0.5, 0.2]], true)
    with pytest.raises(ValueError, match="one entry per image"):
        metrics.average_precision([], [], true)


def test_mean_average_precision_hand_worked():
    # Class 1: the 5/6 case above. Class 2: one true box found exactly -> AP 1.
    # Class 3: a prediction but no ground truth -> NaN, left out. mAP = (5/6 + 1) / 2 = 11/12.
    true_boxes = [np.array([[0, 0, 10, 10], [20, 20, 30, 30], [40, 40, 50, 50]])]
    true_classes = [np.array([1, 1, 2])]
    pred_boxes = [np.array([[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 30], [40, 40, 50, 50], [0, 40, 5, 45]])]
    pred_scores = [np.array([0.9, 0.8, 0.7, 0.6, 0.99])]
    pred_classes = [np.array([1, 1, 1, 2, 3])]
    mAP, per_class = metrics.mean_average_precision(pred_boxes, pred_scores, pred_classes, true_boxes, true_classes)
    assert per_class[1] == pytest.approx(5 / 6)
    assert per_class[2] == pytest.approx(1.0)
    assert np.isnan(per_class[3])
    assert mAP == pytest.approx(11 / 12)
    # A class predicted as the wrong class does not count: everything labelled 2 -> class 1 AP 0.
    mAP, per_class = metrics.mean_average_precision(pred_boxes, pred_scores, [np.full(5, 2)], true_boxes, true_classes)
    assert per_class[1] == 0.0


# --- segmentation -----------------------------------------------------------------------------


def test_pixel_accuracy_and_mean_iou_hand_worked():
    # y_true [[0,0],[1,1]], y_pred [[0,1],[1,1]]: 3 of 4 pixels right -> 0.75.
    # class 0: TP 1, FP 0, FN 1 -> 1/2. class 1: TP 2, FP 1, FN 0 -> 2/3. mean = 7/12.
    # With num_classes = 3, class 2 is absent from both and skipped: still 7/12.
    y_true = np.array([[0, 0], [1, 1]])
    y_pred = np.array([[0, 1], [1, 1]])
    assert metrics.pixel_accuracy(y_true, y_pred) == 0.75
    assert np.allclose(metrics.class_iou(y_true, y_pred, 2), [1 / 2, 2 / 3])
    assert metrics.mean_iou(y_true, y_pred, 2) == pytest.approx(7 / 12)
    assert metrics.mean_iou(y_true, y_pred, 3) == pytest.approx(7 / 12)
    assert np.isnan(metrics.class_iou(y_true, y_pred, 3)[2])


def test_mean_iou_and_accuracy_match_keras():
    import keras

    rng = np.random.default_rng(2)
    y_true = rng.integers(0, 4, size=(5, 16, 16))
    y_pred = np.where(rng.uniform(size=y_true.shape) < 0.7, y_true, rng.integers(0, 3, size=y_true.shape))
    metric = keras.metrics.MeanIoU(num_classes=5)  # class 4 absent from both: Keras skips it too
    metric.update_state(y_true, y_pred)
    assert metrics.mean_iou(y_true, y_pred, 5) == pytest.approx(float(metric.result()), abs=1e-6)
    accuracy = keras.metrics.Accuracy()
    accuracy.update_state(y_true, y_pred)
    assert metrics.pixel_accuracy(y_true, y_pred) == pytest.approx(float(accuracy.result()), abs=1e-6)


def test_segmentation_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        metrics.pixel_accuracy(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="empty"):
        metrics.pixel_accuracy(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="expected 0 .. 1"):
        metrics.mean_iou(np.array([0, 2]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="num_classes"):
        metrics.mean_iou(np.array([0, 1]), np.array([0, 1]), 0)
    with pytest.raises(ValueError, match="same shape"):
        metrics.mask_iou(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="ndim"):
        metrics.mask_iou(np.zeros(4), np.zeros(4))


def test_mask_iou_hand_worked():
    # a: top row of a 2x3 grid (3 pixels); b: left column (2 pixels). Intersection 1, union 4 -> 1/4.
    a = np.array([[1, 1, 1], [0, 0, 0]])
    b = np.array([[1, 0, 0], [1, 0, 0]])
    assert metrics.mask_iou(a, b) == 0.25
    assert metrics.mask_iou(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0  # documented: two empty masks -> 0
    assert np.allclose(metrics.mask_iou(np.stack([a, b]), np.stack([b])), [[0.25], [1.0]])


def test_match_instances_hand_worked():
    # 4x4 image, true object 1 = left half (8 px), object 2 = right half (8 px).
    true = np.zeros((4, 4), int)
    true[:, :2], true[:, 2:] = 1, 2
    # A merged prediction (all 16 px) has IoU 8/16 = 0.5 with each; only one can be matched.
    merged = np.ones((4, 4), int)
    result = metrics.match_instances(true, merged, iou_threshold=0.5)
    assert result["matched"] == 1 and result["n_true"] == 2 and result["n_pred"] == 1
    assert np.allclose(result["iou"], [[0.5], [0.5]])
    assert metrics.match_instances(true, merged, iou_threshold=0.6)["matched"] == 0
    # A correct split with swapped ids (7 and 3) matches both with IoU 1.
    split = np.where(true == 1, 7, 3)
    result = metrics.match_instances(true, split)
    assert sorted(result["pairs"]) == [(1, 7, 1.0), (2, 3, 1.0)]
    # Empty prediction: no pairs, documented, not an error.
    empty = metrics.match_instances(true, np.zeros((4, 4), int))
    assert empty["matched"] == 0 and empty["n_pred"] == 0
    with pytest.raises(ValueError, match="same shape"):
        metrics.match_instances(true, np.zeros((4, 5), int))
    with pytest.raises(ValueError, match=r"\(h, w\)"):
        metrics.match_instances(np.zeros((2, 4, 4), int), np.zeros((2, 4, 4), int))


def test_box_iou_matches_keras():
    import keras

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 30, size=(25, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(1, 10, size=(25, 2))], axis=1).astype(np.float32)
    theirs = np.asarray(keras.utils.bounding_boxes.compute_iou(boxes, boxes[::-1], bounding_box_format="xyxy"))
    assert np.allclose(metrics.box_iou(boxes, boxes[::-1]), theirs, atol=1e-5)

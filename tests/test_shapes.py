"""helpers.shapes: the synthetic detection and segmentation data set is deterministic and self-consistent."""

import numpy as np
import pytest
from scipy import ndimage

from helpers import shapes


def test_shapes_structure_and_determinism():
    data = shapes.make_shapes(40, size=32, max_objects=3, seed=3)
    again = shapes.make_shapes(40, size=32, max_objects=3, seed=3)
    other = shapes.make_shapes(40, size=32, max_objects=3, seed=4)
    assert data.images.shape == (40, 32, 32, 3) and data.images.dtype == np.float32
    assert 0.0 <= data.images.min() and data.images.max() <= 1.0
    assert data.masks.shape == data.instances.shape == (40, 32, 32)
    assert len(data.boxes) == len(data.classes) == len(data) == 40
    assert np.array_equal(data.images, again.images) and np.array_equal(data.instances, again.instances)
    assert not np.array_equal(data.images, other.images)
    assert data.class_names[0] == "background"


def test_labels_agree_with_each_other():
    data = shapes.make_shapes(60, size=32, max_objects=4, seed=1)
    for i in range(len(data)):
        ids = np.setdiff1d(np.unique(data.instances[i]), [0])
        assert ids.tolist() == list(range(1, len(data.boxes[i]) + 1))  # instance ids run 1..k
        assert np.array_equal(data.masks[i] > 0, data.instances[i] > 0)
        for k, (box, c) in enumerate(zip(data.boxes[i], data.classes[i])):
            rows, cols = np.nonzero(data.instances[i] == k + 1)
            assert box.tolist() == [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]  # tight, x2 exclusive
            assert np.all(data.masks[i][rows, cols] == c) and 1 <= c <= 3


def test_object_counts_respect_the_limits():
    data = shapes.make_shapes(100, size=32, max_objects=1, min_objects=1, seed=0)
    assert all(len(b) == 1 for b in data.boxes)  # one object, never hidden by another
    counts = [len(b) for b in shapes.make_shapes(100, max_objects=3, seed=0).boxes]
    assert min(counts) >= 1 and max(counts) <= 3


def test_touching_pairs_touch_and_share_a_class():
    data = shapes.make_shapes(50, size=32, max_objects=2, min_objects=2, touching=True, seed=0)
    touching = 0
    for i in range(len(data)):
        if len(data.classes[i]) == 2:
            assert data.classes[i][0] == data.classes[i][1]
            grown = ndimage.binary_dilation(data.instances[i] == 1)
            touching += bool(np.any(grown & (data.instances[i] == 2)))
    assert touching == 50


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="n_images"):
        shapes.make_shapes(0)
    with pytest.raises(ValueError, match="size"):
        shapes.make_shapes(5, size=4)
    with pytest.raises(ValueError, match="min_objects"):
        shapes.make_shapes(5, max_objects=2, min_objects=3)
    with pytest.raises(ValueError, match="touching"):
        shapes.make_shapes(5, touching=True)
    with pytest.raises(ValueError, match="radius"):
        shapes.make_shapes(5, radius=(0.3, 0.1))
    with pytest.raises(ValueError, match="n_images"):
        shapes.make_shapes(2.5)


def test_from_annotations_builds_the_same_structure():
    image = np.zeros((20, 30, 3), dtype=np.float32)
    data = shapes.from_annotations([(image, [[2, 3, 10, 12]], [1]), (image, np.zeros((0, 4)), [])], ("background", "person"))
    assert data.images.shape == (2, 20, 30, 3)
    assert data.masks[0, 3:12, 2:10].all() and data.masks[0].sum() == 8 * 9
    assert data.instances[1].max() == 0 and data.class_names == ("background", "person")
    with pytest.raises(ValueError, match="x2 < x1"):
        shapes.from_annotations([(image, [[10, 3, 2, 12]], [1])], ("background", "person"))
    with pytest.raises(ValueError, match="same|shape"):
        shapes.from_annotations([(image, [], []), (np.zeros((5, 5, 3)), [], [])], ("background", "person"))
    with pytest.raises(ValueError, match="one class per box"):
        shapes.from_annotations([(image, [[0, 0, 1, 1]], [1, 1])], ("background", "person"))
    with pytest.raises(ValueError, match="at least one"):
        shapes.from_annotations([], ("background",))

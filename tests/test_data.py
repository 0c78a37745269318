"""helpers.data: the real download path against a local file:// mirror, checksums, stand-ins."""

import dataclasses
import hashlib

import numpy as np
import pytest

from helpers import data


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A registry entry 'tiny' whose real file lives on a local mirror (publisher URL unreachable)."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    real = mirror / "tiny.npz"
    rng = np.random.default_rng(1)
    np.savez(real, x_train=rng.random((20, 4)), y_train=np.arange(20) % 2, x_test=rng.random((5, 4)), y_test=np.arange(5) % 2)
    digest = hashlib.sha256(real.read_bytes()).hexdigest()
    source = dataclasses.replace(
        data.DATASETS["mnist"],
        name="tiny",
        title="tiny real dataset",
        filename="tiny.npz",
        url=(tmp_path / "publisher" / "tiny.npz").as_uri(),  # does not exist: the publisher is down
        sha256=digest,
        size_bytes=real.stat().st_size,
        standin_title="tiny stand-in",
        standin=lambda: (np.zeros((3, 4)), np.zeros(3), np.zeros((2, 4)), np.zeros(2)),
        class_names=("even", "odd"),
    )
    monkeypatch.setitem(data.DATASETS, "tiny", source)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LAB_OFFLINE", raising=False)
    monkeypatch.setenv("LAB_DATA_MIRROR", str(mirror))
    return {"mirror": mirror, "real": real, "cache": tmp_path / "cache", "sha256": digest}


def test_download_from_mirror_is_verified_and_cached(tiny, capsys):
    loaded = data.load("tiny")
    assert not loaded.is_standin
    assert loaded.X_train.shape == (20, 4)
    assert (tiny["cache"] / "tiny.npz").exists()
    assert "stand-in" not in capsys.readouterr().out
    tiny["real"].unlink()  # the second load must come from the cache, not the mirror
    assert not data.load("tiny").is_standin


def test_mirror_given_as_file_url(tiny, monkeypatch):
    monkeypatch.setenv("LAB_DATA_MIRROR", tiny["mirror"].as_uri())
    assert not data.load("tiny").is_standin


def test_corrupt_cache_is_detected_replaced_and_kept_aside(tiny, capsys):
    data.load("tiny")
    cached = tiny["cache"] / "tiny.npz"
    cached.write_bytes(cached.read_bytes()[:100])  # truncated
    loaded = data.load("tiny")
    out = capsys.readouterr().out
    assert "failed its checksum" in out
    assert not loaded.is_standin
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == tiny["sha256"]
    assert (tiny["cache"] / "tiny.npz.corrupt").exists()


def test_mirror_file_with_wrong_hash_is_refused(tiny, capsys):
    tiny["real"].write_bytes(b"not the real file")
    loaded = data.load("tiny")
    out = capsys.readouterr().out
    assert loaded.is_standin
    assert "failed its checksum" in out and "Offline stand-in: tiny stand-in" in out
    assert not (tiny["cache"] / "tiny.npz").exists()
    assert not list(tiny["cache"].glob("*.part"))
    with pytest.raises(data.DataUnavailable, match="failed its checksum"):
        data.load("tiny", allow_standin=False)


def test_missing_file_falls_back_with_one_visible_line(tiny, capsys):
    tiny["real"].unlink()
    loaded = data.load("tiny")
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert loaded.is_standin and loaded.X_train.shape == (3, 4)
    assert len(lines) == 1 and lines[0].startswith("Offline stand-in: tiny stand-in instead of tiny real dataset")


def test_offline_flag_never_touches_the_network(tiny, monkeypatch, capsys):
    monkeypatch.setenv("LAB_OFFLINE", "1")
    loaded = data.load("tiny")
    assert loaded.is_standin
    assert "LAB_OFFLINE=1 is set" in capsys.readouterr().out
    assert not (tiny["cache"] / "tiny.npz").exists()


def test_cached_real_file_is_used_even_offline(tiny, monkeypatch):
    data.load("tiny")
    monkeypatch.setenv("LAB_OFFLINE", "1")
    assert not data.load("tiny").is_standin


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown dataset 'mnsit'; known datasets are: .*mnist"):
        data.load("mnsit")


@pytest.mark.parametrize("bad", [0, -5, 2.5, "10"])
def test_bad_sizes_are_refused(bad):
    with pytest.raises(ValueError, match="max_train must be a positive whole number"):
        data.load("digits", max_train=bad)


def test_mnist_standin_has_mnist_shapes_and_is_deterministic(monkeypatch, tmp_path):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    first = data.load("mnist")
    second = data.load("mnist", max_train=100, max_test=50)
    assert first.is_standin and "scikit-learn" in first.source
    assert first.X_train.shape[1:] == (28, 28) and first.X_train.dtype == np.uint8
    assert second.X_train.shape == (100, 28, 28) and second.X_test.shape == (50, 28, 28)
    np.testing.assert_array_equal(first.X_train[:100], second.X_train)
    assert set(np.unique(first.y_train)) == set(range(10))
    assert len(first.X_train) + len(first.X_test) == 1797


def test_every_registered_dataset_is_in_the_data_table():
    from pathlib import Path

    table = (Path(__file__).resolve().parents[1] / "data" / "README.md").read_text()
    for name, source in {**data.DATASETS, **data.TEXTS, **data.TABLES, **data.CENSUS, **data.RATINGS}.items():
        assert f"`{name}`" in table, f"{name} is missing from data/README.md"
        if source.sha256:
            assert source.sha256 in table, f"{name}'s sha256 is missing from data/README.md"


def test_status_reports_every_dataset(monkeypatch, tmp_path):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    rows = data.status()
    assert {row["dataset"] for row in rows} == set(data.DATASETS)
    assert {row["state"] for row in rows} <= {"offline stand-in", "ships with a package", "real (system package)"}


def write_idx(path, array, magic):
    """An IDX file: magic, dimensions (big-endian int32), then the uint8 data."""
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def idx_mirror(tmp_path, monkeypatch):
    """A local mirror holding MNIST-shaped raw IDX files in mnist-idx/, registered with their sha256."""
    folder = tmp_path / "mirror" / "mnist-idx"
    folder.mkdir(parents=True)
    for prefix, count in (("train", 60_000), ("t10k", 10_000)):
        images = np.zeros((count, 28, 28), np.uint8)
        images[:, 14, 14] = 7
        write_idx(folder / f"{prefix}-images-idx3-ubyte", images, 2051)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", np.arange(count) % 10, 2049)
    hashes = tuple((p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in sorted(folder.iterdir()))
    source = dataclasses.replace(data.DATASETS["mnist"], mirror_idx=("mnist-idx", hashes))
    monkeypatch.setitem(data.DATASETS, "mnist", source)
    monkeypatch.setenv("LAB_OFFLINE", "1")  # read in place: no network is needed
    monkeypatch.setenv("LAB_DATA_MIRROR", str(tmp_path / "mirror"))
    return folder


def test_mnist_is_read_in_place_from_the_mirrors_raw_idx_files(idx_mirror, capsys):
    mnist = data.load("mnist")
    assert not mnist.is_standin and "raw IDX files" in mnist.source
    assert mnist.X_train.shape == (60_000, 28, 28) and mnist.X_test.shape == (10_000, 28, 28)
    assert mnist.X_train[5, 14, 14] == 7 and mnist.y_test[:3].tolist() == [0, 1, 2]
    assert "stand-in" not in capsys.readouterr().out
    assert data.status()[0]["state"] == "real (mirror's IDX files)"


def test_a_mirror_idx_file_that_fails_its_sha256_is_skipped_and_kept(idx_mirror, capsys):
    bad = idx_mirror / "t10k-labels-idx1-ubyte"
    bad.write_bytes(bad.read_bytes()[:-1] + b"\x03")
    mnist = data.load("mnist")
    out = capsys.readouterr().out
    assert mnist.is_standin and "t10k-labels-idx1-ubyte failed its sha256 check" in out
    assert "Offline stand-in" in out and bad.exists()


# --- texts (load_text) ------------------------------------------------------------------------


@pytest.fixture
def tiny_text(tmp_path, monkeypatch):
    """A text entry whose real file sits in a local mirror folder (publisher unreachable)."""
    mirror = tmp_path / "mirror"
    (mirror / "tiny").mkdir(parents=True)
    real = mirror / "tiny" / "input.txt"
    real.write_text("First Citizen:\nBefore we proceed any further, hear me speak.\n", encoding="utf-8")
    source = dataclasses.replace(
        data.TEXTS["tinyshakespeare"],
        name="tiny_text",
        filename="tiny/input.txt",
        url=(tmp_path / "publisher" / "input.txt").as_uri(),
        sha256=hashlib.sha256(real.read_bytes()).hexdigest(),
    )
    monkeypatch.setitem(data.TEXTS, "tiny_text", source)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LAB_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("LAB_OFFLINE", "1")
    return {"mirror": mirror, "real": real, "cache": tmp_path / "cache"}


def test_text_is_read_in_place_from_a_local_mirror_even_offline(tiny_text, capsys):
    loaded = data.load_text("tiny_text")
    assert not loaded.is_standin and loaded.text.startswith("First Citizen:")
    assert "stand-in" not in capsys.readouterr().out


def test_a_mirror_text_that_fails_its_sha256_is_refused_kept_and_announced(tiny_text, capsys):
    tiny_text["real"].write_text("tampered", encoding="utf-8")
    loaded = data.load_text("tiny_text")
    out = capsys.readouterr().out
    assert loaded.is_standin and "failed its sha256 check" in out and "Offline stand-in:" in out
    assert tiny_text["real"].read_text(encoding="utf-8") == "tampered", "the bad file is kept for the user to look at"
    with pytest.raises(data.DataUnavailable, match="unavailable"):
        data.load_text("tiny_text", allow_standin=False)


def test_text_downloads_through_a_file_url_mirror_and_is_cached(tiny_text, monkeypatch):
    monkeypatch.delenv("LAB_OFFLINE")
    monkeypatch.setenv("LAB_DATA_MIRROR", tiny_text["mirror"].as_uri())
    assert not data.load_text("tiny_text").is_standin
    assert (tiny_text["cache"] / "tiny" / "input.txt").exists()


def test_unknown_text_lists_the_known_ones():
    with pytest.raises(ValueError, match="tinyshakespeare"):
        data.load_text("shakespeare")


def test_text_standin_is_announced_deterministic_and_not_passed_off_as_shakespeare(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("LAB_OFFLINE", "1")
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LAB_DATA_MIRROR", raising=False)
    first, second = data.load_text("tinyshakespeare"), data.load_text("tinyshakespeare")
    assert first.is_standin and first.text == second.text and len(first.text) == 300_000
    assert "not Shakespeare" in first.source and "not Shakespeare" in repr(first)
    assert capsys.readouterr().out.count("Offline stand-in:") == 2

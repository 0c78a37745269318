"""helpers.data.load_table: the Shuttle table read in place from river's wheel, its checks, and the announced stand-in."""

import dataclasses
import gzip
import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from helpers import data, standins

ROWS = [[50, 21, 77, 0, 28, 0, 27, 48, 22, 1], [53, 0, 82, 0, 52, -5, 29, 30, 2, 0], [37, 0, 76, 0, 28, 18, 40, 48, 8, 0],
        [37, 0, 79, 0, 34, -26, 43, 46, 2, 0], [85, 0, 88, -4, 6, 1, 3, 83, 80, 1]]


def fake_wheel(path, rows=ROWS, member=data.SHUTTLE_MEMBER):
    """A zip shaped like river's wheel: the gzipped CSV at river/datasets/shuttle.csv.gz, beside some code."""
    text = "f1,f2,f3,f4,f5,f6,f7,f8,f9,anomaly\n" + "".join(",".join(map(str, row)) + "\n" for row in rows)
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("river/__init__.py", "")
        wheel.writestr(member, gzip.compress(text.encode("ascii")))


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local mirror holding a small fake wheel, registered with its own sha256 and shape; the publisher is unreachable."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    source = data.TABLES["shuttle"]
    wheel = folder / source.filename
    fake_wheel(wheel)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    monkeypatch.setitem(data.TABLES, "shuttle", dataclasses.replace(source, sha256=digest, url=(tmp_path / "publisher" / source.filename).as_uri()))
    monkeypatch.setattr(data, "SHUTTLE_SHAPE", (5, 9, 2))
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LAB_DATA_MIRROR", str(folder))
    monkeypatch.setenv("LAB_OFFLINE", "1")  # a local mirror is read in place, so offline is fine
    return {"wheel": wheel, "sha256": digest, "cache": tmp_path / "cache"}


def test_real_path_reads_the_member_in_place(mirror, capsys):
    table = data.load_table("shuttle")
    assert not table.is_standin and "stand-in" not in capsys.readouterr().out
    assert table.X.shape == (5, 9) and table.X.dtype == np.float64
    assert table.y.tolist() == [1, 0, 0, 0, 1]
    assert table.X[1].tolist() == [53, 0, 82, 0, 52, -5, 29, 30, 2]
    assert table.feature_names == tuple(f"f{i}" for i in range(1, 10))
    assert "real" in repr(table) and "2 anomalies (40.0%)" in repr(table)
    assert not (mirror["cache"] / mirror["wheel"].name).exists(), "read in place, not copied"


def test_corrupt_wheel_is_skipped_and_the_standin_announced(mirror, capsys):
    mirror["wheel"].write_bytes(b"not a wheel")
    with pytest.raises(data.DataUnavailable, match="Statlog Shuttle .* is unavailable"):
        data.load_table(allow_standin=False)
    assert f"failed its sha256 check (expected {mirror['sha256'][:12]}" in capsys.readouterr().out
    table = data.load_table()
    assert table.is_standin and "Offline stand-in: a course-generated sensor-like table" in capsys.readouterr().out


def test_a_verified_file_of_the_wrong_shape_or_kind_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "SHUTTLE_SHAPE", (5, 9, 2))
    short = tmp_path / "short.whl"
    fake_wheel(short, rows=ROWS[:4])
    with pytest.raises(data.DataUnavailable, match=r"holds \(4, 9, 1\) \(rows, features, anomalies\), expected \(5, 9, 2\)"):
        data._parse_shuttle(short)
    empty = tmp_path / "empty.whl"
    fake_wheel(empty, member="river/datasets/other.csv.gz")
    with pytest.raises(data.DataUnavailable, match="empty.whl could not be read as river's wheel"):
        data._parse_shuttle(empty)
    garbage = tmp_path / "garbage.whl"
    garbage.write_bytes(b"garbage")
    with pytest.raises(data.DataUnavailable, match="garbage.whl could not be read"):
        data._parse_shuttle(garbage)


def test_unknown_table_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown table 'creditcard'; known tables are: shuttle"):
        data.load_table("creditcard")


def test_standin_is_announced_in_one_line_and_is_deterministic(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAB_OFFLINE", "1")
    monkeypatch.delenv("LAB_DATA_MIRROR", raising=False)
    table = data.load_table()
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("Offline stand-in: a course-generated sensor-like table")
    assert "LAB_OFFLINE=1 is set" in lines[0]
    assert table.is_standin and "not real data" in table.source and "stand-in" in repr(table)
    assert table.X.shape == (20_000, 9) and np.all(table.X == np.round(table.X))
    assert 0.06 < table.y.mean() < 0.08, "about 7 % anomalies, like the real Shuttle set"
    np.testing.assert_array_equal(data.load_table().X, table.X)
    X, y = standins.sensor_table(n=100, anomaly_rate=0.5, seed=1)
    assert X.shape == (100, 9) and 30 < y.sum() < 70
    with pytest.raises(ValueError, match="anomaly_rate must be between 0 and 1"):
        standins.sensor_table(anomaly_rate=1.5)


REAL = Path(os.environ.get("LAB_DATA_MIRROR", "") or "/nonexistent") / data.TABLES["shuttle"].filename


@pytest.mark.skipif(not REAL.is_file(), reason="the real river wheel is not in LAB_DATA_MIRROR (make mirror puts it there)")
def test_the_real_wheel_holds_the_shuttle_table(monkeypatch):
    monkeypatch.setenv("LAB_OFFLINE", "1")
    table = data.load_table(allow_standin=False)
    assert (len(table.y), table.X.shape[1], int(table.y.sum())) == (49_097, 9, 3_511)
    assert table.X[0].tolist() == [50, 21, 77, 0, 28, 0, 27, 48, 22] and table.y[0] == 1

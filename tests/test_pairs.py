"""helpers.data.load_pairs: the Ding dictionary parser, the .deb reader, the split and the announced stand-in."""

import dataclasses
import hashlib
import io
import tarfile

import pytest

from helpers import data

FAKE_DING = """# Version :: devel 2023-01-30
# License :: GPL Version 2 or later
Hund {m} | Hunde {pl} :: dog | dogs
Der Hund schläft. | Die Hunde schlafen. :: The dog is sleeping. | The dogs are sleeping.
Ich gebe auf. :: I give up.
Das ist zu kurz :: That is too short
Sei still! | Kein Paar hier :: Be quiet!
Er kommt (bald) nach Hause. :: He is coming home soon.
Sie sagt nein; er sagt ja. :: She says no; he says yes.
Wie geht’s dir heute? :: How’s it going today?
"""


def make_deb(path, payload: bytes, member: str = "./usr/share/trans/de-en") -> None:
    """A tiny .deb: an ar archive of debian-binary, control.tar.gz and data.tar.xz holding payload at member."""
    data_tar = io.BytesIO()
    with tarfile.open(fileobj=data_tar, mode="w:xz") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    control_tar = io.BytesIO()
    with tarfile.open(fileobj=control_tar, mode="w:gz"):
        pass
    out = bytearray(b"!<arch>\n")
    for name, body in (("debian-binary", b"2.0\n"), ("control.tar.gz", control_tar.getvalue()), ("data.tar.xz", data_tar.getvalue())):
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(body):<10}`\n".encode("ascii") + body
        if len(body) % 2:
            out += b"\n"
    path.write_bytes(bytes(out))


def test_parse_ding_keeps_whole_sentence_pairs_only():
    pairs = data.parse_ding(FAKE_DING)
    assert pairs == sorted([
        ("Der Hund schläft.", "The dog is sleeping."),
        ("Die Hunde schlafen.", "The dogs are sleeping."),
        ("Ich gebe auf.", "I give up."),
        ("Wie geht's dir heute?", "How's it going today?"),
    ])


def test_split_is_deterministic_disjoint_and_complete():
    pairs = [(f"Satz Nummer {k}.", f"Sentence number {k}.") for k in range(2000)]
    train, val, test = data.split_pairs(pairs)
    assert sorted(train + val + test) == sorted(pairs)
    assert not set(train) & set(test) and not set(train) & set(val)
    assert 0.05 < len(test) / len(pairs) < 0.15 and 0.05 < len(val) / len(pairs) < 0.15
    assert set(data.split_pairs(list(reversed(pairs)))[2]) == set(test), "the split depends on the sentence, not its position"


def test_deb_reader_finds_the_member(tmp_path):
    deb = tmp_path / "tiny.deb"
    make_deb(deb, FAKE_DING.encode("utf-8"))
    assert data.read_deb_member(deb, data.DING_MEMBER).decode("utf-8") == FAKE_DING


@pytest.mark.parametrize("content, message", [
    (b"not an archive at all", "is not a .deb"),
    (b"!<arch>\n", "has no data.tar member"),
])
def test_deb_reader_refuses_what_is_not_a_deb(tmp_path, content, message):
    path = tmp_path / "bad.deb"
    path.write_bytes(content)
    with pytest.raises(data.DataUnavailable, match=message):
        data.read_deb_member(path, data.DING_MEMBER)


def test_deb_reader_names_a_missing_member(tmp_path):
    deb = tmp_path / "other.deb"
    make_deb(deb, b"x", member="./usr/share/doc/other")
    with pytest.raises(data.DataUnavailable, match="has no usr/share/trans/de-en"):
        data.read_deb_member(deb, data.DING_MEMBER)


def test_truncated_or_foreign_file_is_refused_with_what_was_expected(monkeypatch):
    monkeypatch.setattr(data, "DING_MIN_PAIRS", 3)
    assert len(data._ding_pairs(FAKE_DING.encode("utf-8"), "fake")) == 4
    with pytest.raises(data.DataUnavailable, match="expected '# Version ::'"):
        data._ding_pairs(b"hello", "fake")
    with pytest.raises(data.DataUnavailable, match="expected at least 3"):
        data._ding_pairs(FAKE_DING.encode("utf-8")[:200], "fake")
    with pytest.raises(data.DataUnavailable, match="not UTF-8"):
        data._ding_pairs(b"# Version :: \xff\xfe", "fake")


@pytest.fixture
def no_system_copy(tmp_path, monkeypatch):
    """de_en with no installed copy, a local mirror folder and an unreachable publisher."""
    source = dataclasses.replace(
        data.PAIRS["de_en"], system_dirs=(str(tmp_path / "root"),), url=(tmp_path / "publisher" / "x.deb").as_uri()
    )
    monkeypatch.setitem(data.PAIRS, "de_en", source)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "DING_MIN_PAIRS", 3)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    return {"tmp": tmp_path, "mirror": mirror, "source": source}


def test_installed_copy_is_read_and_a_broken_one_skipped(no_system_copy, monkeypatch, capsys):
    monkeypatch.setenv("LAB_OFFLINE", "1")
    installed = no_system_copy["tmp"] / "root" / data.DING_MEMBER
    installed.parent.mkdir(parents=True)
    installed.write_text(FAKE_DING, encoding="utf-8")
    pairs = data.load_pairs("de_en")
    assert not pairs.is_standin and len(pairs.train + pairs.val + pairs.test) == 4
    installed.write_text("# Version :: x\n", encoding="utf-8")
    pairs = data.load_pairs("de_en")
    out = capsys.readouterr().out
    assert pairs.is_standin and "Skipping the installed copy" in out and "expected at least 3" in out


def test_deb_from_the_mirror_is_checked_cached_and_read(no_system_copy, monkeypatch):
    monkeypatch.delenv("LAB_OFFLINE", raising=False)
    deb = no_system_copy["mirror"] / no_system_copy["source"].filename
    make_deb(deb, FAKE_DING.encode("utf-8"))
    digest = hashlib.sha256(deb.read_bytes()).hexdigest()
    monkeypatch.setitem(data.PAIRS, "de_en", dataclasses.replace(no_system_copy["source"], sha256=digest))
    monkeypatch.setenv("LAB_DATA_MIRROR", str(no_system_copy["mirror"]))
    assert not data.load_pairs("de_en").is_standin
    deb.unlink()
    monkeypatch.setenv("LAB_OFFLINE", "1")
    assert not data.load_pairs("de_en").is_standin, "the cached .deb is used offline"


def test_deb_with_the_wrong_checksum_is_refused(no_system_copy, monkeypatch, capsys):
    monkeypatch.delenv("LAB_OFFLINE", raising=False)
    make_deb(no_system_copy["mirror"] / no_system_copy["source"].filename, FAKE_DING.encode("utf-8"))
    monkeypatch.setenv("LAB_DATA_MIRROR", str(no_system_copy["mirror"]))
    with pytest.raises(data.DataUnavailable, match="failed its checksum"):
        data.load_pairs("de_en", allow_standin=False)


def test_standin_is_announced_deterministic_and_not_passed_off_as_real(no_system_copy, monkeypatch, capsys):
    monkeypatch.setenv("LAB_OFFLINE", "1")
    first, second = data.load_pairs("de_en"), data.load_pairs("de_en")
    out = capsys.readouterr().out
    assert out.count("Offline stand-in:") == 2 and "not real translations" in out
    assert first.is_standin and "not real translations" in first.source and "stand-in" in repr(first)
    assert first.train == second.train and len(first.test) > 100
    assert not set(first.train) & set(first.test)
    with pytest.raises(data.DataUnavailable, match="LAB_OFFLINE"):
        data.load_pairs("de_en", allow_standin=False)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="known pairs are: de_en"):
        data.load_pairs("fr_en")


def test_pairs_are_in_the_data_table():
    from pathlib import Path

    table = (Path(__file__).resolve().parents[1] / "data" / "README.md").read_text()
    for name, source in data.PAIRS.items():
        assert f"`{name}`" in table and source.sha256 in table, f"{name} and its sha256 belong in data/README.md"

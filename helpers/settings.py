"""One setting for three budgets: the profile (smoke, cpu or gpu) and the set-up call.

A notebook never hard-codes its epochs or sample counts; it writes them once at the top::

    NUM_EPOCHS = settings.pick(smoke=2, cpu=20, gpu=40)

The profile comes from the environment variable ``LAB_PROFILE``. Left unset, it is ``gpu``
when TensorFlow sees a GPU and ``cpu`` otherwise. The test suite sets ``LAB_PROFILE=smoke``.
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import sys

PROFILES = {
    "smoke": "CI: tiny data, one or two epochs, seconds per notebook",
    "cpu": "laptops and Binder: minutes per notebook, under 2 GB of memory",
    "gpu": "a GPU: real dataset sizes, full epochs",
}
SEED = 42


_GPU: dict[str, bool] = {}


@contextlib.contextmanager
def quiet_stderr():
    """Send file descriptor 2 to /dev/null for a while: TensorFlow's C++ start-up lines ignore TF_CPP_MIN_LOG_LEVEL.

    The one place the course silences TensorFlow: ``import_tensorflow()`` and the grader use it.
    """
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


def import_tensorflow():
    """Import TensorFlow (once) with its C++ start-up lines hidden, and return it."""
    if "tensorflow" not in sys.modules:
        quiet_tensorflow()
        with quiet_stderr():
            import tensorflow

            tensorflow.config.list_physical_devices("GPU")  # the CUDA probe prints too
    tf = sys.modules["tensorflow"]
    tf.get_logger().setLevel("ERROR")
    return tf


def _gpu_visible() -> bool:
    if "answer" not in _GPU:
        try:
            tf = import_tensorflow()
            _GPU["answer"] = bool(tf.config.list_physical_devices("GPU"))
        except Exception:  # noqa: BLE001 - no TensorFlow means no GPU for us
            _GPU["answer"] = False
    return _GPU["answer"]


def profile() -> str:
    """Return the active profile name: LAB_PROFILE if set, else gpu or cpu by the hardware."""
    name = os.environ.get("LAB_PROFILE", "").strip().lower()
    if not name:
        return "gpu" if _gpu_visible() else "cpu"
    if name not in PROFILES:
        valid = ", ".join(PROFILES)
        raise ValueError(f"LAB_PROFILE={name!r} is not a profile; valid profiles are: {valid}.")
    return name


def pick(*, smoke, cpu, gpu=None):
    """Return the value for the active profile (gpu falls back to cpu when not given)."""
    values = {"smoke": smoke, "cpu": cpu, "gpu": cpu if gpu is None else gpu}
    return values[profile()]


def offline() -> bool:
    """True when LAB_OFFLINE=1 asks for the offline stand-ins instead of downloads."""
    return os.environ.get("LAB_OFFLINE", "").strip().lower() in {"1", "true", "yes"}


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules


def quiet_tensorflow() -> None:
    """Hide TensorFlow's C++ start-up logs (must run before TensorFlow is imported)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def seed_everything(seed: int = SEED) -> None:
    """Seed Python, NumPy, TensorFlow and Keras so a re-run gives the same numbers."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)


def plot_style() -> None:
    """Set the course's plot style: readable sizes, a light grid, no chart junk."""
    import matplotlib

    matplotlib.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 80,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 11,
        }
    )


def _hint_on_name_error() -> None:
    """In IPython, add a one-line hint under a NameError: the name probably lives in a cell not run yet."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def explain(shell, etype, value, tb, tb_offset=None):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        name = getattr(value, "name", None) or "this name"
        print(f"Hint: `{name}` is defined in a cell above that has not run in this kernel yet "
              "(a restart forgets everything). Run the cells above first: Run > Run All Above Selected Cell.")

    shell.set_custom_exc((NameError,), explain)


def setup(seed: int = SEED, tensorflow: bool = True) -> None:
    """Seed everything, quiet TensorFlow, set the plot style, and print one status line."""
    quiet_tensorflow()
    name = profile()
    versions = [f"Python {platform.python_version()}"]
    device = "CPU"
    if tensorflow:
        tf = import_tensorflow()
        import keras

        tf.config.experimental.enable_tensor_float_32_execution(False)  # exact float32 products on GPUs: from-scratch checks hold

        versions += [f"TensorFlow {tf.__version__}", f"Keras {keras.__version__}"]
        if tf.config.list_physical_devices("GPU"):
            device = "GPU"
    seed_everything(seed)
    plot_style()
    _hint_on_name_error()
    place = " | Colab" if in_colab() else ""
    print(f"Deep Learning Lab | profile {name} | {', '.join(versions)} | {device}{place}")

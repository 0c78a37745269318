"""The course in one place: where it lives (badges, the Colab install cell), its notebooks and labs in order."""

from __future__ import annotations

REPO = "deep-learning-lab/deep-learning-lab"  # owner/name on GitHub
BRANCH = "main"
REPO_URL = f"https://github.com/{REPO}"
PACKAGE = "deep-learning-lab-helpers"

# The concept notebooks in teaching order (their file names without .ipynb). Kept here rather than
# read from the notebooks/ folder, which a pip-installed helpers (Colab) does not have.
NOTEBOOKS = (
    "00_start_here",
    "01_single_neuron",
    "02_loss_and_gradient_descent",
    "03_backpropagation",
    "04_deep_networks_with_keras",
    "05_overfitting_and_regularization",
    "06_evaluating_models",
    "07_training_deep_networks",
    "08_training_recipe",
    "09_convolutions",
    "10_cnn_image_classification",
    "11_residual_networks",
    "12_transfer_learning",
    "13_object_detection",
    "14_segmentation",
    "15_vision_transformer",
)


# The labs in course order: their id (the notebook's file name) and title. The checks of lab
# "labNN_..." live in helpers/checks/labNN.py; adding a lab is that module plus a row here.
LABS = {
    "lab01_neuron_and_gradient_descent": "Lab 01 · A neuron and gradient descent",
    "lab02_backprop_from_scratch": "Lab 02 · Backpropagation from scratch",
    "lab03_convolutions_and_cnns": "Lab 03 · Convolutions and CNNs",
}

# The key under which a lab notebook's metadata says which lab it is (read by the grader).
METADATA_KEY = "deep_learning_lab"


def colab_badge(path: str) -> str:
    """Markdown for an 'Open in Colab' badge for a notebook path inside the repository."""
    url = f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{path}"
    return f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def binder_badge(path: str = "notebooks/00_start_here.ipynb") -> str:
    """Markdown for a Binder badge that opens JupyterLab on a notebook."""
    url = f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=lab/tree/{path}"
    return f"[![Binder](https://mybinder.org/badge_logo.svg)]({url})"


def install_cell() -> str:
    """Source of every notebook's first code cell: install helpers when missing (Colab), else nothing."""
    return (
        "# Set-up: on Colab (or anywhere helpers is missing) install the course's helper package.\n"
        "import importlib.util\nimport subprocess\nimport sys\n"
        "\n"
        'if importlib.util.find_spec("helpers") is None:\n'
        f'    url = "{PACKAGE} @ git+{REPO_URL}@{BRANCH}"\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", url], check=True)'
    )

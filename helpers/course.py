"""The course in one place: where it lives (badges, the Colab install cell), its notebooks and labs in order."""

from __future__ import annotations

from dataclasses import dataclass

REPO = "deep-learning-lab/deep-learning-lab"  # owner/name on GitHub
BRANCH = "main"
REPO_URL = f"https://github.com/{REPO}"
PACKAGE = "deep-learning-lab-helpers"


@dataclass(frozen=True)
class Notebook:
    """One concept notebook: its title (after "NN · "), its part, the minutes a learner spends on it in
    the cpu profile (reading, running and answering included) and what it teaches, in one line."""

    title: str
    part: str
    minutes: int
    summary: str


PART_I = "Part I · From one neuron to deep networks"
PART_II = "Part II · Vision"
PART_III = "Part III · Sequences and language"
PART_IV = "Part IV · Representation learning and generative models"
PART_V = "Part V · Responsible and practical deep learning"

# The concept notebooks in teaching order, by file name without .ipynb. Kept here rather than read
# from the notebooks/ folder, which a pip-installed helpers (Colab) does not have. This table is the
# one source of every notebook's title and time: `python tools/stamp.py` writes them into each
# notebook's title cell, README's syllabus and 00_start_here's table (and --check finds them stale).
NOTEBOOKS: dict[str, Notebook] = {
    "00_start_here": Notebook("Start here", PART_I, 10, "how the course works; an environment, data and widget check"),
    "01_single_neuron": Notebook("The single neuron", PART_I, 45, "weighted sum, bias, activation; the perceptron rule; a logistic neuron; `Dense(1)`"),
    "02_loss_and_gradient_descent": Notebook("Loss and gradient descent", PART_I, 50, "MSE and cross-entropy; gradient descent in 1-D and 2-D; learning rates; batch, mini-batch and stochastic updates"),
    "03_backpropagation": Notebook("Backpropagation", PART_I, 75, "computational graphs and the chain rule; a scalar autograd engine; backprop for an MLP; gradient checking against `tf.GradientTape`"),
    "04_deep_networks_with_keras": Notebook("Deep networks with Keras", PART_I, 60, "an MLP on MNIST; Sequential and functional APIs; evaluation and a confusion matrix; from scratch against Keras"),
    "05_overfitting_and_regularization": Notebook("Overfitting and regularisation", PART_I, 60, "capacity against data; learning curves; L2, dropout, early stopping, augmentation; AdamW's decoupled weight decay; several seeds"),
    "06_evaluating_models": Notebook("Evaluating models", PART_I, 50, "variance across seeds; precision, recall, F1, ROC and PR curves written out; k-fold cross-validation on small data"),
    "07_training_deep_networks": Notebook("Training deep networks", PART_I, 60, "initialisation; activations; batch normalisation; SGD, momentum, RMSProp and Adam; schedules"),
    "08_training_recipe": Notebook("A training and debugging recipe", PART_I, 60, "the initial loss; overfitting one batch; a learning-rate range test; gradient and update-ratio monitoring in a custom `train_step`; clipping; label smoothing; checkpoints and `.keras` saving"),
    "09_convolutions": Notebook("Convolutions", PART_II, 45, "what a filter does to a photograph; padding, stride, pooling, receptive field; convolution in NumPy against `Conv2D`"),
    "10_cnn_image_classification": Notebook("CNNs for image classification", PART_II, 50, "a CNN on MNIST and Fashion-MNIST against the Part I MLP at equal parameters; feature maps and filters; augmentation"),
    "11_residual_networks": Notebook("Residual networks", PART_II, 45, "degradation of deep plain networks; the residual block and its Jacobian in NumPy against Keras; gradients through depth; a small ResNet with projection shortcuts"),
    "12_transfer_learning": Notebook("Transfer learning and fine-tuning", PART_II, 45, "pretraining a backbone; freezing it and training a new head; fine-tuning with a small learning rate; against training from scratch on a small dataset"),
    "13_object_detection": Notebook("Object detection", PART_II, 65, "boxes and IoU; single-object localisation; a YOLO-style grid detector; non-maximum suppression; mAP@0.5 on synthetic shapes (the real-data path shown)"),
    "14_segmentation": Notebook("Segmentation", PART_II, 70, "pixel accuracy and mean IoU; transposed convolutions; a small U-Net; instance segmentation of touching objects; mask-IoU matching"),
    "15_vision_transformer": Notebook("Vision transformers", PART_II, 65, "patches and patch embedding; position embeddings; LayerNorm; self-attention from scratch against Keras; a small ViT against a CNN; attention maps"),
    "16_recurrent_networks": Notebook("Recurrent networks", PART_III, 50, "a simple RNN and backpropagation through time in NumPy against `SimpleRNN`; vanishing and exploding gradients over sequence length; gradient clipping"),
    "17_lstm_and_forecasting": Notebook("LSTMs, GRUs and time-series forecasting", PART_III, 60, "the LSTM and GRU gates written out against Keras; windows without look-ahead; forecasting a real series against naive and seasonal-naive baselines; multi-step forecasts; anomalies"),
    "18_text_classification": Notebook("Text classification", PART_III, 55, "tokens and `TextVectorization`; embeddings; a bag of embeddings against a 1D CNN and a bidirectional LSTM on real emails (spam or not); what the embedding space learnt"),
    "19_sequence_to_sequence": Notebook("Sequence to sequence with attention", PART_III, 60, "an encoder-decoder GRU with teacher forcing; additive attention and its alignment matrix; greedy and beam decoding; BLEU and chrF written out"),
    "20_attention_and_transformers": Notebook("Attention and transformers from scratch", PART_III, 60, "scaled dot-product and multi-head attention in NumPy against `MultiHeadAttention`; causal masks; positional encodings; a transformer block"),
    "21_small_gpt": Notebook("A small GPT", PART_III, 60, "a character-level decoder-only transformer on tiny-shakespeare; temperature and top-k sampling; perplexity; the KV cache"),
    "22_question_answering": Notebook("Question answering", PART_III, 50, "extractive QA as predicting a span's start and end with a transformer encoder; exact match and F1 written out"),
    "23_autoencoders": Notebook("Autoencoders", PART_IV, 50, "an undercomplete autoencoder against PCA (a linear one finds PCA's subspace); denoising; the latent space drawn"),
    "24_anomaly_detection": Notebook("Anomaly and fraud detection", PART_IV, 45, "reconstruction error on a heavily imbalanced real table against an isolation forest; precision-recall curves and PR-AUC; a threshold chosen for a stated cost"),
    "25_variational_autoencoders": Notebook("Variational autoencoders", PART_IV, 55, "the reparameterisation trick written out; the ELBO's two terms tracked; sampling and interpolating in the latent space"),
    "26_gans": Notebook("Generative adversarial networks", PART_IV, 65, "a DCGAN with a custom `train_step`; minimax and non-saturating losses; mode collapse shown; a conditional GAN; a measured sample-quality score"),
    "27_diffusion": Notebook("Diffusion models", PART_IV, 60, "the forward noising process written out; a denoiser; DDPM sampling on 2-D data and small digits"),
    "28_interpretability": Notebook("Interpretability", PART_V, 55, "saliency and integrated gradients written out (completeness checked); Grad-CAM on the course's CNN; a sanity check with randomised weights"),
    "29_adversarial_examples": Notebook("Adversarial examples", PART_V, 55, "FGSM and PGD written out; accuracy against epsilon; adversarial training and what it costs in clean accuracy"),
    "30_fairness": Notebook("Fairness and bias", PART_V, 50, "demographic parity and equalised odds written out on a real table with a protected attribute; thresholds per group and the trade-off measured; checked against fairlearn"),
    "31_privacy": Notebook("Privacy", PART_V, 60, "a membership-inference attack on an overfit model; DP-SGD (per-example clipping and noise) written out; the privacy-utility trade-off with epsilon from a real accountant"),
    "32_recommendations": Notebook("Recommendations", PART_V, 50, "embeddings and matrix factorisation against global and per-item baselines; a two-tower retrieval model; top-k metrics"),
    "33_distributed_training": Notebook("Scaling out with tf.distribute", PART_V, 45, "data parallelism written out; MirroredStrategy over two CPU devices and MultiWorkerMirroredStrategy over two local processes; the speed-up measured and explained"),
}


# The labs in course order: their id (the notebook's file name) and title. The checks of lab
# "labNN_..." live in helpers/checks/labNN.py; adding a lab is that module plus a row here.
LABS = {
    "lab01_neuron_and_gradient_descent": "Lab 01 · A neuron and gradient descent",
    "lab02_backprop_from_scratch": "Lab 02 · Backpropagation from scratch",
    "lab03_convolutions_and_cnns": "Lab 03 · Convolutions and CNNs",
    "lab04_recurrent_cells_and_bptt": "Lab 04 · Recurrent cells and backpropagation through time",
    "lab05_attention_and_transformer_block": "Lab 05 · Attention and a transformer block",
    "lab06_vae_and_gan_losses": "Lab 06 · A VAE's loss and a GAN's training step",
    "lab07_adversarial_robustness": "Lab 07 · Attacks and adversarial training",
}

# The key under which a lab notebook's metadata says which lab it is (read by the grader).
METADATA_KEY = "deep_learning_lab"


def syllabus(links: str = "notebooks/", with_time: bool = True) -> str:
    """The course's notebooks as markdown tables, one per part (README's syllabus, 00_start_here's table).

    links is the folder prefix of each notebook's link ("notebooks/" from the README, "" from a notebook).
    """
    lines: list[str] = []
    for part in dict.fromkeys(nb.part for nb in NOTEBOOKS.values()):
        head = "| notebook | you will learn |" + (" time |" if with_time else "")
        lines += ["" if lines else None, f"**{part}**", "", head, "|---|---|" + ("---:|" if with_time else "")]
        for name, nb in NOTEBOOKS.items():
            if nb.part == part:
                row = f"| [{name[:2]} · {nb.title}]({links}{name}.ipynb) | {nb.summary} |"
                lines.append(row + (f" {nb.minutes} min |" if with_time else ""))
    return "\n".join(line for line in lines if line is not None)


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

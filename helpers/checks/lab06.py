"""Lab 06's checks: a VAE's loss (notebook 25) and a GAN's training step (notebook 26). References come from
TensorFlow and Keras (``reference.py``), from numerical integration for the KL term, and from
``tf.GradientTape`` for the GAN step; the usual mistakes are written out here."""

from __future__ import annotations

import numpy as np

from helpers import settings
from helpers.checks import reference
from helpers.checks.framework import Failed, Tester, check, get_parts, lab_id

LAB = lab_id("lab06")
LAB06_LR = 0.5  # the SGD learning rate of both players in exercise 6.5's check

__all__ = ["LAB06_LR", "lab06_gan_models"]  # and the checks


def lab06_gan_models(seed: int = 0, noise_dim: int = 2, data_dim: int = 2, hidden: int = 8) -> tuple:
    """A tiny generator (noise -> Dense(hidden, tanh) -> Dense(data_dim)) and discriminator
    (data -> Dense(hidden, tanh) -> Dense(1), a logit), Keras models whose weights come from ``seed``."""
    for name, value in (("noise_dim", noise_dim), ("data_dim", data_dim), ("hidden", hidden)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    settings.import_tensorflow()
    import keras

    return _gan_models(keras, seed, noise_dim, data_dim, hidden)


def _gan_models(keras, seed, noise_dim=2, data_dim=2, hidden=8):
    """lab06_gan_models built with the given keras module: the grader passes the submission kernel's, so the models live there."""
    rng = np.random.default_rng(seed)
    models = []
    for name, n_in, n_out in (("generator", noise_dim, data_dim), ("discriminator", data_dim, 1)):
        model = keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(hidden, activation="tanh"), keras.layers.Dense(n_out)], name=name)
        model.set_weights([
            rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_in, hidden)).astype("float32"), rng.normal(0.0, 0.3, hidden).astype("float32"),
            rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, n_out)).astype("float32"), rng.normal(0.0, 0.3, n_out).astype("float32"),
        ])
        models.append(model)
    return tuple(models)


def prepare() -> None:
    """Import TensorFlow and run each reference once (the grader calls this before any submission runs)."""
    generator, discriminator = lab06_gan_models()
    reference.tape_gan_train_step(generator.get_weights(), discriminator.get_weights(), np.zeros((2, 2)), np.zeros((2, 2)), LAB06_LR)
    reference.keras_vae_loss(np.full((1, 2), 0.5), np.full((1, 2), 0.5), np.zeros((1, 1)), np.zeros((1, 1)))
    reference.keras_gan_losses(np.zeros(2), np.zeros(2))


def _as_float(value) -> float:
    numpy = getattr(value, "numpy", None)  # a tensor, here or in the submission's kernel (where the grader runs it)
    return float(np.asarray(numpy() if callable(numpy) else value))


def _numbers(values) -> np.ndarray:
    """What the learner returned as an array of floats (tensors included), or as objects when it is not numbers."""
    try:
        return np.array([_as_float(v) for v in values])
    except (TypeError, ValueError, AttributeError):
        return np.array(list(values), dtype=object)


# --- the usual mistakes, written out --------------------------------------------------------------

_REPARAMETERIZE_MISTAKES = {
    "log_var as sigma": "log_var was used as the standard deviation: sigma = np.exp(0.5 * log_var), then z = mu + sigma * eps",
    "no half": "np.exp(log_var) is the variance sigma^2, not sigma: the standard deviation is np.exp(0.5 * log_var)",
    "minus half": "the sign of the exponent is flipped: sigma = np.exp(+0.5 * log_var)",
    "no mu": "the mean is missing: z = mu + sigma * eps",
}


def _reparameterize(mu, log_var, eps, mistake=None):
    sigma = {"log_var as sigma": log_var, "no half": np.exp(log_var), "minus half": np.exp(-0.5 * log_var)}.get(mistake, np.exp(0.5 * log_var))
    return (0.0 if mistake == "no mu" else mu) + sigma * eps


_KL_MISTAKES = {
    "no half": "the factor 1/2 is missing: KL = -0.5 * sum(1 + log_var - mu**2 - exp(log_var))",
    "sign": "the sign is flipped: KL >= 0, and KL = -0.5 * sum(1 + log_var - mu**2 - exp(log_var))",
    "mean over dims": "that is a mean over the latent dimensions: the KL of independent dimensions is their sum, np.sum(..., axis=-1)",
    "sigma for variance": "np.exp(0.5 * log_var) is sigma; the formula needs the variance sigma^2 = np.exp(log_var)",
}


def _kl(mu, log_var, mistake=None):
    variance = np.exp(0.5 * log_var) if mistake == "sigma for variance" else np.exp(log_var)
    terms = 1.0 + log_var - mu**2 - variance
    total = terms.mean(axis=-1) if mistake == "mean over dims" else terms.sum(axis=-1)
    return {"no half": -1.0, "sign": 0.5}.get(mistake, -0.5) * total


def _kl_by_integration(mu, log_var):
    """KL(N(mu, exp(log_var)) || N(0, 1)) summed over the last axis, each dimension integrated numerically (scipy.integrate.quad)."""
    from scipy import integrate  # imported on first use: `from helpers import checks` stays light

    def one(m, lv):
        s = np.exp(0.5 * lv)

        def integrand(z):
            log_q = -0.5 * (np.log(2 * np.pi) + lv + (z - m) ** 2 / s**2)
            log_p = -0.5 * (np.log(2 * np.pi) + z**2)
            return np.exp(log_q) * (log_q - log_p)

        return integrate.quad(integrand, m - 15 * s, m + 15 * s, epsabs=1e-12, epsrel=1e-12, limit=200)[0]

    mu, log_var = np.broadcast_arrays(np.asarray(mu, dtype=float), np.asarray(log_var, dtype=float))
    return np.vectorize(one)(mu, log_var).sum(axis=-1)


_VAE_LOSS_MISTAKES = {
    "mean over pixels": "the reconstruction term was averaged over the pixels: the ELBO needs each image's binary cross-entropy "
    "summed over its pixels (a mean shrinks it by the number of pixels against the KL term)",
    "no KL": "the KL term is missing: loss = mean over the batch of (reconstruction + kl_to_standard_normal(mu, log_var))",
    "sum over batch": "the batch was summed: average the per-image negative ELBO over the batch (np.mean)",
    "KL mean over dims": "the KL term was averaged over the latent dimensions: sum them (kl_to_standard_normal's axis=-1)",
    "reconstruction sign": "the reconstruction term has the wrong sign: binary cross-entropy is -sum(x log x_hat + (1 - x) log(1 - x_hat)), >= 0",
}


def _vae_loss(X, X_hat, mu, log_var, mistake=None):
    bce = -(X * np.log(X_hat) + (1 - X) * np.log(1 - X_hat))
    reconstruction = bce.mean(axis=-1) if mistake == "mean over pixels" else bce.sum(axis=-1)
    if mistake == "reconstruction sign":
        reconstruction = -reconstruction
    kl = 0.0 if mistake == "no KL" else _kl(mu, log_var, "mean over dims" if mistake == "KL mean over dims" else None)
    per_image = reconstruction + kl
    return float(per_image.sum() if mistake == "sum over batch" else per_image.mean())


def _softplus(a):
    return np.logaddexp(0.0, a)


_DISCRIMINATOR_MISTAKES = {
    "swapped labels": "the labels are swapped: real samples are labelled 1, mean(softplus(-real_logits)), and generated ones 0, "
    "mean(softplus(fake_logits))",
    "sigmoid twice": "the logits went through a sigmoid before a loss that takes logits: use the logits themselves "
    "(softplus(-logits) is -log(sigmoid(logits)))",
    "half": "that is the average of the two halves: the discriminator's loss is their sum, as Keras's DCGAN example and notebook 26 add them",
    "no fakes": "only the real half is there: add mean(softplus(fake_logits)), the cross-entropy of generated samples labelled 0",
}

_GENERATOR_MISTAKES = {
    "minimax": "that is the minimax loss mean(log(1 - D(G(z)))) = -mean(softplus(fake_logits)), which saturates when D wins: "
    "the non-saturating loss is -mean(log D(G(z))) = mean(softplus(-fake_logits))",
    "sigmoid twice": "the logits went through a sigmoid before a loss that takes logits: use the logits themselves",
    "label 0": "that labels the generated samples 0, as the discriminator does: the generator wants them called real, label 1",
}

_STABLE_HINT = ("nan or inf for large logits: log(sigmoid(x)) overflows; write -log(sigmoid(x)) as softplus(-x) "
                "(keras.ops.softplus) or use keras.losses.binary_crossentropy(..., from_logits=True)")


def _sigmoid(a):
    with np.errstate(over="ignore"):  # exp(800) is inf, and 1 / (1 + inf) is the 0 wanted
        return 1.0 / (1.0 + np.exp(-a))


def _discriminator_loss(real, fake, mistake=None):
    if mistake == "sigmoid twice":
        real, fake = _sigmoid(real), _sigmoid(fake)
    if mistake == "swapped labels":
        return float(np.mean(_softplus(real)) + np.mean(_softplus(-fake)))
    real_half, fake_half = np.mean(_softplus(-real)), np.mean(_softplus(fake))
    return float({"half": 0.5 * (real_half + fake_half), "no fakes": real_half}.get(mistake, real_half + fake_half))


def _generator_loss(fake, mistake=None):
    if mistake == "sigmoid twice":
        fake = _sigmoid(fake)
    return float({"minimax": -np.mean(_softplus(fake)), "label 0": np.mean(_softplus(fake))}.get(mistake, np.mean(_softplus(-fake))))


_GAN_STEP_MISTAKES = {
    "generator first": "the generator stepped first: this step trains the discriminator first, then the generator against the "
    "updated discriminator",
    "old discriminator": "the generator's loss came from the discriminator as it was before its step (both losses computed "
    "before either update): after d_optimizer's step, run the updated discriminator on the fakes again for the generator's loss",
    "generator with D's loss": "the generator was updated with the discriminator's loss, so it helps the discriminator: its "
    "gradient is that of generator_loss(discriminator(generator(noise)))",
    "no fakes": "the discriminator was not trained on fakes: its loss is discriminator_loss(discriminator(real), "
    "discriminator(generator(noise)))",
    "generator moved in D step": "the generator also moved during the discriminator's step: take the discriminator's gradients "
    "with respect to discriminator.trainable_variables only (the fakes are constants for it)",
    "discriminator moved in G step": "the discriminator also moved during the generator's step: apply the generator's gradients "
    "to generator.trainable_variables only",
    "minimax": "the generator used the minimax loss -mean(softplus(fake_logits)): use the non-saturating generator_loss",
}


def _gan_step(generator_weights, discriminator_weights, real, noise, lr, mistake=None):
    """One SGD step of each player in float64, as reference.tape_gan_train_step, or with one of _GAN_STEP_MISTAKES."""
    tf = settings.import_tensorflow()
    mlp = reference._tanh_mlp
    G = [tf.Variable(np.asarray(w, dtype=float)) for w in generator_weights]
    D = [tf.Variable(np.asarray(w, dtype=float)) for w in discriminator_weights]
    real, noise = tf.constant(np.asarray(real, dtype=float)), tf.constant(np.asarray(noise, dtype=float))

    def d_loss_of(with_fakes=True):
        loss = tf.reduce_mean(tf.nn.softplus(-mlp(D, real)))
        return loss + tf.reduce_mean(tf.nn.softplus(mlp(D, mlp(G, noise)))) if with_fakes else loss

    def g_loss_of():
        fake_logits = mlp(D, mlp(G, noise))
        return -tf.reduce_mean(tf.nn.softplus(fake_logits)) if mistake == "minimax" else tf.reduce_mean(tf.nn.softplus(-fake_logits))

    def apply(loss, tape, variables):
        for variable, grad in zip(variables, tape.gradient(loss, variables)):
            variable.assign_sub(lr * grad)

    def d_step():
        with tf.GradientTape() as tape:
            loss = d_loss_of(mistake != "no fakes")
        apply(loss, tape, D + G if mistake == "generator moved in D step" else D)
        return loss

    def g_step():
        with tf.GradientTape() as tape:
            loss = d_loss_of() if mistake == "generator with D's loss" else g_loss_of()
        apply(loss, tape, G + D if mistake == "discriminator moved in G step" else G)
        return loss

    if mistake == "generator first":
        g_loss = g_step()
        d_loss = d_step()
    elif mistake == "old discriminator":
        with tf.GradientTape(persistent=True) as tape:
            d_loss, g_loss = d_loss_of(), g_loss_of()
        d_grads, g_grads = tape.gradient(d_loss, D), tape.gradient(g_loss, G)
        for variable, grad in zip(D + G, d_grads + g_grads):
            variable.assign_sub(lr * grad)
    else:
        d_loss = d_step()
        g_loss = g_step()
    return float(d_loss), float(g_loss), [v.numpy() for v in G], [v.numpy() for v in D]


def _flat(weights) -> np.ndarray:
    return np.concatenate([np.asarray(w, dtype=float).ravel() for w in weights])


# --- exercise 6.1: the reparameterisation trick ------------------------------------------------


@check(LAB, "exercise 6.1", "reparameterize (z = mu + sigma * eps)", needs=("reparameterize",))
def check_reparameterize(t: Tester, reparameterize) -> None:
    """Check reparameterize(mu, log_var, eps) against TensorFlow's mu + exp(log_var / 2) * eps."""
    rng = np.random.default_rng(61)
    mu, log_var, eps = rng.normal(size=(4, 3)), rng.normal(0.0, 1.5, size=(4, 3)), rng.normal(size=(4, 3))
    for what, case in [("4 examples, 3 latent dimensions", (mu, log_var, eps)),
                       ("a single code (1-D arrays)", (mu[0], np.full(3, -1.0), eps[0]))]:
        t.close(
            f"{what}: z = mu + exp(0.5 * log_var) * eps",
            lambda case=case: reparameterize(*(a.copy() for a in case)),
            reference.tf_reparameterize(*case),
            rtol=1e-9,
            atol=1e-12,
            mistakes=[(hint, _reparameterize(*case, k)) for k, hint in _REPARAMETERIZE_MISTAKES.items()],
        )


# --- exercise 6.2: the KL term --------------------------------------------------------------------


@check(LAB, "exercise 6.2", "kl_to_standard_normal (closed form, per example)", needs=("kl_to_standard_normal",))
def check_kl_to_standard_normal(t: Tester, kl_to_standard_normal) -> None:
    """Check kl_to_standard_normal(mu, log_var), one value per row, against KL(q || p) integrated numerically."""
    rng = np.random.default_rng(62)
    mu, log_var = rng.normal(size=(5, 3)), rng.normal(0.0, 1.0, size=(5, 3))
    cases = [("5 examples, 3 latent dimensions", mu, log_var),
             ("the prior itself (mu = 0, log_var = 0) and a code far from it", np.array([[0.0, 0.0], [3.0, -1.0]]), np.array([[0.0, 0.0], [-4.0, 2.0]]))]
    for what, m, lv in cases:
        t.close(
            f"{what}: matches KL(q || N(0, I)) integrated numerically",
            lambda m=m, lv=lv: kl_to_standard_normal(m.copy(), lv.copy()),
            _kl_by_integration(m, lv),
            rtol=1e-7,
            atol=1e-9,
            mistakes=[(hint, _kl(m, lv, k)) for k, hint in _KL_MISTAKES.items()],
            shape_hints={m.shape: "one value per example: sum over the latent dimensions, np.sum(..., axis=-1)"},
        )


# --- exercise 6.3: the negative ELBO ----------------------------------------------------------------


@check(LAB, "exercise 6.3", "vae_loss (the negative ELBO of a batch)", needs=("vae_loss",))
def check_vae_loss(t: Tester, vae_loss) -> None:
    """Check vae_loss(X, X_hat, mu, log_var) against Keras's binary_crossentropy times the pixels plus the KL, averaged over the batch."""
    rng = np.random.default_rng(63)
    for what, batch, pixels, latent in [("6 images of 20 pixels, 3 latent dimensions", 6, 20, 3), ("2 images of 64 pixels, 2 latent dimensions", 2, 64, 2)]:
        X = (rng.uniform(size=(batch, pixels)) < 0.3).astype(float)
        X[:, :3] = rng.uniform(size=(batch, 3))  # a few grey pixels: targets in [0, 1]
        X_hat = rng.uniform(0.02, 0.98, size=(batch, pixels))
        mu, log_var = rng.normal(size=(batch, latent)), rng.normal(0.0, 0.7, size=(batch, latent))
        t.close(
            f"{what}: one number, the mean over the batch of (summed binary cross-entropy + KL)",
            lambda X=X, X_hat=X_hat, mu=mu, log_var=log_var: vae_loss(X.copy(), X_hat.copy(), mu.copy(), log_var.copy()),
            reference.keras_vae_loss(X, X_hat, mu, log_var),
            rtol=1e-7,
            atol=1e-9,
            mistakes=[(hint, _vae_loss(X, X_hat, mu, log_var, k)) for k, hint in _VAE_LOSS_MISTAKES.items()],
            shape_hints={(batch,): "that is one value per image: average them over the batch"},
        )


# --- exercise 6.4: the GAN's losses -----------------------------------------------------------------


def _logit_cases(rng):
    return [
        ("8 real and 8 generated logits", rng.normal(1.0, 2.0, size=(8, 1)), rng.normal(-1.0, 2.0, size=(8, 1))),
        ("huge logits (+-800): a stable loss", np.array([[800.0], [-800.0], [2.0]]), np.array([[-800.0], [800.0], [0.5]])),
    ]


@check(LAB, "exercise 6.4", "discriminator_loss (from logits: real 1, generated 0)", needs=("discriminator_loss",))
def check_discriminator_loss(t: Tester, discriminator_loss) -> None:
    """Check discriminator_loss(real_logits, fake_logits) against keras.losses.BinaryCrossentropy(from_logits=True)."""
    for what, real, fake in _logit_cases(np.random.default_rng(64)):
        t.close(
            f"{what}: BCE(1, real_logits) + BCE(0, fake_logits)",
            lambda real=real, fake=fake: discriminator_loss(real.copy(), fake.copy()),
            reference.keras_gan_losses(real, fake)[0],
            rtol=1e-6,
            atol=1e-9,
            mistakes=[(hint, _discriminator_loss(real, fake, k)) for k, hint in _DISCRIMINATOR_MISTAKES.items()],
            nonfinite_hint=_STABLE_HINT,
        )


@check(LAB, "exercise 6.4", "generator_loss (non-saturating, from logits)", needs=("generator_loss",))
def check_generator_loss(t: Tester, generator_loss) -> None:
    """Check generator_loss(fake_logits) against keras.losses.BinaryCrossentropy(from_logits=True) with the fakes labelled 1."""
    for what, real, fake in _logit_cases(np.random.default_rng(64)):
        t.close(
            f"{what}: BCE(1, fake_logits), the non-saturating loss",
            lambda fake=fake: generator_loss(fake.copy()),
            reference.keras_gan_losses(real, fake)[1],
            rtol=1e-6,
            atol=1e-9,
            mistakes=[(hint, _generator_loss(fake, k)) for k, hint in _GENERATOR_MISTAKES.items()],
            nonfinite_hint=_STABLE_HINT,
        )


# --- exercise 6.5: one training step of a GAN ----------------------------------------------------------


@check(LAB, "exercise 6.5", "gan_train_step (one step of each player, matches tf.GradientTape)", needs=("gan_train_step", "keras"))
def check_gan_train_step(t: Tester, gan_train_step, keras) -> None:
    """Check gan_train_step(generator, discriminator, g_optimizer, d_optimizer, real, noise) on tiny fixed models with SGD(LAB06_LR):
    the weights after the step and the two losses returned, against a float64 step with tf.GradientTape. The models and
    optimisers are built with the notebook's keras (so that, under the grader, they live in the submission's kernel)."""
    rng = np.random.default_rng(65)
    for what, seed, batch in [("models of seed 0, a batch of 8", 0, 8), ("models of seed 1, a batch of 16", 1, 16)]:
        generator, discriminator = t.get("the tiny models, built with your notebook's keras", lambda seed=seed: _gan_models(keras, seed))
        g_before = [np.asarray(w, dtype=float) for w in generator.get_weights()]
        d_before = [np.asarray(w, dtype=float) for w in discriminator.get_weights()]
        real = rng.normal([2.0, -1.0], 0.5, size=(batch, 2)).astype("float32")
        noise = rng.normal(size=(batch, 2)).astype("float32")
        d_loss, g_loss, g_after, d_after = reference.tape_gan_train_step(g_before, d_before, real, noise, LAB06_LR)
        name = f"{what}: gan_train_step returns d_loss, g_loss"
        try:
            call = lambda g=generator, d=discriminator, real=real, noise=noise: gan_train_step(  # noqa: E731
                g, d, keras.optimizers.SGD(LAB06_LR), keras.optimizers.SGD(LAB06_LR), real.copy(), noise.copy())
            got = get_parts(t, name, call, 2, "return d_loss, g_loss: the discriminator's loss, then the generator's")
        except Failed:
            continue
        variants = {k: _gan_step(g_before, d_before, real, noise, LAB06_LR, k) for k in _GAN_STEP_MISTAKES}
        for index, part, expected in [(3, "discriminator", d_after), (2, "generator", g_after)]:
            model = discriminator if part == "discriminator" else generator
            t.compare(
                f"{what}: the {part}'s weights after the step match (to 1e-5)",
                _flat(model.get_weights()),
                _flat(expected),
                rtol=1e-5,
                atol=1e-5,
                mistakes=[(hint, _flat(variants[k][index])) for k, hint in _GAN_STEP_MISTAKES.items()],
            )
        t.compare(
            f"{what}: the losses returned, d_loss (before the step) and g_loss (against the updated discriminator)",
            _numbers(got),
            np.array([d_loss, g_loss]),
            rtol=1e-5,
            atol=1e-5,
            mistakes=[(hint, np.array(variants[k][:2])) for k, hint in _GAN_STEP_MISTAKES.items()]
            + [("the losses are in the wrong order: return d_loss, g_loss", np.array([g_loss, d_loss]))],
        )

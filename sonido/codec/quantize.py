"""The stochastic quantizer of SQ-VAE / HQ-VAE (Takida et al. 2022, 2024).

A Gaussian dequantization ``z ~ N(b_k, s²I)`` with a learned variance ``s²`` gives the
code posterior ``q(k | z) ∝ exp(-||z - b_k||² / 2s²)``. Training draws a Gumbel-softmax
relaxation of it, inference takes the argmax (the nearest code). The latent part of the
ELBO is ``Σ q log q`` (KL to a uniform prior, up to a constant) plus
``||z - z_q||² / 2s²``. As training proceeds ``s²`` shrinks by itself ("self-annealing")
and the soft codes harden: no EMA, no dead-code restarts, no commitment weight. Follows
sony/sqvae ``GaussianVectorQuantizer`` and yukara-ikemiya/minimal-sqvae (``s² =
sigmoid(θ)·2·s²_init``, codebook initialised from encoder outputs).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from sonido.codec.codebook import (
    Codebook,
    QuantizerOutput,
    code_stats,
    flatten_latents,
    squared_distances,
    unflatten_latents,
)  # fmt: skip


class StochasticQuantizer(Codebook):
    """SQ-VAE's Gaussian stochastic quantizer. ``[B, D, T] -> QuantizerOutput``.

    Args:
        codebook_size: ``K``.
        dim: ``D``.
        temperature: Gumbel-softmax temperature at step 0.
        temperature_decay: per-step exponential decay of the temperature.
        temperature_min: floor of the temperature.
        variance_ratio: ``s² = sigmoid(θ) · variance_ratio · s²_init`` (see
            :class:`sonido.codec.config.HQVAEConfig`).
    """

    def __init__(
        self, codebook_size: int, dim: int, temperature: float = 1.0,
        temperature_decay: float = 1e-4, temperature_min: float = 0.1, variance_ratio: float = 2.0,
    ):  # fmt: skip
        super().__init__(codebook_size, dim)
        self.weight = nn.Parameter(torch.randn(codebook_size, dim))
        # s² = sigmoid(θ) · ratio · s²_init: starts at ratio/2 · s²_init, never above ratio · s²_init.
        self.var_logit = nn.Parameter(torch.zeros(()))
        self.register_buffer("var_init", torch.ones(()))
        self.register_buffer("step", torch.zeros((), dtype=torch.long))
        self.temperature0, self.temperature_decay, self.temperature_min = temperature, temperature_decay, temperature_min
        self.variance_ratio = variance_ratio

    @property
    def codebook(self) -> torch.Tensor:
        return self.weight

    def _set_codebook(self, values: torch.Tensor) -> None:
        self.weight.data.copy_(values)

    @torch.no_grad()
    def init_from(self, x: torch.Tensor) -> None:
        super().init_from(x)
        # Start soft: s² at the latents' total spread makes distances between codes of
        # order s², so the posterior over codes starts broad and anneals as s² shrinks.
        self.var_init.fill_(float(x.var(0).sum().clamp(min=1e-6)))

    @property
    def variance(self) -> torch.Tensor:
        return torch.sigmoid(self.var_logit) * self.variance_ratio * self.var_init

    @property
    def temperature(self) -> float:
        return max(self.temperature_min, self.temperature0 * math.exp(-self.temperature_decay * int(self.step)))

    def forward(self, z: torch.Tensor) -> QuantizerOutput:
        batch = z.shape[0]
        x = flatten_latents(z)  # [N, D]
        if not self.training:
            # Inference is a nearest-code lookup: the ELBO's terms (a softmax over every
            # code at every position) are training-only, so they are not computed.
            codes = squared_distances(x, self.weight).argmin(-1)
            perplexity, usage = code_stats(codes, self.codebook_size)
            return QuantizerOutput(
                quantized=unflatten_latents(self.weight[codes], batch), codes=codes.reshape(batch, -1),
                loss=x.new_zeros(()), perplexity=perplexity, usage=usage,
            )  # fmt: skip
        if not bool(self.initialized):
            self.init_from(x.detach())
        precision = 0.5 / self.variance
        logits = -precision * squared_distances(x, self.weight)  # [N, K]
        log_probs = F.log_softmax(logits, -1)
        codes = logits.argmax(-1)
        # Gumbel noise as -log(-log U): on CPU, twice as fast as F.gumbel_softmax's exponential_().
        u = torch.rand_like(logits).clamp_(min=1e-12)
        weights = F.softmax((logits - torch.log(-torch.log(u))) / self.temperature, -1)
        quantized = weights @ self.weight
        self.step += 1
        # KL(q || uniform) = Σ q log q + log K per position: zero when q is uniform.
        kl_discrete = ((log_probs.exp() * log_probs).sum() + x.shape[0] * math.log(self.codebook_size)) / batch
        kl_continuous = (precision * (x - quantized).pow(2)).sum() / batch
        perplexity, usage = code_stats(codes, self.codebook_size)
        return QuantizerOutput(
            quantized=unflatten_latents(quantized, batch), codes=codes.reshape(batch, -1),
            loss=kl_discrete + kl_continuous, perplexity=perplexity, usage=usage,
        )  # fmt: skip

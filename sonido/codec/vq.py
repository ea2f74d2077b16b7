"""The deterministic baseline: VQ-VAE quantization with EMA codebook updates (Jukebox).

Nearest-neighbour codes, a straight-through gradient, a commitment loss of weight
``commitment`` (0.02 in Jukebox), and codebook vectors tracked as exponential moving
averages of the latents assigned to them. No dead-code restarts here: the benchmark
compares the bare heuristics against the stochastic quantizer at the same budget.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F

from sonido.codec.codebook import (
    Codebook,
    QuantizerOutput,
    code_stats,
    flatten_latents,
    squared_distances,
    unflatten_latents,
)  # fmt: skip


class EMAVectorQuantizer(Codebook):
    """VQ with EMA codebook updates. ``[B, D, T] -> QuantizerOutput``."""

    def __init__(self, codebook_size: int, dim: int, commitment: float = 0.02, decay: float = 0.99, eps: float = 1e-5):
        super().__init__(codebook_size, dim)
        self.commitment, self.decay, self.eps = commitment, decay, eps
        self.register_buffer("embed", torch.zeros(codebook_size, dim))
        self.register_buffer("embed_sum", torch.zeros(codebook_size, dim))
        self.register_buffer("counts", torch.ones(codebook_size))

    @property
    def codebook(self) -> torch.Tensor:
        return self.embed

    def _set_codebook(self, values: torch.Tensor) -> None:
        self.embed.copy_(values)
        self.embed_sum.copy_(values)
        self.counts.fill_(1.0)

    @torch.no_grad()
    def _ema_update(self, x: torch.Tensor, codes: torch.Tensor) -> None:
        onehot = F.one_hot(codes, self.codebook_size).type_as(x)  # [N, K]
        counts, sums = onehot.sum(0), onehot.t() @ x
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(counts)
            dist.all_reduce(sums)
        self.counts.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        self.embed_sum.mul_(self.decay).add_(sums, alpha=1 - self.decay)
        n = self.counts.sum()
        smoothed = (self.counts + self.eps) / (n + self.codebook_size * self.eps) * n  # Laplace smoothing
        self.embed.copy_(self.embed_sum / smoothed[:, None])

    def forward(self, z: torch.Tensor) -> QuantizerOutput:
        batch = z.shape[0]
        x = flatten_latents(z)
        if self.training and not bool(self.initialized):
            self.init_from(x.detach())
        codes = squared_distances(x.detach(), self.embed).argmin(-1)
        chosen = self.embed[codes]
        if self.training:
            self._ema_update(x.detach(), codes)
        commit = self.commitment * (x - chosen.detach()).pow(2).sum() / batch
        quantized = x + (chosen - x).detach()  # straight-through
        perplexity, usage = code_stats(codes, self.codebook_size)
        return QuantizerOutput(
            quantized=unflatten_latents(quantized, batch), codes=codes.reshape(batch, -1),
            loss=commit, perplexity=perplexity, usage=usage,
        )  # fmt: skip

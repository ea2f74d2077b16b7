"""What every quantizer shares: the codebook, its data-driven initialisation, code
statistics, and the result type.

Shapes: latents ``[B, D, T]``; codes ``[B, T]`` (int64); codebook ``[K, D]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass
class QuantizerOutput:
    """Result of quantizing ``[B, D, T]`` latents.

    Attributes:
        quantized: ``[B, D, T]`` what the decoder sees (soft codes while training an SQ).
        codes: ``[B, T]`` nearest codes (argmax of the logits).
        loss: scalar sum over positions of the quantizer's terms, averaged over the batch
            (training mode; zero at inference for the stochastic quantizer).
        perplexity: ``exp(entropy)`` of the batch's code histogram.
        usage: fraction of the codebook used at least once in the batch.
    """

    quantized: torch.Tensor
    codes: torch.Tensor
    loss: torch.Tensor
    perplexity: torch.Tensor
    usage: torch.Tensor


def code_stats(codes: torch.Tensor, codebook_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Perplexity (``exp`` of the histogram's entropy) and usage fraction of ``codes``.

    A uniform use of ``n`` codes has perplexity ``n``; one code only has perplexity 1.
    """
    counts = torch.bincount(codes.reshape(-1), minlength=codebook_size).float()
    p = counts / counts.sum().clamp(min=1)
    entropy = -(p * torch.log(p.clamp(min=1e-12))).sum()
    return entropy.exp(), (counts > 0).float().mean()


def flatten_latents(z: torch.Tensor) -> torch.Tensor:
    """``[B, D, T] -> [B*T, D]``."""
    return z.permute(0, 2, 1).reshape(-1, z.shape[1])


def unflatten_latents(x: torch.Tensor, batch: int) -> torch.Tensor:
    """``[B*T, D] -> [B, D, T]``."""
    return x.reshape(batch, -1, x.shape[-1]).permute(0, 2, 1)


def squared_distances(x: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """``||x_i - b_k||²`` for ``x [N, D]``, ``codebook [K, D]`` -> ``[N, K]``."""
    return (x.pow(2).sum(1, keepdim=True) - 2 * x @ codebook.t() + codebook.pow(2).sum(1)[None]).clamp(min=0)


class Codebook(nn.Module):
    """Base class: a ``[K, D]`` codebook initialised from the first batch of latents.

    Starting from encoder outputs (rather than noise) puts every code where the data is:
    the initialisation Jukebox and minimal-sqvae use. Under DDP rank 0's pick is broadcast.
    """

    def __init__(self, codebook_size: int, dim: int):
        super().__init__()
        self.codebook_size = codebook_size
        self.dim = dim
        self.register_buffer("initialized", torch.tensor(False))

    @property
    def codebook(self) -> torch.Tensor:  # [K, D]
        raise NotImplementedError

    def _set_codebook(self, values: torch.Tensor) -> None:
        raise NotImplementedError

    @torch.no_grad()
    def init_from(self, x: torch.Tensor) -> None:
        """Set the codebook to random rows of ``x [N, D]`` (with a little noise if N < K)."""
        reps = -(-self.codebook_size // x.shape[0])
        pool = x.repeat(reps, 1)
        if reps > 1:
            pool = pool + 0.01 * x.std() * torch.randn_like(pool)
        values = pool[torch.randperm(pool.shape[0], device=x.device)[: self.codebook_size]].clone()
        if dist.is_available() and dist.is_initialized():
            dist.broadcast(values, 0)
        self._set_codebook(values)
        self.initialized.fill_(True)

    def lookup(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes ``[B, T]`` -> latents ``[B, D, T]``."""
        return self.codebook[codes].permute(0, 2, 1)

    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """Latents ``[B, D, T]`` -> nearest codes ``[B, T]``."""
        d = squared_distances(flatten_latents(z), self.codebook)
        return d.argmin(-1).reshape(z.shape[0], -1)

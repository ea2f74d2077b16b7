"""Running a prior over a long token sequence in windows to get its hidden states.

The prior's context is finite (``config.context`` tokens), so a long sequence is cut into
windows of ``context`` tokens that overlap by ``overlap``; each position's features come
from the window in which it has at least ``overlap`` tokens of left context (the first
positions of the sequence excepted). The Transformer is causal, so nothing to the right
of a position affects it. Memory is bounded by one window; the result is deterministic.
"""

from __future__ import annotations

import torch

from sonido.prior.prior import Prior


def prior_hidden(
    prior: Prior, tokens: torch.Tensor, upper: torch.Tensor | None, layers: tuple[int, ...], overlap: int | None = None
) -> torch.Tensor:
    """Mean of the tapped layers' hidden states for ``tokens [B, N]``: ``[B, N, D]``.

    Same arguments as :func:`prior_layers`.
    """
    return prior_layers(prior, tokens, upper, layers, overlap).mean(0)


def prior_layers(
    prior: Prior, tokens: torch.Tensor, upper: torch.Tensor | None, layers: tuple[int, ...], overlap: int | None = None
) -> torch.Tensor:
    """Each tapped layer's hidden states for ``tokens [B, N]``: ``[len(layers), B, N, D]``.

    Args:
        prior: the level's prior.
        tokens: the level's tokens.
        upper: ``[B, N / ratio]`` tokens of the level above (conditioned priors), else ``None``.
        layers: layer indices to tap.
        overlap: left context given to every window after the first (default: a quarter
            of the context).
    """
    ctx = prior.config.context
    ratio = prior.config.upsample_ratio if upper is not None else 1
    overlap = ctx // 4 if overlap is None else overlap
    if not 0 <= overlap < ctx:
        raise ValueError(f"overlap must be in [0, {ctx}), got {overlap}")
    b, n = tokens.shape
    out = None
    filled = 0
    while filled < n:
        start = 0 if filled == 0 else max(0, min(filled - overlap, n - ctx))
        start -= start % ratio  # keep the upper window aligned
        end = min(start + ctx, n)
        up = None if upper is None else upper[:, start // ratio : -(-end // ratio)]
        hidden = prior(tokens[:, start:end], up, taps=layers, logits=False).hidden
        h = torch.stack([hidden[i] for i in layers])  # (L, B, T, D)
        if out is None:
            out = h.new_empty(len(layers), b, n, h.shape[-1])
        out[:, :, filled:end] = h[:, :, filled - start :]
        filled = end
    return out

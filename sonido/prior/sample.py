"""Ancestral sampling from the priors with a KV cache, and music generation.

``sample_level`` draws one level's tokens: temperature, top-k and top-p (nucleus)
filtering; an optional prompt to continue; past the prior's context it slides a window
(the last ``context - hop`` tokens re-prime a fresh cache). ``generate`` samples top
tokens, then mid tokens conditioned on them, and decodes top+mid through the codec (the
bottom level is not needed: the codec decodes from top+mid).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch

from sonido.codec.tokenizer import Tokens
from sonido.prior.prior import Prior
from sonido.prior.transformer import KVCache


@dataclass(frozen=True)
class SamplingConfig:
    """How to draw tokens: ``temperature`` > 0; ``top_k`` 0 = off; ``top_p`` 1.0 = off."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0

    def __post_init__(self):
        if self.temperature <= 0 or self.top_k < 0 or not 0 < self.top_p <= 1:
            raise ValueError(f"invalid sampling settings {self}")


def filter_logits(logits: torch.Tensor, top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    """Set to -inf every logit outside the top-k and outside the smallest set of
    tokens whose probability reaches ``top_p``. ``[B, V] -> [B, V]``."""
    logits = logits.clone()
    if top_k > 0:
        kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]
        logits[logits < kth] = float("-inf")
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        probs = torch.softmax(sorted_logits, dim=-1)
        # Drop a token when the mass before it already reaches top_p (the first always stays).
        drop = probs.cumsum(-1) - probs >= top_p
        sorted_logits[drop] = float("-inf")
        logits = torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)
    return logits


def _draw(logits: torch.Tensor, cfg: SamplingConfig, gen: torch.Generator | None) -> torch.Tensor:
    probs = torch.softmax(filter_logits(logits / cfg.temperature, cfg.top_k, cfg.top_p), dim=-1)
    return torch.multinomial(probs, 1, generator=gen)  # (B, 1)


@torch.no_grad()
def sample_level(
    prior: Prior,
    length: int,
    batch: int = 1,
    prompt: torch.Tensor | None = None,
    upper: torch.Tensor | None = None,
    sampling: SamplingConfig = SamplingConfig(),
    hop: int | None = None,
    generator: torch.Generator | None = None,
    label: torch.Tensor | None = None,
) -> torch.Tensor:
    """``[B, length]`` tokens (the prompt included at the start, when given).

    Args:
        prior: the level's prior.
        length: total tokens.
        prompt: ``[B, p]`` tokens to continue.
        upper: ``[B, length / ratio]`` tokens of the level above (conditioned priors).
        hop: tokens generated per window once the context is full (default: half of it).
        label: ``[B]`` label ids (priors trained with label conditioning).
    """
    ctx = prior.config.context
    ratio = prior.config.upsample_ratio if upper is not None else 1
    hop = hop or ctx // 2
    hop -= hop % ratio
    if not 0 < hop <= ctx:
        raise ValueError(f"hop must be in (0, {ctx}] and a multiple of {ratio}")
    out = prompt.clone() if prompt is not None else torch.zeros(batch, 0, dtype=torch.long)
    batch = out.shape[0]
    start = 0
    while out.shape[1] < length:
        # A window [start, start + ctx): re-prime a cache with the tokens already in it.
        cache = KVCache.empty(prior.config.layers)
        up = None if upper is None else prior.upper_conditioning(upper[:, start // ratio : (start + ctx) // ratio])
        logits = prior.step(None, cache, batch, up, label)
        for t in range(start, out.shape[1]):
            logits = prior.step(out[:, t : t + 1], cache, batch, up, label)
        while out.shape[1] < min(length, start + ctx):
            nxt = _draw(logits, sampling, generator)
            out = torch.cat([out, nxt], dim=1)
            if out.shape[1] < min(length, start + ctx):
                logits = prior.step(nxt, cache, batch, up, label)
        start += hop
    return out[:, :length]


@torch.no_grad()
def _label_ids(prior: Prior, label: str | None, batch: int) -> torch.Tensor | None:
    """``[B]`` ids of ``label`` for a prior trained with those label names (else ``None``)."""
    if label is None or prior.label is None:
        return None
    names = prior.config.label_names
    if label not in names:
        raise ValueError(f"unknown label {label!r}; the {prior.config.level} prior knows {list(names)}")
    return torch.full((batch,), names.index(label), dtype=torch.long)


@torch.no_grad()
def generate(model, seconds: float, prompt: Tokens | None = None, sampling: SamplingConfig = SamplingConfig(),
             seed: int | None = None, label: str | None = None) -> torch.Tensor:  # fmt: skip
    """Audio ``[B, 1, T]`` of about ``seconds``: sampled top tokens, mid tokens conditioned
    on them, decoded from top+mid. ``prompt`` tokens (e.g. of a prompt audio) are continued;
    ``label`` (e.g. a collection) steers the priors that were trained with label conditioning."""
    if label is not None and all(p.label is None for p in model.priors.values()):
        raise ValueError("this model's priors were trained without label conditioning")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    codec = model.codec
    n_top = max(1, round(seconds * codec.frame_rate("top")))
    if prompt is not None and prompt.top.shape[-1] >= n_top:
        warnings.warn(f"the prompt ({prompt.top.shape[-1] / codec.frame_rate('top'):.1f} s) is not shorter than the "
                      f"requested {seconds:.1f} s: nothing new is generated and the output is the prompt, cut to "
                      f"{seconds:.1f} s", stacklevel=2)  # fmt: skip
    batch = 1 if prompt is None else prompt.top.shape[0]
    top = sample_level(model.priors["top"], n_top, batch=batch, prompt=None if prompt is None else prompt.top,
                       sampling=sampling, generator=gen, label=_label_ids(model.priors["top"], label, batch))  # fmt: skip
    mid = sample_level(model.priors["mid"], 4 * n_top, batch=batch, upper=top,
                       prompt=None if prompt is None else prompt.mid, sampling=sampling, generator=gen,
                       label=_label_ids(model.priors["mid"], label, batch))  # fmt: skip
    bottom = torch.zeros(top.shape[0], 16 * n_top, dtype=torch.long)  # unused: decoded from top+mid
    return codec.decode(Tokens(top, mid, bottom), levels=("top", "mid"))

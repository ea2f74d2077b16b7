"""Reconstruction quality and code statistics of a codec over a dataset split.

Used by ``bench/codec.py`` and ``sonido boost``.
"""

from __future__ import annotations

import statistics

import torch

from sonido.codec.codebook import code_stats
from sonido.codec.losses import mel_distance, si_sdr, stft_distance
from sonido.codec.stream import decode_windowed, encode_windowed
from sonido.codec.tokenizer import LEVELS, Tokenizer

DEPTHS = {"top": ("top",), "top+mid": ("top", "mid"), "all": LEVELS}


def evaluate_codec(model: Tokenizer, dataset, split: str = "test", max_seconds: float = 20.0, limit: int | None = None) -> dict:
    """Mean mel distance, SI-SDR and MR-STFT distance per decode depth, and per-level
    perplexity / usage of the codes, over the first ``max_seconds`` of each item.

    Args:
        model: the codec.
        dataset: a :class:`sonido.data.datasets.Dataset`.
        split: which split.
        max_seconds: seconds evaluated per item.
        limit: at most this many items.
    """
    scores = {d: {"mel_distance": [], "si_sdr": [], "stft": []} for d in DEPTHS}
    codes = {lv: [] for lv in LEVELS}
    items = dataset.split(split)[:limit]
    hop = model.hop_length("top")
    for item in items:
        audio, _ = dataset.load(item, sample_rate=model.sample_rate, mono=True)
        x = audio[None, :, : int(max_seconds * model.sample_rate)]
        x = x[..., : max(hop, x.shape[-1] // hop * hop)]
        tokens = encode_windowed(model, x)
        for lv in LEVELS:
            codes[lv].append(tokens[lv].reshape(-1))
        for depth, levels in DEPTHS.items():
            y = decode_windowed(model, tokens, levels)[..., : x.shape[-1]]
            scores[depth]["mel_distance"].append(mel_distance(y, x, model.sample_rate).item())
            scores[depth]["si_sdr"].append(si_sdr(y, x).item())
            scores[depth]["stft"].append(stft_distance(y, x).item())
    out = {
        "items": len(items),
        "seconds_per_item": max_seconds,
        "reconstruction": {d: {k: round(statistics.mean(v), 4) for k, v in m.items()} for d, m in scores.items()},
        "codes": {},
    }
    for lv in LEVELS:
        ppl, usage = code_stats(torch.cat(codes[lv]), model.codebook_size(lv))
        out["codes"][lv] = {"perplexity": round(ppl.item(), 2), "usage_pct": round(100 * usage.item(), 2),
                            "codebook_size": model.codebook_size(lv)}  # fmt: skip
    return out

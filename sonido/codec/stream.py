"""Encoding and decoding long audio in windows, with bounded memory.

Encoding: windows of ``window`` top frames overlapping by ``overlap`` top frames; each
window's tokens are kept only in its centre (half the overlap is trimmed at each inner
edge), so every kept token saw at least ``overlap/2`` frames of context on both sides.
Tokens then equal one-shot tokens wherever the encoder's receptive field fits in that
context. Decoding: token windows are decoded and the audio cross-faded with
:func:`sonido.audio.overlap_add`.
"""

from __future__ import annotations

import torch

from sonido.audio import overlap_add
from sonido.codec.tokenizer import LEVELS, Tokenizer, Tokens


def _check(window: int, overlap: int) -> None:
    if window <= 0 or overlap < 0 or overlap % 2 or overlap >= window:
        raise ValueError(f"need window > overlap >= 0 with an even overlap, got window={window}, overlap={overlap}")


def encode_windowed(
    model: Tokenizer, audio: torch.Tensor, window: int = 1024, overlap: int = 64, levels: tuple[str, ...] = LEVELS
) -> Tokens:
    """Tokens of ``audio [B, 1, T]`` computed ``window`` top frames at a time.

    Args:
        window: top frames per window (1024 ≈ 6 s at 22.05 kHz).
        overlap: top frames shared by neighbouring windows (even).
        levels: which levels to compute (see ``Tokenizer.encode``); the others are ``[B, 0]``.
    """
    _check(window, overlap)
    hop_top = model.hop_length("top")
    frames = -(-audio.shape[-1] // hop_top)
    if frames <= window:
        return model.encode(audio, levels)
    step, half = window - overlap, overlap // 2
    kept: dict[str, list[torch.Tensor]] = {lv: [] for lv in LEVELS}
    start = 0
    while True:
        seg = audio[..., start * hop_top : (start + window) * hop_top]
        tok = model.encode(seg, levels)
        n = tok.top.shape[-1]
        last = start + n >= frames
        lo = 0 if start == 0 else half
        hi = n if last else n - half
        for lv in LEVELS:
            ratio = hop_top // model.hop_length(lv)
            kept[lv].append(tok[lv][:, lo * ratio : hi * ratio])
        if last:
            break
        start += step
    return Tokens(**{lv: torch.cat(kept[lv], dim=-1) for lv in LEVELS})


def decode_windowed(
    model: Tokenizer, tokens: Tokens, levels: tuple[str, ...] = LEVELS, window: int = 1024, overlap: int = 64
) -> torch.Tensor:
    """Audio ``[B, 1, frames_top * hop]`` from tokens, ``window`` top frames at a time."""
    _check(window, overlap)
    frames = tokens.top.shape[-1]
    if frames <= window:
        return model.decode(tokens, levels)
    hop_top = model.hop_length("top")
    step = window - overlap
    n = -(-(frames - overlap) // step)
    pieces = []
    for i in range(n):
        s = i * step
        win = {}
        for lv in LEVELS:
            ratio = hop_top // model.hop_length(lv)
            t = tokens[lv][:, s * ratio : (s + window) * ratio]
            win[lv] = torch.nn.functional.pad(t, (0, window * ratio - t.shape[-1]))  # code 0 past the end
        pieces.append(model.decode(Tokens(**win), levels))  # [B, 1, window * hop]
    stacked = torch.stack(pieces, dim=-2)  # [B, 1, N, window * hop]
    return overlap_add(stacked, step * hop_top, frames * hop_top)


def encode_file(model: Tokenizer, path, window: int = 1024, overlap: int = 64) -> Tokens:
    """Read an audio file (any rate or channel count: resampled and downmixed) and tokenize it."""
    from sonido.audio import load

    audio, _ = load(path, sample_rate=model.sample_rate, mono=True)  # [1, T]
    return encode_windowed(model, audio[None], window, overlap)

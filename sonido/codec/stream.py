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


class WindowedEncoder:
    """Tokenizes audio pushed in pieces of any size, ``window`` top frames at a time.

    Gives exactly the tokens of :func:`encode_windowed` on the whole signal, holding at
    most one window of audio: a window is encoded once audio beyond it has arrived (so it
    is known not to be the last) or at :meth:`finish`.

    Args:
        model: the tokenizer.
        window: top frames per window (1024 ≈ 6 s at 22.05 kHz).
        overlap: top frames shared by neighbouring windows (even).
        levels: which levels to compute (see ``Tokenizer.encode``); the others are ``[B, 0]``.
    """

    def __init__(self, model: Tokenizer, window: int = 1024, overlap: int = 64, levels: tuple[str, ...] = LEVELS):
        _check(window, overlap)
        self.model, self.window, self.overlap, self.levels = model, window, overlap, levels
        self.hop = model.hop_length("top")
        self.ratios = {lv: self.hop // model.hop_length(lv) for lv in LEVELS}
        self._buffer: torch.Tensor | None = None  # [B, 1, samples] from top frame self._start on
        self._start = 0

    def push(self, audio: torch.Tensor) -> Tokens | None:
        """Add ``audio [B, 1, t]``; return the tokens that became final (``None`` if none)."""
        self._buffer = audio if self._buffer is None else torch.cat([self._buffer, audio], dim=-1)
        kept = []
        while self._buffer.shape[-1] > self.window * self.hop:  # more audio follows this window
            kept.append(self._encode_window(last=False))
        return _cat(kept)

    def finish(self) -> Tokens | None:
        """Encode what is left (the signal has ended); ``None`` if nothing was pushed."""
        if self._buffer is None or self._buffer.shape[-1] == 0:
            return None
        kept = []
        while True:
            last = self._buffer.shape[-1] <= self.window * self.hop
            kept.append(self._encode_window(last))
            if last:
                return _cat(kept)

    def _encode_window(self, last: bool) -> Tokens:
        tok = self.model.encode(self._buffer[..., : self.window * self.hop], self.levels)
        n = tok.top.shape[-1]
        half = self.overlap // 2
        lo = 0 if self._start == 0 else half
        hi = n if last else n - half
        step = self.window - self.overlap
        if not last:
            self._buffer = self._buffer[..., step * self.hop :]
            self._start += step
        return Tokens(**{lv: tok[lv][:, lo * r : hi * r] for lv, r in self.ratios.items()})


def _cat(chunks: list[Tokens]) -> Tokens | None:
    if not chunks:
        return None
    return Tokens(**{lv: torch.cat([c[lv] for c in chunks], dim=-1) for lv in LEVELS})


def encode_windowed(
    model: Tokenizer, audio: torch.Tensor, window: int = 1024, overlap: int = 64, levels: tuple[str, ...] = LEVELS
) -> Tokens:
    """Tokens of ``audio [B, 1, T]`` computed ``window`` top frames at a time.

    Args:
        window: top frames per window (1024 ≈ 6 s at 22.05 kHz).
        overlap: top frames shared by neighbouring windows (even).
        levels: which levels to compute (see ``Tokenizer.encode``); the others are ``[B, 0]``.
    """
    encoder = WindowedEncoder(model, window, overlap, levels)
    return _cat([t for t in (encoder.push(audio), encoder.finish()) if t is not None])


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

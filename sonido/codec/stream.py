"""Encoding and decoding long audio in windows, with bounded memory.

Encoding: windows of ``window`` top frames overlapping by ``overlap`` top frames; each
window's tokens are kept only in its centre (half the overlap is trimmed at each inner
edge), so every kept token saw at least ``overlap/2`` frames of context on both sides.
Tokens then equal one-shot tokens wherever the encoder's receptive field fits in that
context. Decoding: token windows are decoded and the audio cross-faded with
:class:`sonido.audio.OverlapAdd`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from sonido.audio import OverlapAdd
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


def decode_blocks(
    model: Tokenizer, tokens, levels: tuple[str, ...] = LEVELS, window: int = 1024, overlap: int = 64
) -> Iterator[torch.Tensor]:
    """Audio ``[B, 1, n]`` pieces of :func:`decode_windowed`'s output, one per window.

    ``tokens`` is a :class:`Tokens` or any mapping of level -> ``[B, frames]`` array that
    slices lazily (the memory-mapped arrays of :class:`~sonido.codec.tokenfile.TokenFile`),
    so hours of tokens decode holding one window.
    """
    _check(window, overlap)
    frames = tokens["top"].shape[-1]
    if frames <= window:
        yield model.decode(Tokens(**{lv: _as_codes(tokens[lv][:, :]) for lv in LEVELS}), levels)
        return
    hop_top = model.hop_length("top")
    step = window - overlap
    ola = OverlapAdd(window * hop_top, step * hop_top)
    left = frames * hop_top
    for i in range(-(-(frames - overlap) // step)):
        s = i * step
        win = {}
        for lv in LEVELS:
            ratio = hop_top // model.hop_length(lv)
            t = _as_codes(tokens[lv][:, s * ratio : (s + window) * ratio])
            win[lv] = torch.nn.functional.pad(t, (0, window * ratio - t.shape[-1]))  # code 0 past the end
        done = ola.push(model.decode(Tokens(**win), levels))[..., :left]  # [B, 1, step * hop]
        left -= done.shape[-1]
        yield done
    tail = ola.finish()
    if tail is not None and left > 0:
        yield tail[..., :left]


def decode_windowed(
    model: Tokenizer, tokens: Tokens, levels: tuple[str, ...] = LEVELS, window: int = 1024, overlap: int = 64
) -> torch.Tensor:
    """Audio ``[B, 1, frames_top * hop]`` from tokens, ``window`` top frames at a time."""
    return torch.cat(list(decode_blocks(model, tokens, levels, window, overlap)), dim=-1)


def _as_codes(codes) -> torch.Tensor:
    return codes.long() if isinstance(codes, torch.Tensor) else torch.from_numpy(np.array(codes, dtype=np.int64))


def encode_blocks(model: Tokenizer, path, window: int = 1024, overlap: int = 64, levels: tuple[str, ...] = LEVELS,
                  progress=None) -> Iterator[Tokens]:  # fmt: skip
    """Tokens of an audio file of any length (any rate or channel count: resampled and
    downmixed while streamed from disk), piece by piece; equal to :func:`encode_windowed`
    on the loaded file up to the streaming resampler. ``progress``: an optional
    :class:`~sonido.progress.AudioTask`-like object with ``advance(seconds)``."""
    from sonido.audio_reader import AudioReader

    encoder = WindowedEncoder(model, window, overlap, levels)
    for block in AudioReader(path, model.sample_rate).blocks():
        tokens = encoder.push(block[None])
        if progress is not None:
            progress.advance(block.shape[-1] / model.sample_rate)
        if tokens is not None:
            yield tokens
    tokens = encoder.finish()
    if tokens is not None:
        yield tokens


def encode_file(model: Tokenizer, path, window: int = 1024, overlap: int = 64) -> Tokens:
    """Tokens of a whole audio file in memory (see :func:`encode_blocks`)."""
    return _cat(list(encode_blocks(model, path, window, overlap)))

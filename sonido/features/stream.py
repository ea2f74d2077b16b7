"""SoniDo features of audio that arrives in pieces: codec windows, then prior windows.

:class:`FeatureStream` chains :class:`~sonido.codec.stream.WindowedEncoder` and one
:class:`~sonido.features.extract.PriorWindows` per level, so features of an hours-long
file are computed holding one codec window of audio and about one prior context of
tokens. Its output equals :meth:`sonido.model.SoniDo.extract` on the whole signal
(which is this stream fed once).
"""

from __future__ import annotations

import torch

from sonido.codec.stream import WindowedEncoder
from sonido.codec.tokenizer import LEVELS, Tokens
from sonido.features.extract import PriorWindows


class FeatureStream:
    """Push model-rate audio ``[B, 1, t]`` in pieces; get each level's new frames back.

    Args:
        model: a :class:`sonido.model.SoniDo`.
        levels: feature levels (``top`` and/or ``mid``).
        layers: tapped layers per level; several are averaged, as in ``SoniDo.extract``.
        stack: keep the tapped layers apart: ``[B, f, L, D]`` instead of their mean ``[B, f, D]``.
        overlap: prior windows' left context (default: a quarter of the context).
        window, codec_overlap: the codec's window and overlap in top frames.
    """

    def __init__(self, model, levels: tuple[str, ...], layers: dict[str, tuple[int, ...]], overlap: int | None = None,
                 window: int = 1024, codec_overlap: int = 64, stack: bool = False):  # fmt: skip
        finest = max(LEVELS.index(lv) for lv in levels)
        self.levels, self.layers, self.stack = tuple(levels), {lv: tuple(layers[lv]) for lv in levels}, stack
        self.encoder = WindowedEncoder(model.codec, window, codec_overlap, levels=LEVELS[: finest + 1])
        self.windows = {lv: PriorWindows(model.priors[lv], self.layers[lv], conditioned=lv != "top", overlap=overlap)
                        for lv in levels}  # fmt: skip

    def push(self, audio: torch.Tensor) -> dict[str, torch.Tensor]:
        """Add audio; returns ``{level: [B, f, D]}`` (``[B, f, L, D]`` when stacking) for the
        levels that have new final frames."""
        return self._feed(self.encoder.push(audio), finish=False)

    def finish(self) -> dict[str, torch.Tensor]:
        """The remaining frames once the audio has ended."""
        return self._feed(self.encoder.finish(), finish=True)

    def _feed(self, tokens: Tokens | None, finish: bool) -> dict[str, torch.Tensor]:
        out = {}
        for lv, windows in self.windows.items():
            parts = []
            if tokens is not None:
                parts.append(windows.push(tokens[lv], tokens.top if lv != "top" else None))
            if finish:
                parts.append(windows.finish())
            # (L, B, f, D) -> the layers' mean, or the stack (B, f, L, D)
            parts = [p.permute(1, 2, 0, 3) if self.stack else p.mean(0) for p in parts if p is not None]
            out[lv] = torch.cat(parts, dim=1) if parts else None
        return {lv: v for lv, v in out.items() if v is not None}

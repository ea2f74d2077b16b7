"""The HQ-VAE's bottom-up encoder and top-down decoder.

Encoder: waveform ``[B, 1, T]`` -> features at hops 8, 32 and 128 (``h_bottom [B, W, T/8]``,
``h_mid [B, W, T/32]``, ``h_top [B, W, T/128]``), one stack of stride-2 blocks feeding the
next (SQ-VAE-2's bottom-up path).

Decoder: the top-down path. The quantized top latent is decoded to a context at the mid
rate; the mid level is quantized *given* that context (injected top-down), its code adds
to the context, which is decoded to the bottom rate, and so on down to the waveform. A
level can be left out by zeroing its contribution (``keep`` masks): trained with level
dropout, the same decoder renders top-only and top+mid reconstructions.
"""

from __future__ import annotations

import torch
from torch import nn

from sonido.codec.config import HQVAEConfig
from sonido.nn.resnet import DownBlock, UpBlock


def _stack(block, n: int, width: int, cfg: HQVAEConfig) -> nn.Sequential:
    return nn.Sequential(*[block(width, width, cfg.depth, cfg.dilation_growth) for _ in range(n)])


class Encoder(nn.Module):
    """``[B, 1, T] -> {"bottom": [B, W, T/8], "mid": [B, W, T/32], "top": [B, W, T/128]}``."""

    def __init__(self, cfg: HQVAEConfig):
        super().__init__()
        w = cfg.width
        self.stem = nn.Conv1d(1, w, 3, padding=1)
        self.bottom = _stack(DownBlock, cfg.DOWNS["bottom"], w, cfg)
        self.mid = _stack(DownBlock, cfg.DOWNS["mid"], w, cfg)
        self.top = _stack(DownBlock, cfg.DOWNS["top"], w, cfg)

    def forward(self, audio: torch.Tensor) -> dict[str, torch.Tensor]:
        h_bottom = self.bottom(self.stem(audio))
        h_mid = self.mid(h_bottom)
        return {"bottom": h_bottom, "mid": h_mid, "top": self.top(h_mid)}


class Decoder(nn.Module):
    """The top-down path, in three steps that the quantization interleaves with."""

    def __init__(self, cfg: HQVAEConfig):
        super().__init__()
        w, d = cfg.width, cfg.code_dim
        self.post = nn.ModuleDict({lv: nn.Conv1d(d, w, 3, padding=1) for lv in ("top", "mid", "bottom")})
        self.up_top = _stack(UpBlock, cfg.DOWNS["top"], w, cfg)  # hop 128 -> 32
        self.up_mid = _stack(UpBlock, cfg.DOWNS["mid"], w, cfg)  # hop 32 -> 8
        self.up_bottom = _stack(UpBlock, cfg.DOWNS["bottom"], w, cfg)  # hop 8 -> 1
        self.out = nn.Conv1d(w, 1, 3, padding=1)

    def top_context(self, q_top: torch.Tensor) -> torch.Tensor:
        """``[B, D, T/128] -> [B, W, T/32]``: what the top level says about the mid rate."""
        return self.up_top(self.post["top"](q_top))

    def mid_context(self, ctx: torch.Tensor, q_mid: torch.Tensor, keep: torch.Tensor | float = 1.0) -> torch.Tensor:
        """``[B, W, T/32]`` context + ``[B, D, T/32]`` mid latent -> ``[B, W, T/8]``."""
        return self.up_mid(ctx + keep * self.post["mid"](q_mid))

    def waveform(self, ctx: torch.Tensor, q_bottom: torch.Tensor, keep: torch.Tensor | float = 1.0) -> torch.Tensor:
        """``[B, W, T/8]`` context + ``[B, D, T/8]`` bottom latent -> audio ``[B, 1, T]``."""
        return self.out(self.up_bottom(ctx + keep * self.post["bottom"](q_bottom)))

"""SoniDo's codec: a 3-level HQ-VAE over mono audio (tokens at hops 128, 32, 8).

``HQVAE.forward`` is the training path (soft stochastic codes, level dropout, losses'
ingredients); ``encode``/``decode`` are the deterministic tokenizer (nearest codes).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from sonido.codec.codebook import Codebook
from sonido.codec.config import HQVAEConfig
from sonido.codec.encdec import Decoder, Encoder
from sonido.codec.quantize import StochasticQuantizer
from sonido.codec.tokenizer import LEVELS, Tokens, check_levels
from sonido.codec.vq import EMAVectorQuantizer


@dataclass
class HQVAEOutput:
    """Result of the training forward pass.

    Attributes:
        audio: ``[B, 1, T]`` the reconstruction (same length as the input).
        tokens: the nearest codes per level.
        latent_loss: scalar, the quantizers' terms summed over levels and positions,
            averaged over the batch (SQ: the ELBO's KL terms; VQ: commitment).
        metrics: per-level ``perplexity/<level>`` and ``usage/<level>``.
    """

    audio: torch.Tensor
    tokens: Tokens
    latent_loss: torch.Tensor
    metrics: dict[str, torch.Tensor]


class HQVAE(nn.Module):
    """The codec. Implements :class:`sonido.codec.tokenizer.Tokenizer`."""

    def __init__(self, config: HQVAEConfig):
        super().__init__()
        self.config = config
        self.sample_rate = config.sample_rate
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        w, d = config.width, config.code_dim
        # Pre-quantization projections; mid and bottom also see the top-down context.
        self.pre = nn.ModuleDict({"top": nn.Conv1d(w, d, 1), "mid": nn.Conv1d(2 * w, d, 1), "bottom": nn.Conv1d(2 * w, d, 1)})
        self.quantizers = nn.ModuleDict({lv: self._quantizer(k) for lv, k in zip(LEVELS, config.codebook_sizes)})

    def _quantizer(self, size: int) -> Codebook:
        c = self.config
        if c.quantizer == "stochastic":
            return StochasticQuantizer(size, c.code_dim, c.temperature, c.temperature_decay, c.temperature_min, c.variance_ratio)
        return EMAVectorQuantizer(size, c.code_dim, c.commitment, c.ema_decay)

    # --- the tokenizer contract ---------------------------------------------------

    def hop_length(self, level: str) -> int:
        downs = self.config.DOWNS
        return {"bottom": 2 ** downs["bottom"], "mid": 2 ** (downs["bottom"] + downs["mid"]),
                "top": 2 ** sum(downs.values())}[level]  # fmt: skip

    def frame_rate(self, level: str) -> float:
        return self.sample_rate / self.hop_length(level)

    def codebook_size(self, level: str) -> int:
        return self.config.codebook_sizes[LEVELS.index(level)]

    def num_frames(self, num_samples: int, level: str) -> int:
        """Tokens at ``level`` for ``num_samples`` of audio: the input is padded to whole top frames."""
        top = -(-num_samples // self.hop_length("top"))
        return top * self.hop_length("top") // self.hop_length(level)

    def _pad(self, audio: torch.Tensor) -> torch.Tensor:
        if audio.dim() != 3 or audio.shape[1] != 1:
            raise ValueError(f"the codec takes mono audio [B, 1, T], got shape {tuple(audio.shape)}")
        if audio.shape[-1] == 0:
            raise ValueError("cannot encode zero-length audio")
        hop = self.hop_length("top")
        return F.pad(audio, (0, -audio.shape[-1] % hop))

    def _quantize(self, audio: torch.Tensor, keep_mid=1.0, levels: tuple[str, ...] = LEVELS):
        """Encode and quantize top-down with injection; returns the quantizer outputs of
        ``levels`` (a coarse-to-fine prefix of LEVELS: the rest is not computed) and the
        decoder's context at the finest rate reached (all the waveform decoding still needs)."""
        h = self.encoder(self._pad(audio))
        q = {"top": self.quantizers["top"](self.pre["top"](h["top"]))}
        ctx = self.decoder.top_context(q["top"].quantized)
        if "mid" in levels:
            q["mid"] = self.quantizers["mid"](self.pre["mid"](torch.cat([h["mid"], ctx], 1)))
        if "bottom" in levels:
            ctx = self.decoder.mid_context(ctx, q["mid"].quantized, keep_mid)
            q["bottom"] = self.quantizers["bottom"](self.pre["bottom"](torch.cat([h["bottom"], ctx], 1)))
        return q, ctx

    def forward(self, audio: torch.Tensor) -> HQVAEOutput:
        """Training/evaluation pass on ``[B, 1, T]``; level dropout applies in training mode."""
        keep_mid = keep_bottom = 1.0
        if self.training and self.config.level_dropout > 0:
            b, p = audio.shape[0], self.config.level_dropout
            keep_mid = (torch.rand(b, 1, 1, device=audio.device) >= p).float()
            keep_bottom = keep_mid * (torch.rand(b, 1, 1, device=audio.device) >= p).float()
        q, ctx = self._quantize(audio, keep_mid)
        recon = self.decoder.waveform(ctx, q["bottom"].quantized, keep_bottom)[..., : audio.shape[-1]]
        metrics = {}
        for lv in LEVELS:
            metrics[f"perplexity/{lv}"] = q[lv].perplexity
            metrics[f"usage/{lv}"] = q[lv].usage
        return HQVAEOutput(
            audio=recon,
            tokens=Tokens(**{lv: q[lv].codes for lv in LEVELS}),
            latent_loss=sum(q[lv].loss for lv in LEVELS),
            metrics=metrics,
        )

    @torch.no_grad()
    def encode(self, audio: torch.Tensor, levels: tuple[str, ...] = LEVELS) -> Tokens:
        """Audio ``[B, 1, T]`` at ``sample_rate`` -> nearest-code tokens (deterministic).

        Frames per level: ``num_frames(T, level)`` (the input is zero-padded to whole top frames).
        ``levels`` (``("top",)``, ``("top", "mid")`` or all three) skips the finer levels'
        quantization (features need only top and mid); a level not computed is ``[B, 0]``.
        """
        levels = check_levels(levels)
        was = self.training
        self.eval()
        try:
            q, _ = self._quantize(audio, levels=levels)  # no waveform decoding: the codes are all we need
        finally:
            self.train(was)
        empty = torch.zeros(audio.shape[0], 0, dtype=torch.long, device=audio.device)
        return Tokens(**{lv: q[lv].codes if lv in q else empty for lv in LEVELS})

    @torch.no_grad()
    def decode(self, tokens: Tokens, levels: tuple[str, ...] = LEVELS) -> torch.Tensor:
        """Tokens -> audio ``[B, 1, frames_top * 128]``, from ``levels``.

        ``("top",)`` and ``("top", "mid")`` leave the finer levels out: how one hears what
        each level carries. ``top`` is always needed.
        """
        levels = tuple(levels)
        if "top" not in levels or not set(levels) <= set(LEVELS) or ("bottom" in levels and "mid" not in levels):
            raise ValueError(f"levels must be ('top',), ('top', 'mid') or all three, got {levels}")
        top = tokens.top
        if tokens.mid.shape[-1] != 4 * top.shape[-1] or tokens.bottom.shape[-1] != 16 * top.shape[-1]:
            raise ValueError(
                f"misaligned tokens: top {tuple(top.shape)}, mid {tuple(tokens.mid.shape)}, bottom {tuple(tokens.bottom.shape)}"
            )
        look = {lv: self.quantizers[lv].lookup(tokens[lv]) for lv in LEVELS}
        ctx = self.decoder.top_context(look["top"])
        ctx = self.decoder.mid_context(ctx, look["mid"], float("mid" in levels))
        return self.decoder.waveform(ctx, look["bottom"], float("bottom" in levels))

"""The HQ-VAE configuration and its presets (data in ``sonido/configs/codec/*.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sonido.configbase import ConfigBase

PRESET_DIR = Path(__file__).resolve().parent.parent / "configs" / "codec"


@dataclass(frozen=True)
class HQVAEConfig(ConfigBase):
    """A 3-level HQ-VAE (hops 8 / 32 / 128) with injected top-down quantization.

    Where docs/paper-notes.md is silent the structure follows Jukebox's VQ-VAE: stride-2 conv blocks,
    each followed by a residual stack of dilated convs (``depth`` blocks, dilation growth
    ``dilation_growth``), ``width`` channels.

    Attributes:
        sample_rate: audio rate the codec works at (mono).
        width: channels of the conv stacks.
        depth: residual blocks after each stride-2 layer.
        dilation_growth: dilation multiplier inside a residual stack.
        code_dim: dimension of the codebook vectors.
        codebook_sizes: codes per level, ``(top, mid, bottom)``.
        quantizer: ``"stochastic"`` (SQ-VAE, the default) or ``"ema"`` (VQ-VAE baseline).
        temperature / temperature_decay / temperature_min: Gumbel-softmax schedule (SQ).
        variance_ratio: SQ's ``s² = sigmoid(θ) · variance_ratio · s²_init``: starts at
            ``variance_ratio / 2 · s²_init`` and can never exceed ``variance_ratio · s²_init``.
            2 (minimal-sqvae) starts s² at the latents' spread; in sonido-tiny's recipe the
            top's s² then rose towards its cap (softer codes, less information) while the
            bottom's annealed. 1 halves the scale: sharper posteriors at every level.
        commitment / ema_decay: VQ baseline settings (Jukebox: 0.02, 0.99).
        level_dropout: probability, per training example, of decoding without the bottom
            level, and (separately) without mid and bottom; teaches the decoder to decode
            from ``top`` alone and ``top + mid``.
        stft_weight: weight of the multi-resolution STFT loss beside the waveform term.
        stft_sizes: FFT sizes of that loss.
    """

    sample_rate: int = 22050
    width: int = 32
    depth: int = 4
    dilation_growth: int = 3
    code_dim: int = 64
    codebook_sizes: tuple[int, int, int] = (512, 512, 512)
    quantizer: str = "stochastic"
    temperature: float = 1.0
    temperature_decay: float = 5e-4
    temperature_min: float = 0.1
    variance_ratio: float = 2.0
    commitment: float = 0.02
    ema_decay: float = 0.99
    level_dropout: float = 0.1
    stft_weight: float = 1.0
    stft_sizes: tuple[int, ...] = (1024, 512, 256, 128)

    # Fixed by SoniDo: 2^3 = 8, 2^5 = 32, 2^7 = 128 samples per token.
    DOWNS = {"bottom": 3, "mid": 2, "top": 2}

    def __post_init__(self):
        if self.quantizer not in ("stochastic", "ema"):
            raise ValueError(f"quantizer must be 'stochastic' or 'ema', got {self.quantizer!r}")
        if self.sample_rate <= 0 or self.width <= 0 or self.code_dim <= 0 or min(self.codebook_sizes) < 2:
            raise ValueError(f"invalid codec config: {self}")
        object.__setattr__(self, "codebook_sizes", tuple(self.codebook_sizes))
        object.__setattr__(self, "stft_sizes", tuple(self.stft_sizes))

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> HQVAEConfig:
        """The ``model`` section of ``sonido/configs/codec/<name>.json``, with overrides."""
        return cls.from_dict({**load_preset(name)["model"], **overrides})


def load_preset(name: str) -> dict[str, Any]:
    """A codec preset: a name in ``sonido/configs/codec/`` or a path to such a JSON file,
    ``{"model": {...}, "train": {...}, "notes": ...}``."""
    path = Path(name) if name.endswith(".json") else PRESET_DIR / f"{name}.json"
    if not path.exists():
        known = sorted(p.stem for p in PRESET_DIR.glob("*.json"))
        raise ValueError(f"unknown codec preset {name!r}; known: {known}")
    return json.loads(path.read_text())

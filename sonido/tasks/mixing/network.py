"""What every mixing network shares: its training loss."""

from __future__ import annotations

import torch
from torch import nn


class MixerNet(nn.Module):
    """A network ``(stems [B, max_stems, T], feats {level: [B, F, D]} | None) -> [B, 2, T]`` mix,
    trained with the stereo-invariant spectral loss (auraloss' sum-and-difference STFT loss,
    FxNorm-automix's and automix-toolkit's training loss) to the reference mix."""

    def loss(self, stems: torch.Tensor, mix: torch.Tensor, feats=None) -> torch.Tensor:
        from sonido.tasks.metrics import stereo_spectral_loss

        return stereo_spectral_loss()(self(stems, feats), mix)

"""Reconstruction losses and quality metrics for the codec (auraloss where it has them).

All take ``[B, 1, T]`` estimate and reference; metrics return batch means (floats via
``.item()`` by the caller).
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn


def multi_resolution_stft(sizes: tuple[int, ...]) -> nn.Module:
    """auraloss's multi-resolution STFT loss with hops of a quarter window."""
    from auraloss.freq import MultiResolutionSTFTLoss

    return MultiResolutionSTFTLoss(fft_sizes=list(sizes), hop_sizes=[n // 4 for n in sizes], win_lengths=list(sizes))


class ReconstructionLoss(nn.Module):
    """SQ-VAE's waveform term ``½ log MSE`` (the Gaussian likelihood with its variance
    optimised out, which balances itself against the latent terms) plus
    ``stft_weight`` × auraloss's multi-resolution STFT loss (spectral convergence + log
    magnitude), the spectral term every neural audio codec relies on.
    """

    def __init__(self, stft_sizes: tuple[int, ...], stft_weight: float):
        super().__init__()
        self.stft_weight = stft_weight
        self.stft = multi_resolution_stft(stft_sizes)

    def forward(self, estimate: torch.Tensor, reference: torch.Tensor) -> dict[str, torch.Tensor]:
        mse = (estimate - reference).pow(2).mean()
        stft = self.stft(estimate, reference)
        return {"loss": 0.5 * torch.log(mse + 1e-12) + self.stft_weight * stft, "mse": mse, "stft": stft}


@lru_cache(maxsize=8)
def _mel_basis(sample_rate: int, n_fft: int, n_mels: int) -> torch.Tensor:
    import librosa

    return torch.from_numpy(librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels)).float()


def mel_distance(
    estimate: torch.Tensor, reference: torch.Tensor, sample_rate: int, n_fft: int = 1024, n_mels: int = 80
) -> torch.Tensor:
    """Mean L1 distance between log10 mel spectrograms (hop ``n_fft/4``); 0 is identical."""
    window = torch.hann_window(n_fft, device=estimate.device)
    basis = _mel_basis(sample_rate, n_fft, n_mels).to(estimate.device)

    def logmel(x):
        spec = torch.stft(x.reshape(-1, x.shape[-1]), n_fft, n_fft // 4, window=window, return_complex=True).abs()
        return torch.log10(basis @ spec + 1e-5)

    return (logmel(estimate) - logmel(reference)).abs().mean()


def si_sdr(estimate: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Scale-invariant SDR in dB (auraloss), batch mean; higher is better."""
    from auraloss.time import SISDRLoss

    return -SISDRLoss()(estimate, reference)


def stft_distance(estimate: torch.Tensor, reference: torch.Tensor, sizes: tuple[int, ...] = (1024, 512, 256, 128)) -> torch.Tensor:
    """auraloss's multi-resolution STFT distance; 0 is identical."""
    return multi_resolution_stft(sizes)(estimate, reference)

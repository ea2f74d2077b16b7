"""Open-unmix's multichannel Wiener filter (from norbert), in complex arithmetic.

Given each target's estimated magnitude and the mixture's complex STFT, the targets start
with the mixture's phase and are refined by ``iterations`` rounds of expectation-
maximisation of a local Gaussian model (Nugraha, Liutkus & Vincent 2016): per target a
power spectral density ``v_j(t, f)`` (the channel mean of ``|y_j|²``) and a spatial
covariance ``R_j(f)`` (``Σ_t y_j y_jᴴ / Σ_t v_j``); the mixture covariance
``C(t, f) = Σ_j v_j R_j + sqrt(eps)·I``; each target becomes ``v_j R_j C⁻¹ x``. The same
steps as ``openunmix.filtering.wiener`` (softmask off, no residual, the mixture scaled so
its largest magnitude is at most ``scale_factor``), written with complex tensors instead
of open-unmix's real/imaginary pairs.
"""

from __future__ import annotations

import torch


def wiener(mags: torch.Tensor, mix: torch.Tensor, iterations: int = 1, scale_factor: float = 10.0,
           eps: float = 1e-10) -> torch.Tensor:  # fmt: skip
    """Target STFTs ``[B, S, C, F, T]`` (complex) from magnitudes ``[B, S, C, F, T]`` and the
    mixture STFT ``[B, C, F, T]`` (complex). ``iterations=0`` returns the magnitudes with
    the mixture's phase."""
    y = mags.to(mix.dtype) * torch.exp(1j * torch.angle(mix))[:, None]  # the mixture's phase
    if iterations == 0:
        return y
    scale = torch.clamp(mix.abs().amax() / scale_factor, min=1.0)
    x = (mix / scale).permute(0, 3, 2, 1)  # (B, T, F, C)
    y = (y / scale).permute(0, 1, 4, 3, 2)  # (B, S, T, F, C)
    channels = x.shape[-1]
    eye = torch.eye(channels, dtype=x.dtype, device=x.device) * (eps**0.5)
    for _ in range(iterations):
        v = (y.abs() ** 2).mean(-1)  # (B, S, T, F) power spectral densities
        cov = torch.einsum("bstfc,bstfd->bsfcd", y, y.conj())  # Σ_t y yᴴ
        r = cov / (v.sum(2) + eps)[..., None, None]  # (B, S, F, C, C) spatial covariances
        cxx = torch.einsum("bstf,bsfcd->btfcd", v.to(x.dtype), r) + eye  # mixture covariance
        inv = torch.linalg.inv(cxx)  # (B, T, F, C, C)
        gain = torch.einsum("bstf,bsfce,btfed->bstfcd", v.to(x.dtype), r, inv)  # v_j R_j C⁻¹
        y = torch.einsum("bstfcd,btfd->bstfc", gain, x)
    return y.permute(0, 1, 4, 3, 2) * scale  # (B, S, C, F, T)

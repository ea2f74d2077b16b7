"""Open-Unmix (Stöter et al. 2019) re-implemented, with SoniDo features injected before its LSTM.

The ``openunmix`` package's model module imports torchaudio at the top (its transforms),
and torchaudio has no working CPU build here, so this is a re-implementation of
``openunmix.model.OpenUnmix`` v1.3: the same layers, sizes and order — input
standardisation, fc1 (no bias) → BN → tanh, a 3-layer bidirectional LSTM (hidden/2 per
direction, dropout 0.4), the skip concatenation, fc2 → BN → ReLU, fc3 → BN, output
scaling, ReLU, times the mixture magnitude. SoniDo features enter after the encoder
(fc1 + BN + tanh), before the LSTM, through :class:`sonido.tasks.inject.Fusion` in
``gated`` mode: with the gate closed the network is exactly the baseline.

The STFT front end is open-unmix's (Hann window, ``n_fft`` / ``hop`` of the preset,
magnitude of each channel) except that frames are centred (``center=True``) so the
inverse is exact at the edges. Post-processing is open-unmix's multichannel Wiener filter
(:mod:`sonido.tasks.separation.wiener`, one EM iteration as umxhq), or with
``wiener_iterations=0`` the magnitudes with the mixture's phase.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from sonido.tasks.inject import FeatureDims, FeatureInjector, Fusion


@dataclass(frozen=True)
class UMXSize:
    """STFT and network sizes: ``published`` is open-unmix's umxhq (44.1 kHz), ``tiny`` trains here."""

    sample_rate: int
    n_fft: int
    hop: int
    hidden: int
    layers: int
    max_bin: int | None  # bins above are not fed to the network (open-unmix's bandwidth)

    @classmethod
    def named(cls, name: str) -> UMXSize:
        sizes = {
            "published": cls(44100, 4096, 1024, 512, 3, 1487),  # 16 kHz bandwidth at 44.1 kHz
            "tiny": cls(22050, 1024, 256, 64, 3, None),
        }
        if name not in sizes:
            raise ValueError(f"unknown Open-Unmix size {name!r}; choose from {sorted(sizes)}")
        return sizes[name]

    @property
    def bins(self) -> int:
        return self.n_fft // 2 + 1


class OpenUnmix(nn.Module):
    """One target's network: mixture magnitude ``[B, C, bins, T]`` -> target magnitude, same shape.

    Args:
        bins: frequency bins of the STFT; channels: audio channels.
        hidden: width (512 published); layers: LSTM layers (3).
        max_bin: bins fed to the network (the rest of the output is still predicted).
        feature_dims: ``{level: D}`` of the injected SoniDo features (``None``: baseline).
    """

    def __init__(self, bins: int, channels: int = 2, hidden: int = 512, layers: int = 3, max_bin: int | None = None,
                 feature_dims: FeatureDims | None = None):  # fmt: skip
        super().__init__()
        self.out_bins, self.bins, self.hidden = bins, max_bin or bins, hidden
        self.input_mean = nn.Parameter(torch.zeros(self.bins))
        self.input_scale = nn.Parameter(torch.ones(self.bins))
        self.fc1 = nn.Linear(self.bins * channels, hidden, bias=False)
        self.bn1 = nn.BatchNorm1d(hidden)
        self.lstm = nn.LSTM(hidden, hidden // 2, num_layers=layers, bidirectional=True, dropout=0.4 if layers > 1 else 0)
        self.fc2 = nn.Linear(hidden * 2, hidden, bias=False)
        self.bn2 = nn.BatchNorm1d(hidden)
        self.fc3 = nn.Linear(hidden, bins * channels, bias=False)
        self.bn3 = nn.BatchNorm1d(bins * channels)
        self.output_scale = nn.Parameter(torch.ones(bins))
        self.output_mean = nn.Parameter(torch.ones(bins))
        self.injector = FeatureInjector(feature_dims, hidden) if feature_dims else None
        self.fusion = Fusion(hidden, hidden, "gated") if feature_dims else None

    def forward(self, mag: torch.Tensor, feats: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        b, c, _, t = mag.shape
        mix = mag.detach()
        x = mag.permute(3, 0, 1, 2)[..., : self.bins]  # (T, B, C, bins)
        x = (x + self.input_mean) * self.input_scale
        x = torch.tanh(self.bn1(self.fc1(x.reshape(t * b, c * self.bins))).reshape(t, b, self.hidden))  # the encoder
        if self.injector is not None:
            f = self.injector(feats, t)  # (B, T, hidden)
            x = self.fusion(x.transpose(0, 1), f).transpose(0, 1)
        x = torch.cat([x, self.lstm(x)[0]], -1)  # skip connection
        x = F.relu(self.bn2(self.fc2(x.reshape(t * b, 2 * self.hidden))))
        x = self.bn3(self.fc3(x)).reshape(t, b, c, self.out_bins)
        x = F.relu(x * self.output_scale + self.output_mean)
        return x.permute(1, 2, 3, 0) * mix


class Spectrogram(nn.Module):
    """Open-unmix's STFT front end: complex STFT ``[B, C, bins, T]`` of ``[B, C, samples]`` and back."""

    def __init__(self, n_fft: int, hop: int):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        b, c, n = audio.shape
        spec = torch.stft(audio.reshape(b * c, n), self.n_fft, self.hop, window=self.window, center=True,
                          return_complex=True)  # fmt: skip
        return spec.reshape(b, c, *spec.shape[-2:])

    def inverse(self, spec: torch.Tensor, length: int) -> torch.Tensor:
        b, c = spec.shape[:2]
        audio = torch.istft(spec.reshape(b * c, *spec.shape[-2:]), self.n_fft, self.hop, window=self.window,
                            center=True, length=length)  # fmt: skip
        return audio.reshape(b, c, length)


class UMXSeparator(nn.Module):
    """One :class:`OpenUnmix` per target behind the STFT: ``[B, C, T]`` -> ``[B, S, C, T]``,
    the estimated magnitudes turned into complex STFTs by the multichannel Wiener filter.
    Trained as open-unmix: mean squared error of the magnitudes."""

    def __init__(self, targets: tuple[str, ...], size: UMXSize, channels: int = 2,
                 feature_dims: FeatureDims | None = None, wiener_iterations: int = 1):  # fmt: skip
        super().__init__()
        self.targets, self.size, self.wiener_iterations = tuple(targets), size, wiener_iterations
        self.stft = Spectrogram(size.n_fft, size.hop)
        self.models = nn.ModuleDict({t: OpenUnmix(size.bins, channels, size.hidden, size.layers, size.max_bin,
                                                  feature_dims) for t in targets})  # fmt: skip

    def magnitudes(self, mix_spec: torch.Tensor, feats=None) -> dict[str, torch.Tensor]:
        """Each target's estimated magnitude ``[B, C, bins, T]`` from the mixture's complex STFT."""
        mag = mix_spec.abs()
        return {t: m(mag, feats) for t, m in self.models.items()}

    def forward(self, audio: torch.Tensor, feats=None) -> torch.Tensor:
        from sonido.tasks.separation.wiener import wiener

        spec = self.stft(audio)
        mags = self.magnitudes(spec, feats)
        specs = wiener(torch.stack([mags[t] for t in self.targets], 1), spec, self.wiener_iterations)
        return torch.stack([self.stft.inverse(specs[:, i], audio.shape[-1]) for i in range(len(self.targets))], 1)

    def loss(self, mix: torch.Tensor, sources: torch.Tensor, feats=None) -> torch.Tensor:
        """MSE between estimated and reference magnitudes (sources ``[B, S, C, T]``)."""
        mags = self.magnitudes(self.stft(mix), feats)
        return sum(F.mse_loss(mags[t], self.stft(sources[:, i]).abs()) for i, t in enumerate(self.targets))

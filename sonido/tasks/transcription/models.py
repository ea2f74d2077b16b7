"""Transcription networks: the paper's one-layer probe and a small Onsets-and-Frames CRNN.

Both map a log-mel ``[B, n_mels, T]`` and, when boosted, SoniDo features already aligned to
the mel frames (``{level: [B, T, D]}``, entering through :mod:`sonido.tasks.inject`) to
logits ``[B, 3, T, P]``: onset, frame and offset per pitch.
"""

from __future__ import annotations

import torch
from torch import nn

from sonido.tasks.inject import FeatureDims, FeatureInjector, Fusion


class _Inputs(nn.Module):
    """Per-frame input vectors: the normalised log-mel, the injected features, or both concatenated."""

    def __init__(self, n_mels: int, feature_dims: FeatureDims | None, feature_dim: int, use_mel: bool = True):
        super().__init__()
        if not use_mel and not feature_dims:
            raise ValueError("a transcriber needs the spectrogram, features, or both")
        self.norm = nn.BatchNorm1d(n_mels) if use_mel else None
        self.injector = FeatureInjector(feature_dims, feature_dim) if feature_dims else None
        self.fusion = Fusion(n_mels, feature_dim, "concat") if use_mel and feature_dims else None
        self.out_dim = self.fusion.out_dim if self.fusion else (n_mels if use_mel else feature_dim)

    def forward(self, mel: torch.Tensor, feats: dict[str, torch.Tensor] | None) -> torch.Tensor:
        x = self.norm(mel).transpose(1, 2) if self.norm is not None else None  # (B, T, n_mels)
        if self.injector is None:
            return x
        f = self.injector(feats, mel.shape[-1])  # (B, T, feature_dim)
        return f if x is None else self.fusion(x, f)


class ProbeTranscriber(nn.Module):
    """One layer on [spectrogram ; features] per frame (the paper's shallow back end).

    ``kind="linear"``: a linear map per frame (with the features' projection, still linear):
    the purest test of what the features add, since it cannot model time itself.
    ``kind="bigru"``: one bidirectional GRU layer and a linear read-out, for the temporal
    context note onsets and offsets need.
    """

    def __init__(self, n_mels: int, pitches: int, feature_dims: FeatureDims | None = None, feature_dim: int = 64,
                 kind: str = "linear", hidden: int = 64, use_mel: bool = True):  # fmt: skip
        super().__init__()
        if kind not in ("linear", "bigru"):
            raise ValueError(f"probe kind must be linear or bigru, got {kind!r}")
        self.inputs = _Inputs(n_mels, feature_dims, feature_dim, use_mel)
        self.rnn = nn.GRU(self.inputs.out_dim, hidden, batch_first=True, bidirectional=True) if kind == "bigru" else None
        self.head = nn.Linear(2 * hidden if self.rnn is not None else self.inputs.out_dim, 3 * pitches)
        self.pitches = pitches

    def forward(self, mel: torch.Tensor, feats: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        x = self.inputs(mel, feats)
        if self.rnn is not None:
            x = self.rnn(x)[0]
        b, t, _ = x.shape
        return self.head(x).reshape(b, t, 3, self.pitches).permute(0, 2, 1, 3)  # (B, 3, T, P)


class CRNNTranscriber(nn.Module):
    """A small Onsets and Frames (Hawthorne et al. 2018): a convolutional acoustic stack on
    the log-mel, an onset BiGRU (onset and offset heads), and a frame BiGRU that also reads
    the onset probabilities; features are fused after the acoustic stack."""

    def __init__(self, n_mels: int, pitches: int, feature_dims: FeatureDims | None = None, feature_dim: int = 64,
                 channels: int = 16, width: int = 128, hidden: int = 64, use_mel: bool = True):  # fmt: skip
        super().__init__()
        self.acoustic = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(), nn.MaxPool2d((2, 1)),
            nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.BatchNorm2d(2 * channels), nn.ReLU(), nn.MaxPool2d((2, 1)),
        ) if use_mel else None  # fmt: skip
        self.project = nn.Linear(2 * channels * (n_mels // 4), width) if use_mel else None
        self.injector = FeatureInjector(feature_dims, feature_dim) if feature_dims else None
        self.fusion = Fusion(width, feature_dim, "concat") if use_mel and feature_dims else None
        if not use_mel and not feature_dims:
            raise ValueError("a transcriber needs the spectrogram, features, or both")
        d = self.fusion.out_dim if self.fusion else (width if use_mel else feature_dim)
        self.onset_rnn = nn.GRU(d, hidden, batch_first=True, bidirectional=True)
        self.onset_head, self.offset_head = nn.Linear(2 * hidden, pitches), nn.Linear(2 * hidden, pitches)
        self.frame_in = nn.Linear(d, pitches)
        self.frame_rnn = nn.GRU(2 * pitches, hidden, batch_first=True, bidirectional=True)
        self.frame_head = nn.Linear(2 * hidden, pitches)

    def forward(self, mel: torch.Tensor, feats: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        x = None
        if self.acoustic is not None:
            a = self.acoustic(mel[:, None])  # (B, C, n_mels / 4, T)
            x = self.project(a.flatten(1, 2).transpose(1, 2))  # (B, T, width)
        if self.injector is not None:
            f = self.injector(feats, mel.shape[-1])
            x = f if x is None else self.fusion(x, f)
        h = self.onset_rnn(x)[0]
        onset, offset = self.onset_head(h), self.offset_head(h)
        frame_in = torch.cat([self.frame_in(x), torch.sigmoid(onset).detach()], dim=-1)
        frame = self.frame_head(self.frame_rnn(frame_in)[0])
        return torch.stack([onset, frame, offset], dim=1)  # (B, 3, T, P)

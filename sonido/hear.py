"""The HEAR 2021 API (Turian et al.) over SoniDo features.

Timestamp embeddings are the top-level features concatenated with the mid-level
features averaged over each top frame's 4 mid frames: one frame per 128 samples
(≈ 5.8 ms at 22.05 kHz), ``D = D_top + D_mid``. Scene embeddings are their mean over time.
"""

from __future__ import annotations

import warnings

import torch

from sonido.checkpoint import DEFAULT_MODEL
from sonido.model import SoniDo
from sonido.model import load_model as _load_model


class HearModel(torch.nn.Module):
    """A SoniDo model with the attributes the HEAR API requires."""

    def __init__(self, model: SoniDo):
        super().__init__()
        self.model = model
        self.sample_rate = model.sample_rate
        self.scene_embedding_size = model.feature_dim("top") + model.feature_dim("mid")
        self.timestamp_embedding_size = self.scene_embedding_size


def load_model(model_file_path: str = "", **kwargs) -> HearModel:
    """``model_file_path``: a SoniDo model folder or name; empty means the default (sonido-small)."""
    return HearModel(_load_model(model_file_path or kwargs.get("name", DEFAULT_MODEL)))


def get_timestamp_embeddings(
    audio: torch.Tensor, model: HearModel, sample_rate: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``audio [n_sounds, n_samples]`` at ``model.sample_rate`` ->
    ``(embeddings [n_sounds, n_frames, D], timestamps [n_sounds, n_frames] in ms)``.

    ``sample_rate`` (an extension of the HEAR API) is the audio's rate when the caller
    knows it; another rate than the model's is resampled, with a warning, since HEAR
    promises audio at the model's rate.
    """
    if audio.dim() != 2:
        raise ValueError(f"HEAR audio is [n_sounds, n_samples], got shape {tuple(audio.shape)}")
    rate = model.sample_rate
    if sample_rate is not None and sample_rate != model.sample_rate:
        warnings.warn(f"HEAR input at {sample_rate} Hz, the model's rate is {model.sample_rate} Hz: resampling "
                      "(the HEAR API expects audio at model.sample_rate)", stacklevel=2)  # fmt: skip
        rate = sample_rate
    feats = model.model.extract(audio[:, None], rate)
    top, mid = feats["top"].data, feats["mid"].data
    mid = mid.reshape(mid.shape[0], top.shape[1], -1, mid.shape[-1]).mean(2)  # 4 mid frames per top frame
    emb = torch.cat([top, mid], dim=-1)
    hop_ms = 1000.0 / feats["top"].frame_rate
    centres = (torch.arange(emb.shape[1], dtype=torch.float32) + 0.5) * hop_ms
    return emb, centres.expand(emb.shape[0], -1).clone()


def get_scene_embeddings(audio: torch.Tensor, model: HearModel, sample_rate: int | None = None) -> torch.Tensor:
    """``audio [n_sounds, n_samples]`` -> ``[n_sounds, D]`` (time-mean of the timestamp embeddings)."""
    emb, _ = get_timestamp_embeddings(audio, model, sample_rate)
    return emb.mean(dim=1)

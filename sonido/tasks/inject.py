"""The one way task models take in SoniDo features: align to the task's frames, project, fuse.

    inj = FeatureInjector({"top": 256, "mid": 192}, out_dim=64)
    stream = inj(features, frames=task_frames)       # [B, task_frames, 64]
    fused = fuse(task_stream, stream, "concat")       # [B, task_frames, C + 64]

Alignment (:func:`align`) maps ``[B, F, D]`` features at any frame rate to ``[B, T, D]``
task frames covering the same time span: average pooling when the features are finer than
the task (each task frame gets the mean of the feature frames inside it), linear
interpolation when they are coarser. Features extracted with ``layers="all"`` arrive as
``[B, F, L, D]`` stacks of every prior layer; the injector then first mixes them with
learned softmax weights (:class:`LayerMix`, the SUPERB convention). Each level is
projected to ``out_dim`` and the levels are summed; :func:`fuse` then concatenates or adds
the feature stream to the task's own stream, optionally through a learned sigmoid gate
(``"gated"``), which starts closed-ish so a boosted model begins near its baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from sonido.features.types import LevelFeatures
from sonido.model import ALL_LAYERS

FUSIONS = ("concat", "add", "gated")


def align(data: torch.Tensor, frames: int) -> torch.Tensor:
    """Resample ``[B, F, D]`` (or layer stacks ``[B, F, L, D]``) features along time to
    ``[B, frames, D]`` (``[B, frames, L, D]``), covering the same time span.

    Raises:
        ValueError: on zero-length features or a non-positive target length.
    """
    if data.dim() == 4:
        b, f, layers, d = data.shape
        return align(data.reshape(b, f, layers * d), frames).reshape(b, -1, layers, d)
    if data.dim() != 3:
        raise ValueError(f"features must be [B, frames, D] or [B, frames, layers, D], got shape {tuple(data.shape)}")
    if data.shape[1] == 0:
        raise ValueError("cannot align zero-length features (no frames)")
    if frames <= 0:
        raise ValueError(f"the task needs a positive number of frames, got {frames}")
    if data.shape[1] == frames:
        return data
    x = data.transpose(1, 2)  # (B, D, F)
    if data.shape[1] > frames:
        x = F.adaptive_avg_pool1d(x, frames)
    else:
        x = F.interpolate(x, size=frames, mode="linear", align_corners=False)
    return x.transpose(1, 2)  # (B, frames, D)


def frames_for(duration_seconds: float, frame_rate: float) -> int:
    """How many frames at ``frame_rate`` cover ``duration_seconds`` (at least one)."""
    if duration_seconds <= 0 or frame_rate <= 0:
        raise ValueError(f"need a positive duration and frame rate, got {duration_seconds} s at {frame_rate} Hz")
    return max(1, round(duration_seconds * frame_rate))


FeatureDims = Mapping[str, int | Sequence[int]]
"""Level -> feature width ``D``, or ``(L, D)`` for stacks of ``L`` layers (``layers="all"``)."""


def feature_dims(features: Mapping[str, torch.Tensor], batched: bool = True) -> dict[str, int | tuple[int, int]]:
    """The :data:`FeatureDims` of ``{level: [N, T, D] or [N, T, L, D]}`` features (``batched=False``:
    one item's, ``[T, D]`` or ``[T, L, D]``)."""
    stacked = 4 if batched else 3
    return {lv: (f.shape[-2], f.shape[-1]) if f.dim() == stacked else f.shape[-1] for lv, f in features.items()}


def extraction_layers(model: nn.Module) -> str | None:
    """What :meth:`sonido.model.SoniDo.extract` must be given as ``layers`` to feed a task
    model: ``"all"`` when it mixes layer stacks (holds a :class:`LayerMix`), else ``None``
    (the model's default taps)."""
    return ALL_LAYERS if any(isinstance(m, LayerMix) for m in model.modules()) else None


class FeatureInjector(nn.Module):
    """Per level: mix the layers (stacks only), align to the task's frames, LayerNorm, project
    to ``out_dim``; sum the levels.

    Args:
        dims: level name -> feature width ``D``, or ``(L, D)`` when the level's features are
            ``[B, F, L, D]`` layer stacks (e.g. ``{"top": 256, "mid": (6, 128)}``).
        out_dim: width of the returned stream.
    """

    def __init__(self, dims: FeatureDims, out_dim: int):
        super().__init__()
        if not dims:
            raise ValueError("FeatureInjector needs at least one feature level")
        self.levels = tuple(dims)
        shapes = {lv: (None, d) if isinstance(d, int) else tuple(d) for lv, d in dims.items()}
        self.mix = nn.ModuleDict({lv: LayerMix(n) for lv, (n, _) in shapes.items() if n is not None})
        self.norm = nn.ModuleDict({lv: nn.LayerNorm(d) for lv, (_, d) in shapes.items()})
        self.proj = nn.ModuleDict({lv: nn.Linear(d, out_dim) for lv, (_, d) in shapes.items()})
        self.out_dim = out_dim

    def forward(self, features: Mapping[str, LevelFeatures | torch.Tensor], frames: int) -> torch.Tensor:
        """``{level: [B, F_level, D_level]}`` (``[B, F_level, L, D_level]`` for mixed levels)
        -> ``[B, frames, out_dim]``."""
        missing = [lv for lv in self.levels if lv not in features]
        if missing:
            raise KeyError(f"missing feature levels {missing}; got {list(features)}")
        out = None
        for lv in self.levels:
            f = features[lv]
            data = f.data if isinstance(f, LevelFeatures) else f
            stacked = lv in self.mix
            if data.dim() != (4 if stacked else 3):
                raise ValueError(f"{lv} features have shape {tuple(data.shape)}; this model was built for "
                                 + ("[B, F, layers, D] layer stacks (layers='all')" if stacked else "[B, F, D]"))  # fmt: skip
            if data.shape[-1] != self.norm[lv].normalized_shape[0]:
                raise ValueError(f"{lv} features have width {data.shape[-1]}, expected {self.norm[lv].normalized_shape[0]}")
            if stacked:
                data = self.mix[lv](data)  # (B, F, D): linear, so mixing before aligning equals after
            y = self.proj[lv](self.norm[lv](align(data, frames)))
            out = y if out is None else out + y
        return out

    def layer_weights(self) -> dict[str, list[float]]:
        """Each mixed level's learned softmax weights over its layers (empty without stacks)."""
        return {lv: [round(float(w), 4) for w in mix.weights.detach()] for lv, mix in self.mix.items()}


class LayerMix(nn.Module):
    """SUPERB's learned layer weighting: ``[..., L, D]`` -> ``[..., D]``, the sum of the
    layers weighted by a softmax over ``L`` learned scalars (uniform at the start), so a
    task model picks its own mix of a prior's layers instead of one fixed tap."""

    def __init__(self, layers: int):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(layers))

    @property
    def weights(self) -> torch.Tensor:
        return torch.softmax(self.logits, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] != self.logits.numel():
            raise ValueError(f"expected {self.logits.numel()} layers on dim -2, got shape {tuple(x.shape)}")
        return torch.einsum("...ld,l->...d", x, self.weights)


class Fusion(nn.Module):
    """Combine a task stream ``[B, T, C]`` with a feature stream ``[B, T, P]``.

    ``concat`` -> ``[B, T, C + P]``; ``add`` and ``gated`` -> ``[B, T, C]`` (the feature
    stream is projected to ``C``; ``gated`` multiplies it by a learned per-channel sigmoid
    gate that starts at sigmoid(-2) ≈ 0.12).
    """

    def __init__(self, task_dim: int, feature_dim: int, mode: str = "concat"):
        super().__init__()
        if mode not in FUSIONS:
            raise ValueError(f"unknown fusion {mode!r}; choose from {FUSIONS}")
        self.mode = mode
        self.proj = nn.Linear(feature_dim, task_dim) if mode != "concat" else None
        self.gate = nn.Parameter(torch.full((task_dim,), -2.0)) if mode == "gated" else None
        self.out_dim = task_dim + feature_dim if mode == "concat" else task_dim

    def forward(self, task: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        if task.shape[:-1] != feats.shape[:-1]:
            raise ValueError(f"task stream {tuple(task.shape)} and features {tuple(feats.shape)} are not frame-aligned")
        if self.mode == "concat":
            return torch.cat([task, feats], dim=-1)
        extra = self.proj(feats)
        return task + (torch.sigmoid(self.gate) * extra if self.gate is not None else extra)

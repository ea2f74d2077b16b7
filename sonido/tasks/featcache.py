"""Reading task inputs from the feature cache that ``sonido extract`` writes.

A dataset's features for one model live in ``ROOT/<model slug>/`` and mirror the dataset's
layout: the features of ``DATA/pieces/x/mix.wav`` are ``ROOT/sonido-tiny/pieces/x/mix.safetensors``
with its JSON sidecar. Frames are kept (``--pool none``) so frame-level tasks and pooled
probes share one cache, computed once per dataset and model and reused by every run.
Every prior layer kept apart (``layers="all"``, for a learned layer mix) lives beside it in
``ROOT/<model slug>@all-layers/`` as ``[frames, L, D]`` stacks.
Items missing from the cache are extracted on first use (resumable, like ``sonido extract``);
features made with other settings (other weights under the same name, another clip
length, pooled) are refused with a message, never silently reused.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path

import torch

from sonido.data.datasets.base import Dataset, DatasetError, Item
from sonido.model import ALL_LAYERS

STACKS_SUFFIX = "@all-layers"  # the cache folder of a model's layer stacks: ROOT/<model slug>@all-layers/


def model_slug(model: str) -> str:
    """A folder name for a model name or path (``sonido-tiny``, ``tiny-random``, ``runs/x`` -> ``runs-x``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(model)).strip("-") or "model"


@functools.lru_cache(maxsize=2)
def _model(name: str):
    """Models loaded once per process: every run of a sweep checks the cache against the weights."""
    from sonido.model import load_model

    return load_model(name)


class FeatureCache:
    """The frame-level features of one model over one dataset's audio.

    Args:
        root: the cache root (``--features``).
        dataset: whose items' audio the features describe.
        model: model name or path (``sonido-tiny``, ``tiny-random``, a folder).
        clip_seconds: the features cover the first ``clip_seconds`` of every item.
        levels: feature levels.
        layers: ``None`` for the model's default taps, ``"all"`` for every layer apart.
    """

    def __init__(self, root: str | Path, dataset: Dataset, model: str, clip_seconds: float, levels=("top", "mid"),
                 layers: str | None = None):  # fmt: skip
        if layers not in (None, ALL_LAYERS):
            raise ValueError(f"layers must be None or {ALL_LAYERS!r}, got {layers!r}")
        self.folder = Path(root) / (model_slug(model) + (STACKS_SUFFIX if layers else ""))
        self.dataset, self.model, self.clip_seconds, self.levels = dataset, str(model), clip_seconds, tuple(levels)
        self.layers = layers

    def _rel(self, item: Item) -> Path:
        try:
            return item.audio.relative_to(self.dataset.root)
        except ValueError:
            raise DatasetError(f"{item.audio} is not under the dataset root {self.dataset.root}") from None

    def ensure(self, items: Sequence[Item], progress: bool = True) -> None:
        """Extract the features of ``items`` that are not cached yet; raise if some cannot be
        read or were cached with other settings."""
        from sonido.features.batch import StaleFeatures, extract_files

        try:
            summary = extract_files(
                _model(self.model), self.dataset.root, self.folder, self.levels, self.layers, pool="none", progress=progress,
                only=[self._rel(i).as_posix() for i in items], max_seconds=self.clip_seconds,
            )  # fmt: skip
        except StaleFeatures as err:
            raise DatasetError(f"{err} (here: delete {self.folder} or pass another --features root)") from None
        if summary.failed:
            listed = "; ".join(f"{p}: {why}" for p, why in summary.failed[:5])
            raise DatasetError(f"{len(summary.failed)} items have unreadable audio ({listed})")

    def load(self, item: Item) -> dict[str, tuple[torch.Tensor, float]]:
        """``{level: (data [frames, D] or [frames, L, D], frame_rate)}`` of one item."""
        from safetensors.torch import load_file

        base = self.folder / self._rel(item)
        sidecar = base.with_suffix(".json")
        if not sidecar.exists():
            raise DatasetError(f"no cached features for {item.id}: expected {sidecar} (run `sonido extract --pool none`)")
        meta = json.loads(sidecar.read_text())
        settings = meta.get("settings", {})
        if settings.get("pool") != "none":
            raise DatasetError(f"{sidecar}: features were pooled; tasks need frames (extract with --pool none)")
        if settings.get("max_seconds") != self.clip_seconds:
            raise DatasetError(
                f"{sidecar}: features cover max_seconds={settings.get('max_seconds')}, the task uses {self.clip_seconds}"
            )
        if settings.get("stack_layers", False) != (self.layers == ALL_LAYERS):
            raise DatasetError(f"{sidecar}: layers were {'kept apart' if settings.get('stack_layers') else 'averaged'}, "
                               f"the task wants layers={self.layers!r}")  # fmt: skip
        tensors = load_file(str(base.with_suffix(".safetensors")))
        missing = [lv for lv in self.levels if lv not in tensors]
        if missing:
            raise DatasetError(f"{sidecar}: no {missing} features (extracted levels: {sorted(tensors)})")
        return {lv: (tensors[lv].float(), float(meta["levels"][lv]["frame_rate"])) for lv in self.levels}

    def aligned(self, items: Sequence[Item], frames: int, frame_rate: float) -> dict[str, torch.Tensor]:
        """``{level: [N, frames, D] or [N, frames, L, D]}``: each item's features resampled onto a task's frames at
        ``frame_rate`` (through :func:`sonido.tasks.inject.align`), zero past the span they cover."""
        import torch.nn.functional as F

        from sonido.tasks.inject import align, frames_for

        self.ensure(items)
        out: dict[str, list[torch.Tensor]] = {}
        for item in items:
            for lv, (feat, rate) in self.load(item).items():
                span = min(frames, frames_for(feat.shape[0] / rate, frame_rate))  # task frames covered
                pad = (0, 0) * (feat.dim() - 1) + (0, frames - span)  # zeros after the span, on the time axis
                out.setdefault(lv, []).append(F.pad(align(feat[None], span)[0], pad))
        return {lv: torch.stack(v) for lv, v in out.items()}

"""Batch extraction: a file or a folder of audio -> one feature file per input.

For ``IN/a/b.wav`` it writes ``OUT/a/b.safetensors`` (one tensor per level, ``[frames, D]``
or ``[D]`` when pooled) and ``OUT/a/b.json`` (model, levels, layers, frame rates,
source). Both are written atomically, the JSON last: an input whose JSON exists is done
and skipped on re-run. Unreadable inputs are skipped with their reason logged and counted.

The work runs in Lightning's predict loop: ``workers`` DataLoader processes decode and
resample audio while the model runs, and ``devices``/``strategy`` spread the files over
GPUs or hosts (each rank writes the files of its shard; the summary counts this rank's).
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import BasePredictionWriter
from torch.utils.data import DataLoader, Dataset

from sonido.audio import AUDIO_SUFFIXES, AudioError, load
from sonido.fileio import atomic_write_bytes, atomic_write_json
from sonido.model import SoniDo
from sonido.train.runtime import quiet_lightning

log = logging.getLogger(__name__)


@dataclass
class ExtractionSummary:
    """What a batch extraction did."""

    written: int = 0
    skipped_done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def list_inputs(source: Path, pattern: str | None = None, only: Collection[str] | None = None) -> list[tuple[Path, Path]]:
    """``(audio file, path relative to the source)`` for a file or every audio file in a folder.

    Args:
        pattern: keep only files whose relative path matches this glob (e.g. ``*/mix.wav``).
        only: keep only these relative paths (POSIX form).
    """
    if source.is_file():
        return [(source, Path(source.name))]
    if not source.is_dir():
        raise FileNotFoundError(f"no such file or folder: {source}")
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    pairs = [(p, p.relative_to(source)) for p in files]
    if pattern:
        pairs = [(p, r) for p, r in pairs if fnmatch.fnmatch(r.as_posix(), pattern)]
    if only is not None:
        wanted = set(only)
        pairs = [(p, r) for p, r in pairs if r.as_posix() in wanted]
    return pairs


class _AudioInputs(Dataset):
    """One input per index, decoded in a DataLoader worker; a failure is data, not an exception."""

    def __init__(self, inputs: list[tuple[Path, Path]], max_seconds: float | None):
        self.inputs, self.max_seconds = inputs, max_seconds

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> dict[str, Any]:
        path, rel = self.inputs[index]
        item: dict[str, Any] = {"path": path, "rel": rel, "audio": None, "rate": 0, "error": None}
        try:
            audio, rate = load(path)
        except AudioError as err:
            item["error"] = err.problem
            return item
        if self.max_seconds is not None:
            audio = audio[:, : int(round(self.max_seconds * rate))]
        item.update(audio=audio, rate=rate)
        return item


class _Extractor(L.LightningModule):
    """The model's codec and priors as one module, so Lightning can place them on a device."""

    def __init__(self, model: SoniDo, levels: tuple[str, ...], layers: tuple[int, ...] | None):
        super().__init__()
        self.codec, self.priors = model.codec, torch.nn.ModuleDict(model.priors)
        self.model, self.levels, self.layers = model, levels, layers

    def predict_step(self, item: dict[str, Any], batch_idx: int) -> dict[str, Any]:
        if item["error"] is None:
            try:
                item["features"] = self.model.extract(item["audio"], item["rate"], levels=self.levels, layers=self.layers)
            except AudioError as err:  # e.g. empty or non-finite audio
                item["error"] = err.problem
        return item


class _Writer(BasePredictionWriter):
    """Writes each input's features (tensors first, the JSON sidecar last) as soon as they exist."""

    def __init__(self, out: Path, pool: str, model_name: str, max_seconds: float | None, summary: ExtractionSummary):
        super().__init__(write_interval="batch")
        self.out, self.pool, self.model_name, self.max_seconds, self.summary = out, pool, model_name, max_seconds, summary

    def write_on_batch_end(self, trainer, pl_module, item, batch_indices, batch, batch_idx, dataloader_idx=0) -> None:
        from safetensors.torch import save as st_save

        if item["error"] is not None:
            log.warning("skipping %s: %s", item["path"], item["error"])
            self.summary.failed.append((str(item["path"]), item["error"]))
            return
        feats = item["features"]
        tensors = {lv: (f.pooled() if self.pool == "mean" else f.data)[0].contiguous().cpu() for lv, f in feats.items()}
        target = self.out / item["rel"].with_suffix("")
        atomic_write_bytes(target.with_suffix(".safetensors"), st_save(tensors))
        atomic_write_json(target.with_suffix(".json"), {
            "model": self.model_name, "source": str(item["path"]), "pool": self.pool, "max_seconds": self.max_seconds,
            "levels": {lv: {"layers": list(f.layers), "frame_rate": f.frame_rate,
                            "shape": list(tensors[lv].shape)} for lv, f in feats.items()},
        })  # fmt: skip
        self.summary.written += 1


def extract_files(
    model: SoniDo,
    source: str | Path,
    out: str | Path,
    levels: tuple[str, ...] = ("top", "mid"),
    layers: tuple[int, ...] | None = None,
    pool: str = "mean",
    progress: bool = True,
    pattern: str | None = None,
    only: Collection[str] | None = None,
    max_seconds: float | None = None,
    workers: int = 0,
    accelerator: str = "cpu",
    devices: int | str = 1,
    strategy: str = "auto",
) -> ExtractionSummary:
    """Extract features of every audio file under ``source`` into ``out`` (resumable).

    Args:
        pool: ``mean`` stores ``[D]`` per level, ``none`` the frames ``[frames, D]``.
        pattern: glob on paths relative to ``source`` selecting the inputs.
        only: relative paths (POSIX) selecting the inputs.
        max_seconds: use only the first ``max_seconds`` of every input (recorded in the sidecar).
        workers: DataLoader processes decoding audio.
        accelerator, devices, strategy: passed to :class:`lightning.Trainer`.
    """
    if pool not in ("mean", "none"):
        raise ValueError(f"pool must be 'mean' or 'none', got {pool!r}")
    if max_seconds is not None and max_seconds <= 0:
        raise ValueError(f"max_seconds must be positive, got {max_seconds}")
    out = Path(out)
    summary = ExtractionSummary()
    todo = []
    for path, rel in list_inputs(Path(source), pattern, only):
        if (out / rel.with_suffix(".json")).exists():
            summary.skipped_done += 1
        else:
            todo.append((path, rel))
    if not todo:
        return summary
    loader = DataLoader(
        _AudioInputs(todo, max_seconds), batch_size=None, num_workers=workers, persistent_workers=False
    )  # batch_size=None: one file per step, whatever its length
    quiet_lightning()
    trainer = L.Trainer(
        accelerator=accelerator, devices=devices, strategy=strategy, logger=False, enable_checkpointing=False,
        enable_progress_bar=progress, enable_model_summary=False,
        callbacks=[_Writer(out, pool, model.name, max_seconds, summary)],
    )  # fmt: skip
    trainer.predict(_Extractor(model, levels, layers), loader, return_predictions=False)
    return summary

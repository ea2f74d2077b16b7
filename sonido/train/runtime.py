"""What every training run shares: atomic checkpoints, model export, seeded epochs,
and one Lightning ``Trainer`` set-up (CSV logs, checkpoints every N steps, resume,
a wall-clock budget, any devices/strategy Lightning supports)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from torch.utils.data import DataLoader, Dataset

from sonido.configbase import ConfigBase


def quiet_lightning() -> None:
    """Silence Lightning's per-Trainer banners and the warnings that do not apply to our loops
    (runs that fit in a few batches, one-file-per-step predict batches)."""
    import logging
    import warnings

    for name in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for message in ("Couldn't infer the batch indices", ".*is smaller than the logging interval", ".*LeafSpec.*",
                    ".*does not have many workers.*"):  # fmt: skip
        warnings.filterwarnings("ignore", message=message)


@dataclass(frozen=True)
class TrainConfig(ConfigBase):
    """Optimisation settings shared by every model family (a preset's ``train`` section).

    Attributes:
        batch_size: examples per step (per device).
        lr: learning rate.
        max_steps: optimiser steps.
        checkpoint_every: steps between checkpoints (the most a killed run loses).
        val_every: steps between validations.
        val_batches: validation batches.
        seed: data order and initialisation.
    """

    batch_size: int = 8
    lr: float = 1e-3
    max_steps: int = 100000
    checkpoint_every: int = 100
    val_every: int = 200
    val_batches: int = 4
    seed: int = 0


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning checkpoints written to a temp file and renamed: a kill never leaves half a file."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path, storage_options=None) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        torch.save(checkpoint, tmp)
        os.replace(tmp, path)


class ExportModel(L.Callback):
    """Call ``export(module, folder, **info)`` with every checkpoint and at the end (rank 0);
    with ``monitor`` (a validation metric, lower is better), after each validation that
    improves it instead, so the folder keeps the best-validated model (an over-long run on
    little data cannot overwrite it with an overfitted one).

    ``info`` carries the step count, the data, the train config and the last metrics: the
    raw material of a model card.
    """

    def __init__(self, export: Callable[..., Any], folder: Path, every: int, data: str, monitor: str | None = None):
        self.export, self.folder, self.every, self.data, self.started = export, folder, every, data, time.time()
        self.monitor, self.best = monitor, self._exported_score(folder, monitor)

    @staticmethod
    def _exported_score(folder: Path, monitor: str | None) -> float:
        """The monitored score of the model already exported (a resumed run must beat it)."""
        config = folder / "config.json"
        if monitor is None or not config.exists():
            return float("inf")
        return float(json.loads(config.read_text()).get("info", {}).get("last_metrics", {}).get(monitor, float("inf")))

    def _export(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        metrics = {k: round(float(v), 5) for k, v in trainer.callback_metrics.items() if k.startswith(("val/", "train/"))}
        self.export(
            module, self.folder, steps=int(trainer.global_step), data=self.data,
            train=module.hparams.get("train"), last_metrics=metrics,
            wall_seconds_this_run=round(time.time() - self.started, 1),
        )  # fmt: skip

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if self.monitor is None and trainer.global_step % self.every == 0:
            self._export(trainer, module)

    def on_validation_end(self, trainer, module) -> None:
        score = trainer.callback_metrics.get(self.monitor) if self.monitor else None
        if score is not None and float(score) < self.best:
            self.best = float(score)
            self._export(trainer, module)

    def on_train_end(self, trainer, module) -> None:
        if self.monitor is None or not (self.folder / "config.json").exists():
            self._export(trainer, module)


class EpochSeed(L.Callback):
    """Give the dataset the epoch number so each epoch draws new, reproducible samples."""

    def on_train_epoch_start(self, trainer, module) -> None:
        trainer.train_dataloader.dataset.set_epoch(trainer.current_epoch)


def fit(
    module: L.LightningModule,
    train_ds: Dataset,
    valid_ds: Dataset,
    out: Path,
    export: Callable[..., Any],
    config: TrainConfig,
    *,
    data: str,
    max_minutes: float | None,
    devices: int | str,
    strategy: str,
    accelerator: str,
    resume: bool,
    progress: bool,
    precision: str = "32-true",
    num_nodes: int = 1,
    export_best: str | None = None,
) -> None:
    """Train ``module``; checkpoints in ``out/checkpoints``, logs in ``out/logs``, the
    exported model in ``out/model``. ``resume`` continues from ``last.ckpt`` if present.
    ``precision`` is Lightning's (``"bf16-mixed"`` on GPUs that have it); ``num_nodes`` > 1
    runs one process group over several machines (Lightning's cluster environments: SLURM,
    torchrun, or ``MASTER_ADDR``/``MASTER_PORT``/``NODE_RANK`` set on each node).
    ``export_best``: a validation metric (lower is better); ``out/model`` then holds the
    model of the best validation so far rather than the latest.

    ``train_ds`` must have ``seed`` and ``set_epoch``; under DDP each rank gets its own seed.
    """
    from lightning.pytorch.callbacks import ModelCheckpoint
    from lightning.pytorch.loggers import CSVLogger

    last = out / "checkpoints" / "last.ckpt"
    batch_size, checkpoint_every = config.batch_size, config.checkpoint_every
    trainer = L.Trainer(
        accelerator=accelerator,
        devices=devices,
        num_nodes=num_nodes,
        strategy=strategy,
        precision=precision,
        max_steps=config.max_steps,
        max_time={"minutes": max_minutes} if max_minutes else None,
        logger=CSVLogger(out, name="logs"),
        callbacks=[
            ModelCheckpoint(out / "checkpoints", filename="{step}", every_n_train_steps=checkpoint_every,
                            save_last=True, save_top_k=1),
            ExportModel(export, out / "model", checkpoint_every, data, monitor=export_best),
            EpochSeed(),
        ],  # fmt: skip
        plugins=[AtomicCheckpointIO()],
        log_every_n_steps=10,
        enable_progress_bar=progress,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        use_distributed_sampler=False,  # samples are random per rank already: seeded below
    )
    if trainer.world_size > 1:
        train_ds.seed = config.seed * 1000 + trainer.global_rank
    trainer.fit(
        module,
        DataLoader(train_ds, batch_size=batch_size, shuffle=False, num_workers=0),
        DataLoader(valid_ds, batch_size=batch_size, shuffle=False, num_workers=0),
        ckpt_path=str(last) if resume and last.exists() else None,
    )

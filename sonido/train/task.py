"""The Lightning loop every downstream task trains with.

:func:`task_trainer` is the one place a task's :class:`lightning.Trainer` is configured
(accelerator from the run, quiet, no sanity pass); :func:`fit_and_test` adds the usual
protocol on top: early stopping on the validation split, the best validation checkpoint
kept, the test split scored with that checkpoint. Tasks with their own selection rule
(the probe grid selects per member inside its module) call :func:`task_trainer` directly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import lightning as L
from torch.utils.data import DataLoader

from sonido.train.runtime import AtomicCheckpointIO, quiet_lightning


@dataclass(frozen=True)
class FitResult:
    """Test metrics at the best validation checkpoint, and what the fit cost."""

    test: dict[str, float]
    best_val: float
    epochs: int
    train_seconds: float


def task_trainer(max_epochs: int, accelerator: str = "cpu", callbacks=(), out: str | Path | None = None,
                 **kwargs) -> L.Trainer:  # fmt: skip
    """A quiet one-device trainer; with ``out``, CSV logs and atomic checkpoints go there."""
    from lightning.pytorch.loggers import CSVLogger

    quiet_lightning()
    logging = {"logger": CSVLogger(out, name="", version=""), "plugins": [AtomicCheckpointIO()], "log_every_n_steps": 1} \
        if out is not None else {"logger": False, "enable_checkpointing": False}  # fmt: skip
    return L.Trainer(max_epochs=max_epochs, accelerator=accelerator, devices=1, callbacks=list(callbacks),
                     enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                     **logging, **kwargs)  # fmt: skip


def fit_and_test(
    module: L.LightningModule,
    train: DataLoader,
    val: DataLoader,
    test: DataLoader | list[DataLoader],
    monitor: str,
    mode: str,
    out: str | Path,
    max_epochs: int = 30,
    patience: int = 5,
    seed: int = 0,
    accelerator: str = "cpu",
) -> FitResult:
    """Train ``module`` until ``monitor`` stops improving, then test its best checkpoint.

    ``module`` logs ``monitor`` in its validation loop and returns its test metrics from
    ``test_metrics()`` after :meth:`lightning.Trainer.test` (so metrics that need the
    whole test set, like AUCs, are computed once over it). ``test`` may be several loaders
    (e.g. validation clips to choose decoding thresholds on, then test clips).

    Args:
        monitor: the logged validation metric, e.g. ``val/roc_auc_macro``.
        mode: ``max`` or ``min``.
        out: run folder (checkpoints, CSV logs).
        accelerator: the run's Lightning accelerator.
    """
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    L.seed_everything(seed, workers=True, verbose=False)
    out = Path(out)
    best = ModelCheckpoint(dirpath=out / "checkpoints", monitor=monitor, mode=mode, save_top_k=1, filename="best")
    trainer = task_trainer(max_epochs, accelerator, [EarlyStopping(monitor, mode=mode, patience=patience), best], out)
    start = time.perf_counter()
    trainer.fit(module, train, val)
    seconds = time.perf_counter() - start
    trainer.test(module, test, ckpt_path=best.best_model_path, verbose=False)
    return FitResult(module.test_metrics(), float(best.best_model_score), trainer.current_epoch, seconds)

"""The Lightning loop every downstream task trains with: early stopping on the validation
split, the best validation checkpoint kept, the test split scored with that checkpoint."""

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


def fit_and_test(
    module: L.LightningModule,
    train: DataLoader,
    val: DataLoader,
    test: DataLoader,
    monitor: str,
    mode: str,
    out: str | Path,
    max_epochs: int = 30,
    patience: int = 5,
    seed: int = 0,
) -> FitResult:
    """Train ``module`` until ``monitor`` stops improving, then test its best checkpoint.

    ``module`` logs ``monitor`` in its validation loop and returns its test metrics from
    ``test_metrics()`` after :meth:`lightning.Trainer.test` (so metrics that need the
    whole test set, like AUCs, are computed once over it).

    Args:
        monitor: the logged validation metric, e.g. ``val/roc_auc_macro``.
        mode: ``max`` or ``min``.
        out: run folder (checkpoints, CSV logs).
    """
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
    from lightning.pytorch.loggers import CSVLogger

    quiet_lightning()
    L.seed_everything(seed, workers=True, verbose=False)
    out = Path(out)
    best = ModelCheckpoint(dirpath=out / "checkpoints", monitor=monitor, mode=mode, save_top_k=1, filename="best")
    trainer = L.Trainer(
        max_epochs=max_epochs, accelerator="cpu", devices=1, logger=CSVLogger(out, name="", version=""),
        callbacks=[EarlyStopping(monitor, mode=mode, patience=patience), best], plugins=[AtomicCheckpointIO()],
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0, log_every_n_steps=1,
    )  # fmt: skip
    start = time.perf_counter()
    trainer.fit(module, train, val)
    seconds = time.perf_counter() - start
    trainer.test(module, test, ckpt_path=best.best_model_path, verbose=False)
    return FitResult(module.test_metrics(), float(best.best_model_score), trainer.current_epoch, seconds)

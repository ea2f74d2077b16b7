"""Training a level's prior with Lightning, on a token cache made by the codec.

``train_prior("top", codec="sonido-tiny", data=CORPUS, out=RUN)`` encodes the corpus once
(``RUN/../tokens-<fingerprint>`` by default; resumable), then trains with the same
checkpoint / resume / export / logging rules as the codec.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import lightning as L
import torch

from sonido import codec as codec_api
from sonido.prior import checkpoint as prior_ckpt
from sonido.prior.presets import load_prior_preset
from sonido.prior.prior import Prior, PriorConfig
from sonido.train.audio_data import DataRoots, describe_roots
from sonido.train.runtime import TrainConfig, fit
from sonido.train.tokens import (
    TokenWindows,
    cache_fingerprint,
    cached_levels,
    codec_fingerprint,
    corpus_labels,
    encode_dataset,
    load_tokens,
)  # fmt: skip


@dataclass(frozen=True)
class PriorTrainConfig(TrainConfig):
    """:class:`TrainConfig` with the priors' defaults."""

    batch_size: int = 4
    lr: float = 5e-4


class PriorModule(L.LightningModule):
    """A prior, its cross-entropy loss (logged in bits per token) and optimiser."""

    def __init__(self, model: dict[str, Any], train: dict[str, Any]):
        super().__init__()
        self.save_hyperparameters()
        self.model = Prior(PriorConfig.from_dict(model))
        self.train_config = PriorTrainConfig.from_dict(train)

    def _loss(self, batch) -> torch.Tensor:
        tokens, upper, label = batch
        return self.model.loss(tokens, upper if upper.numel() else None, label if self.model.label is not None else None)

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        loss = self._loss(batch)
        self.log_dict({"train/loss": loss, "train/bits_per_token": loss / math.log(2)})
        self.log("bpt", loss / math.log(2), prog_bar=True, logger=False)
        return loss

    def validation_step(self, batch, batch_idx: int) -> None:
        loss = self._loss(batch)
        self.log_dict({"val/loss": loss, "val/bits_per_token": loss / math.log(2)}, sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.train_config.lr, betas=(0.9, 0.95), weight_decay=0.01)


def _export(module: PriorModule, folder: Path, **info: Any) -> None:
    prior_ckpt.save(module.model, folder, **info)


def train_prior(
    level: str,
    codec: str,
    data: DataRoots | None,
    out: str | os.PathLike,
    preset: str = "tiny",
    cache: str | os.PathLike | None = None,
    model_overrides: dict[str, Any] | None = None,
    train_overrides: dict[str, Any] | None = None,
    max_minutes: float | None = None,
    devices: int | str = 1,
    num_nodes: int = 1,
    strategy: str = "auto",
    accelerator: str = "auto",
    resume: bool = False,
    precision: str = "32-true",
    progress: bool = True,
    label: str | None = None,
    excerpt_seconds: float | None = None,
) -> Path:
    """Train the ``level`` prior; returns the exported model folder (``out/model``).

    Args:
        level: ``top``, ``mid`` or ``bottom``.
        codec: the codec whose tokens are modelled (folder or registered name).
        data: a corpus folder (embedded or real-music), any folder of audio files, or a list of
            them; ``None`` trains from ``cache`` alone (a finished cache, e.g. carried to a GPU machine).
        out: run folder.
        cache: token cache folder (default: ``out/../tokens-<codec fingerprint>``, shared by levels).
        excerpt_seconds: encode only the centre of each file into the cache (see
            :func:`sonido.train.tokens.encode_dataset`).
        label: condition on this per-piece field of the corpus manifest (e.g. ``collection``);
            the names are kept in the prior's config (``label_names``).
        precision: Lightning's, e.g. ``"bf16-mixed"`` on a GPU.
    """
    out = Path(out)
    spec = load_prior_preset(preset)
    if level not in ("top", "mid", "bottom"):
        raise ValueError(f"level must be top, mid or bottom, got {level!r}")
    tokenizer = codec_api.load(codec)
    model_cfg = PriorConfig.from_dict({**spec[level], **(model_overrides or {})})
    if model_cfg.vocab_size != tokenizer.codebook_size(level):
        model_cfg = replace(model_cfg, vocab_size=tokenizer.codebook_size(level))
    train_cfg = replace(PriorTrainConfig.from_dict(spec["train"]), **(train_overrides or {}))
    L.seed_everything(train_cfg.seed, workers=True)
    cache = Path(cache) if cache else out.parent / f"tokens-{codec_fingerprint(tokenizer)}"
    if data is not None:
        encode_dataset(tokenizer, data, cache, progress=progress, excerpt_seconds=excerpt_seconds)
    elif cache_fingerprint(cache) != codec_fingerprint(tokenizer):  # a finished cache made elsewhere
        raise ValueError(f"{cache} is not a token cache of {codec}: give --data to build one")
    if level not in cached_levels(cache):
        raise ValueError(f"the token cache {cache} holds {cached_levels(cache)} only: the {level} prior needs a "
                         "cache with its level (sonido prior tokens --levels ...)")  # fmt: skip
    ratio = model_cfg.upsample_ratio
    by_source = None
    if label:
        names, by_source = corpus_labels(data, label)
        model_cfg = replace(model_cfg, num_labels=len(names), label_names=names)

    def windows(split: str, length: int, seed: int) -> TokenWindows:
        clips, sources = load_tokens(cache, split)
        if by_source is None:
            return TokenWindows(clips, level, model_cfg.context, length, ratio, seed)
        unknown = [s for s in sources if str(Path(s).resolve()) not in by_source]
        if unknown:
            raise ValueError(f"{len(unknown)} cached clips are not pieces of {data} (e.g. {unknown[0]}): use its own cache")
        labels = [by_source[str(Path(s).resolve())] for s in sources]
        return TokenWindows(clips, level, model_cfg.context, length, ratio, seed, labels=labels)

    train_ds = windows("train", train_cfg.val_every * train_cfg.batch_size, train_cfg.seed)
    valid_ds = windows("valid", train_cfg.val_batches * train_cfg.batch_size, 12345)
    module = PriorModule(model_cfg.to_dict(), asdict(train_cfg))
    fit(
        module, train_ds, valid_ds, out, _export, train_cfg, data=f"{describe_roots(data) if data is not None else cache} (codec {codec})", max_minutes=max_minutes,
        devices=devices, strategy=strategy, accelerator=accelerator, resume=resume, progress=progress,
        precision=precision, num_nodes=num_nodes, export_best="val/loss",
    )  # fmt: skip
    return out / "model"

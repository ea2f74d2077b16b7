"""Training the HQ-VAE codec with Lightning.

``train_codec(data, out, preset="tiny")`` trains on random crops of the corpus (or any
folder of audio), checkpoints every ``checkpoint_every`` steps (atomically: temp file +
rename), exports the self-describing model (``out/model``: safetensors + config) at
every checkpoint and at the end, logs to CSV, and resumes from ``out/checkpoints/last.ckpt``
with ``resume=True``. Multi-GPU/multi-node: ``devices``/``strategy`` go to Lightning.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import lightning as L
import torch

from sonido.codec import checkpoint as codec_ckpt
from sonido.codec.codebook import code_stats
from sonido.codec.config import HQVAEConfig, load_preset
from sonido.codec.hqvae import HQVAE
from sonido.codec.losses import ReconstructionLoss, mel_distance, si_sdr, stft_distance
from sonido.codec.tokenizer import LEVELS
from sonido.train.audio_data import DataRoots, FixedCrops, RandomCrops, collect_audio, describe_roots, read_all
from sonido.train.runtime import TrainConfig, fit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CodecTrainConfig(TrainConfig):
    """:class:`TrainConfig` plus ``segment``, the crop length in samples."""

    segment: int = 16384


class CodecModule(L.LightningModule):
    """The codec plus its loss, metrics and optimiser."""

    def __init__(self, model: dict[str, Any], train: dict[str, Any]):
        super().__init__()
        self.save_hyperparameters()
        self.model = HQVAE(HQVAEConfig.from_dict(model))
        self.train_config = CodecTrainConfig.from_dict(train)
        self.recon = ReconstructionLoss(self.model.config.stft_sizes, self.model.config.stft_weight)
        self._val_codes: dict[str, list[torch.Tensor]] = {lv: [] for lv in LEVELS}

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        out = self.model(batch)  # batch [B, 1, T]
        rec = self.recon(out.audio, batch)
        latent = out.latent_loss / batch.shape[-1]  # per waveform sample, like the ½ log MSE term
        loss = rec["loss"] + latent
        logs = {"train/loss": loss, "train/mse": rec["mse"], "train/stft": rec["stft"], "train/latent": latent}
        logs.update({f"train/{k}": v for k, v in out.metrics.items()})
        q = self.model.quantizers["top"]
        if hasattr(q, "variance"):
            logs["train/temperature"] = q.temperature  # a float: Lightning puts it on the module's device
            logs.update({f"train/variance/{lv}": self.model.quantizers[lv].variance.detach() for lv in LEVELS})
        self.log_dict(logs, prog_bar=False, sync_dist=False)
        self.log("loss", loss, prog_bar=True, logger=False)
        return loss

    def validation_step(self, batch: torch.Tensor, batch_idx: int) -> None:
        out = self.model(batch)  # eval mode: nearest codes, no level dropout
        sr = self.model.sample_rate
        self.log_dict(
            {
                "val/mel_distance": mel_distance(out.audio, batch, sr),
                "val/si_sdr": si_sdr(out.audio, batch),
                "val/stft": stft_distance(out.audio, batch),
            },
            sync_dist=True,
        )
        for lv in LEVELS:
            self._val_codes[lv].append(out.tokens[lv].detach().cpu())

    def on_validation_epoch_end(self) -> None:
        for lv in LEVELS:
            if self._val_codes[lv]:
                ppl, usage = code_stats(torch.cat([c.reshape(-1) for c in self._val_codes[lv]]), self.model.codebook_size(lv))
                self.log(f"val/perplexity/{lv}", ppl)
                self.log(f"val/usage/{lv}", usage)
            self._val_codes[lv] = []

    def configure_optimizers(self):
        # The SQ variances anneal over a few thousand steps only if they move faster than
        # the weights: on our short budgets they get a 10x learning rate [ours].
        var = [p for n, p in self.named_parameters() if n.endswith("var_logit")]
        rest = [p for n, p in self.named_parameters() if not n.endswith("var_logit")]
        lr = self.train_config.lr
        groups = [{"params": rest, "lr": lr}] + ([{"params": var, "lr": 10 * lr}] if var else [])
        return torch.optim.Adam(groups, betas=(0.9, 0.99))


def _export(module: CodecModule, folder: Path, **info: Any) -> None:
    codec_ckpt.save(module.model, folder, **info)


def train_codec(
    data: DataRoots,
    out: str | os.PathLike,
    preset: str = "tiny",
    model_overrides: dict[str, Any] | None = None,
    train_overrides: dict[str, Any] | None = None,
    max_minutes: float | None = None,
    devices: int | str = 1,
    num_nodes: int = 1,
    strategy: str = "auto",
    accelerator: str = "auto",
    resume: bool = False,
    precision: str = "32-true",
    init: str | None = None,
    progress: bool = True,
) -> Path:
    """Train a codec; returns the exported model folder (``out/model``).

    Args:
        data: a corpus folder (embedded or real-music), any folder of audio files, or a list of them.
        out: run folder: ``checkpoints/``, ``logs/``, ``model/``.
        preset: ``sonido/configs/codec/<preset>.json``.
        model_overrides / train_overrides: replace preset values.
        max_minutes: wall-clock budget (Lightning's timer; survives resume).
        devices / num_nodes / strategy / accelerator / precision: Lightning's, e.g. ``devices=8,
            num_nodes=4, strategy="ddp"`` (8 GPUs on each of 4 machines).
        resume: continue from ``out/checkpoints/last.ckpt``.
        init: start from a pretrained codec (folder or registered name).
    """
    out = Path(out)
    spec = load_preset(preset)
    model_cfg = HQVAEConfig.from_dict({**spec["model"], **(model_overrides or {})})
    train_cfg = replace(CodecTrainConfig.from_dict(spec["train"]), **(train_overrides or {}))
    last = out / "checkpoints" / "last.ckpt"
    if resume and not last.exists():
        log.warning("no checkpoint at %s: starting a new run", last)
    L.seed_everything(train_cfg.seed, workers=True)

    files = collect_audio(data)
    train_clips = read_all(files.train, model_cfg.sample_rate)
    valid_clips = read_all(files.valid, model_cfg.sample_rate, allow_empty=True)
    if not valid_clips:
        log.warning("no readable validation file: validating on the last training file")
        valid_clips = train_clips[-1:]
    steps_per_epoch = train_cfg.val_every
    train_ds = RandomCrops(train_clips, train_cfg.segment, steps_per_epoch * train_cfg.batch_size, train_cfg.seed)
    valid_ds = FixedCrops(valid_clips, train_cfg.segment, train_cfg.val_batches * train_cfg.batch_size)

    module = CodecModule(model_cfg.to_dict(), asdict(train_cfg))
    if init is not None:
        module.model.load_state_dict(codec_ckpt.load(init).state_dict())
    fit(
        module, train_ds, valid_ds, out, _export, train_cfg, data=describe_roots(data), max_minutes=max_minutes,
        devices=devices, strategy=strategy, accelerator=accelerator, resume=resume, progress=progress,
        precision=precision, num_nodes=num_nodes,
    )  # fmt: skip
    return out / "model"

"""Boosted music transcription: frame, onset and offset piano rolls from a log-mel (and SoniDo
features), notes decoded with thresholds chosen on validation, scored by ``mir_eval``.

Variants as every task's: baseline (log-mel only), boosted (log-mel + features), control
(log-mel + the random-weight model's features), features_only. Architectures: the paper's
one-layer probe (``arch=probe``, ``probe=linear|bigru``) and a small Onsets-and-Frames CRNN
(``arch=crnn``). Data: any dataset whose items carry ground-truth MIDI (the embedded corpus'
``all.mid``, exact by construction; MAESTRO through its loader); drum tracks are left out.
Each run saves its network, with the thresholds chosen on validation, in ``OUT/model``
(what ``sonido transcribe -m`` loads).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, RandomSampler
from torch.utils.data import Dataset as TorchDataset

from sonido.data.datasets.base import Dataset, DatasetError, Item
from sonido.tasks.base import PEER, TASK_VARIANTS, RunConfig, Task
from sonido.tasks.frontend import first_seconds, log_mel
from sonido.tasks.inject import FeatureDims, feature_dims
from sonido.tasks.metrics import transcription_metrics
from sonido.tasks.results import Row
from sonido.tasks.sampling import split_indices, training_subset
from sonido.tasks.transcription.config import TranscriptionConfig
from sonido.tasks.transcription.models import CRNNTranscriber, ProbeTranscriber
from sonido.tasks.transcription.notes import PitchRange, decode_notes, notes_to_rolls, read_notes
from sonido.tasks.transcription.predict import Transcriber, save_transcriber


@dataclass
class _Prepared:
    """A dataset in memory: log-mels, each item's notes, and features aligned to the mel frames."""

    items: list[Item]
    mels: torch.Tensor  # (N, n_mels, T)
    notes: list[np.ndarray]  # per item [n, 3] onset, offset (s), pitch
    features: dict[str, dict[str, torch.Tensor]]  # features key (model name, @all-layers for stacks) -> level -> (N, T, D)


class _Chunks(TorchDataset):
    """Random training chunks: (mel [n_mels, C], features {level: [C, D]}, rolls [3, C, P])."""

    def __init__(self, data: _Prepared, index: list[int], features_key: str | None, chunk: int, cfg: TranscriptionConfig):
        self.data, self.index, self.key, self.chunk, self.cfg = data, index, features_key, chunk, cfg
        self.pitches = PitchRange.named(cfg.pitches)

    def __len__(self) -> int:
        return len(self.index)

    def _rolls(self, n: int) -> torch.Tensor:
        return torch.from_numpy(notes_to_rolls(self.data.notes[n], self.data.mels.shape[-1], self.cfg.frame_rate,
                                               self.pitches))  # fmt: skip

    def __getitem__(self, i: int):
        n = self.index[i]
        frames = self.data.mels.shape[-1]
        start = int(torch.randint(0, max(1, frames - self.chunk + 1), ()))
        sl = slice(start, start + self.chunk)
        feats = {lv: f[n, sl] for lv, f in self.data.features[self.key].items()} if self.key else {}
        return self.data.mels[n, :, sl], feats, self._rolls(n)[:, sl], n


class _Clips(_Chunks):
    """Whole clips, for validation and test."""

    def __getitem__(self, i: int):
        n = self.index[i]
        feats = {lv: f[n] for lv, f in self.data.features[self.key].items()} if self.key else {}
        return self.data.mels[n], feats, self._rolls(n), n


class TranscriptionModule(L.LightningModule):
    """BCE on the three rolls (positives weighted by ``pos_weight``). Testing takes two loaders, validation clips then test clips:
    the onset and frame thresholds that maximise note F1 on the first are used on the second."""

    def __init__(self, model: torch.nn.Module, cfg: TranscriptionConfig, data: _Prepared, use_feats: bool, score_notes):
        super().__init__()
        self.model, self.cfg, self.data, self.use_feats = model, cfg, data, use_feats
        self.score_notes = score_notes  # (data, item index, notes) -> mir_eval scores
        self.pitches = PitchRange.named(cfg.pitches)
        self._probs: dict[int, list[tuple[int, np.ndarray]]] = {}
        self._test: dict[str, float] = {}

    def _loss(self, batch) -> torch.Tensor:
        mel, feats, rolls, _ = batch
        logits = self.model(mel, feats if self.use_feats else None)
        return F.binary_cross_entropy_with_logits(logits, rolls, pos_weight=logits.new_tensor(self.cfg.pos_weight))

    def training_step(self, batch, batch_idx):
        loss = self._loss(batch)
        self.log("train/loss", loss, on_step=False, on_epoch=True, batch_size=len(batch[0]))
        return loss

    def validation_step(self, batch, batch_idx):
        self.log("val/loss", self._loss(batch), on_step=False, on_epoch=True, batch_size=len(batch[0]))

    def test_step(self, batch, batch_idx, dataloader_idx: int = 0):
        mel, feats, _, n = batch
        probs = torch.sigmoid(self.model(mel, feats if self.use_feats else None)).cpu().numpy()
        self._probs.setdefault(dataloader_idx, []).extend(zip(n.tolist(), probs))

    def _scores(self, probs: list[tuple[int, np.ndarray]], onset_thr: float, frame_thr: float) -> dict[str, float]:
        rows = [self.score_notes(self.data, n, decode_notes(p[0], p[1], self.cfg.frame_rate, self.pitches, onset_thr,
                                                            frame_thr)) for n, p in probs]  # fmt: skip
        return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}

    def on_test_epoch_end(self):
        valid, test = self._probs[0], self._probs[1]
        grid = {t: self._scores(valid, *t) for t in itertools.product(self.cfg.thresholds, self.cfg.thresholds)}
        best = max(grid, key=lambda t: grid[t]["note_f1"])  # validation scored once per threshold pair
        self._test = {**self._scores(test, *best), "onset_threshold": best[0], "frame_threshold": best[1],
                      "valid_note_f1": grid[best]["note_f1"]}  # fmt: skip
        self._probs = {}

    def test_metrics(self) -> dict[str, float]:
        return self._test

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.cfg.lr, weight_decay=self.cfg.weight_decay)


class Transcription(Task):
    """Multi-pitch transcription with and without SoniDo features (see the module docstring)."""

    name = "transcription"
    primary_metric = "note_f1"
    secondary_metrics = ("note_offset_f1", "frame_f1")
    results_name = "transcription"
    config_class = TranscriptionConfig
    variants = (*TASK_VARIANTS, PEER)

    def __init__(self, cfg: TranscriptionConfig | None = None):
        super().__init__()
        self.cfg = cfg or TranscriptionConfig()
        PitchRange.named(self.cfg.pitches)  # fail early on a bad name
        if self.cfg.arch not in ("probe", "crnn"):
            raise ValueError(f"arch must be probe or crnn, got {self.cfg.arch!r}")
        self._peer_rows: dict[tuple, tuple[dict[str, float], float]] = {}

    @property
    def arch(self) -> str:
        return f"probe-{self.cfg.probe}" if self.cfg.arch == "probe" else "crnn"

    def sweep_arch(self, variant: str) -> str | None:
        if variant == PEER:
            return None
        return "features-only-" + self.arch if variant == "features_only" else self.arch

    def prepare(self, run: RunConfig) -> _Prepared:
        """Log-mels and notes of every item (once per dataset), plus the features this run needs."""
        return self.prepare_frames(run, self._load, self.cfg.frame_rate)

    def _load(self, dataset: Dataset, clip_seconds: float) -> _Prepared:
        cfg = self.cfg
        mels, notes = [], []
        for item in dataset:
            if item.midi is None or not item.midi.exists():
                raise DatasetError(f"{dataset.name} item {item.id} has no ground-truth MIDI: transcription needs it")
            x = first_seconds(dataset, item, cfg.sample_rate, clip_seconds, pad=True)
            mels.append(torch.from_numpy(log_mel(x, cfg.sample_rate, cfg.n_mels, cfg.n_fft, cfg.hop)).float())
            n = read_notes(item.midi)
            notes.append(n[n[:, 0] < clip_seconds])
        return _Prepared(list(dataset), torch.stack(mels), notes, {})

    def build(self, feature_dims: FeatureDims | None, use_mel: bool) -> torch.nn.Module:
        cfg, pitches = self.cfg, PitchRange.named(self.cfg.pitches).count
        if cfg.arch == "probe":
            return ProbeTranscriber(cfg.n_mels, pitches, feature_dims, cfg.feature_dim, cfg.probe, cfg.hidden, use_mel)
        return CRNNTranscriber(cfg.n_mels, pitches, feature_dims, cfg.feature_dim, cfg.channels, cfg.width, cfg.hidden,
                               use_mel)  # fmt: skip

    def _score_notes(self, data: _Prepared, n: int, est: np.ndarray) -> dict[str, float]:
        """``mir_eval`` scores of estimated notes against item ``n``'s, in the task's pitch range."""
        pitches, rate = PitchRange.named(self.cfg.pitches), self.cfg.frame_rate
        frames = data.mels.shape[-1]
        ref = data.notes[n]
        ref, est = ((x[(x[:, 2] >= pitches.low) & (x[:, 2] < pitches.low + pitches.count)]) for x in (ref, est))
        rolls = [notes_to_rolls(x, frames, rate, pitches)[1] for x in (ref, est)]
        return transcription_metrics(ref, est, *rolls, rate, pitches.low)

    def _peer(self, run: RunConfig, data: _Prepared, test: list[int]) -> list[Row]:
        """basic-pitch on the test clips (deterministic: computed once, the same row at every fraction and seed)."""
        import time

        from sonido.tasks.transcription.peers import BasicPitch

        key = ("basic-pitch", run.dataset, run.data, run.clip_seconds)
        if key not in self._peer_rows:
            peer, start, scores = BasicPitch(), time.perf_counter(), []
            for n in test:
                x = first_seconds(self.dataset(run), data.items[n], self.cfg.sample_rate, run.clip_seconds)
                scores.append(self._score_notes(data, n, peer.notes(x, self.cfg.sample_rate)))
            metrics = {k: float(np.mean([s[k] for s in scores])) for k in scores[0]}
            self._peer_rows[key] = (metrics, time.perf_counter() - start)
        metrics, seconds = self._peer_rows[key]
        return [Row("basic-pitch", PEER, run.fraction, run.seed, dict(metrics), seconds)]

    def run(self, run: RunConfig) -> list[Row]:
        from sonido.train.task import fit_and_test

        cfg = self.cfg
        data = self.prepare(run)
        split = split_indices(data.items, "transcription")
        if run.variant == PEER:
            return self._peer(run, data, split["test"])
        strata = [None] * len(split["train"])
        train = training_subset(split["train"], strata, run.fraction, run.seed)
        model_name = run.feature_model
        torch.manual_seed(run.seed)
        dims = feature_dims(data.features[run.features_key]) if model_name else None
        model = self.build(dims, use_mel=run.variant != "features_only")
        module = TranscriptionModule(model, cfg, data, model_name is not None, self._score_notes)
        chunks = _Chunks(data, train, run.features_key, cfg.chunk_frames, cfg)
        sampler = RandomSampler(chunks, replacement=True, num_samples=cfg.samples_per_epoch,
                                generator=torch.Generator().manual_seed(run.seed))  # fmt: skip
        train_loader = DataLoader(chunks, batch_size=cfg.batch_size, sampler=sampler, drop_last=True)
        clips = {s: DataLoader(_Clips(data, split[s], run.features_key, cfg.chunk_frames, cfg), batch_size=8)
                 for s in ("valid", "test")}  # fmt: skip
        result = fit_and_test(module, train_loader, clips["valid"], [clips["valid"], clips["test"]], monitor="val/loss",
                              mode="min", out=run.out, max_epochs=cfg.max_epochs, patience=cfg.patience,
                              seed=run.seed, accelerator=run.accelerator)  # fmt: skip
        metrics = {**result.test, "best_val_loss": result.best_val, "epochs": float(result.epochs),
                   "train_items": float(len(train))}  # fmt: skip
        save_transcriber(Transcriber(module.model, cfg, result.test["onset_threshold"], result.test["frame_threshold"],
                                     model_name, dims, run.variant != "features_only"),
                         Path(run.out) / "model", data=f"{run.dataset}:{run.data}", variant=run.variant,
                         fraction=run.fraction, seed=run.seed, test=result.test)  # fmt: skip
        arch = "features-only-" + self.arch if run.variant == "features_only" else self.arch
        return [Row(arch, run.variant, run.fraction, run.seed, metrics, result.train_seconds)]

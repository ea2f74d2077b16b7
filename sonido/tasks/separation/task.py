"""Boosted source separation: Open-Unmix or HTDemucs, with and without SoniDo features of the
mixture, scored by museval-style SDR and SI-SDR per target, beside the ideal-ratio-mask oracle.

Data: a dataset whose items carry the mixture and its targets as ``stems`` — the
separation set made from the embedded corpus (``sonido corpus separation``: random
remixes to train on, the pieces' own mixes to validate and test on) or MUSDB18-HQ.
Training excerpts of ``chunk_seconds`` are cut at random offsets (a multiple of the
feature hop, so the cached features of the mixture are cut with them) and their channels
swapped at random; every variant trains for the same number of steps. Validation picks
the epoch (loss); the test excerpts are separated whole. Each run saves its network in
``OUT/model`` (what ``sonido separate -m`` loads).

Variants: baseline, boosted (features of the mixture's mono downmix), control (the
random-weight model's features) and ``oracle``: open-unmix's ideal ratio mask (power,
"IRM2") on the tiny Open-Unmix STFT, computed from the references: a ceiling, not a model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import lightning as L
import torch
from torch.utils.data import DataLoader, RandomSampler
from torch.utils.data import Dataset as TorchDataset

from sonido.data.datasets.base import Dataset, DatasetError, Item
from sonido.tasks.base import ORACLE, RunConfig, Task
from sonido.tasks.metrics import aggregate_separation, separation_metrics
from sonido.tasks.results import Row
from sonido.tasks.sampling import split_indices, training_subset
from sonido.tasks.separation.config import SeparationConfig
from sonido.tasks.separation.models import build_separator


@dataclass
class _Prepared:
    """Every item's mixture ``[C, T]`` and sources ``[S, C, T]``, and features per model:
    per item ``{level: [T // feature_hop, D]}``."""

    items: list[Item]
    targets: tuple[str, ...]
    mixes: list[torch.Tensor]
    sources: list[torch.Tensor]
    features: dict[str, list[dict[str, torch.Tensor]]]


class _Excerpts(TorchDataset):
    """Training excerpts: (mix [C, L], sources [S, C, L], features {level: [L / hop, D]})."""

    def __init__(self, data: _Prepared, index: list[int], model: str | None, cfg: SeparationConfig):
        self.data, self.index, self.model, self.cfg = data, index, model, cfg
        self.hop = cfg.feature_hop
        self.length = int(cfg.chunk_seconds * cfg.sample_rate) // self.hop * self.hop

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        n = self.index[i]
        mix, src = self.data.mixes[n], self.data.sources[n]
        if mix.shape[-1] < self.length:
            raise DatasetError(f"{self.data.items[n].id} is shorter than chunk_seconds={self.cfg.chunk_seconds}")
        frame = int(torch.randint(0, (mix.shape[-1] - self.length) // self.hop + 1, ()))
        sl = slice(frame * self.hop, frame * self.hop + self.length)
        mix, src = mix[:, sl], src[..., sl]
        if self.cfg.channel_swap and mix.shape[0] == 2 and torch.rand(()) < 0.5:
            mix, src = mix.flip(0), src.flip(1)
        fsl = slice(frame, frame + self.length // self.hop)
        feats = {lv: f[fsl] for lv, f in self.data.features[self.model][n].items()} if self.model else {}
        return mix, src, feats


class _Whole(_Excerpts):
    """Whole excerpts (validation, test), one at a time: lengths may differ."""

    def __getitem__(self, i: int):
        n = self.index[i]
        feats = self.data.features[self.model][n] if self.model else {}
        return self.data.mixes[n], self.data.sources[n], feats, n


def _single(batch):
    """Collate for batch size 1 that keeps tensors batched ``[1, ...]``."""
    mix, src, feats, n = batch[0]
    return mix[None], src[None], {k: v[None] for k, v in feats.items()}, n


class SeparationModule(L.LightningModule):
    """The network's own loss for training and validation; the test step separates each test
    excerpt whole and scores it with :func:`~sonido.tasks.metrics.separation_metrics`."""

    def __init__(self, model: torch.nn.Module, cfg: SeparationConfig, targets: tuple[str, ...], use_feats: bool):
        super().__init__()
        self.model, self.cfg, self.targets, self.use_feats = model, cfg, targets, use_feats
        self._tracks: list[dict[str, float]] = []
        self._test: dict[str, float] = {}

    def _feats(self, feats):
        return feats if self.use_feats else None

    def training_step(self, batch, batch_idx):
        mix, src, feats = batch
        loss = self.model.loss(mix, src, self._feats(feats))
        self.log("train/loss", loss, on_step=False, on_epoch=True, batch_size=len(mix))
        return loss

    def validation_step(self, batch, batch_idx):
        mix, src, feats, _ = batch
        self.log("val/loss", self.model.loss(mix, src, self._feats(feats)), on_step=False, on_epoch=True, batch_size=1)

    def test_step(self, batch, batch_idx):
        mix, src, feats, _ = batch
        est = self.model(mix, self._feats(feats))
        self._tracks.append(separation_metrics(src[0].cpu().numpy(), est[0].cpu().numpy(), self.cfg.sample_rate,
                                               self.targets))  # fmt: skip

    def on_test_epoch_end(self):
        self._test, self._tracks = aggregate_separation(self._tracks, self.targets), []

    def test_metrics(self) -> dict[str, float]:
        return self._test

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.cfg.lr, weight_decay=self.cfg.weight_decay)


def oracle_irm(mix: torch.Tensor, sources: torch.Tensor, n_fft: int, hop: int, power: float = 2.0) -> torch.Tensor:
    """Open-unmix's ideal ratio mask oracle: ``[S, C, T]`` estimates from the mixture ``[C, T]``
    masked by ``|S_j|^p / Σ_k |S_k|^p`` of the true sources ``[S, C, T]`` (p = 2: "IRM2")."""
    from sonido.tasks.separation.umx import Spectrogram

    stft = Spectrogram(n_fft, hop)
    spec = stft(sources).abs() ** power  # (S, C, F, N)
    mask = spec / spec.sum(0, keepdim=True).clamp_min(1e-10)
    return stft.inverse(mask * stft(mix[None]), mix.shape[-1])


class Separation(Task):
    """Source separation with and without SoniDo features (see the module docstring)."""

    name = "separation"
    primary_metric = "sdr"
    secondary_metrics = ("si_sdr",)
    results_name = "separation"
    config_class = SeparationConfig
    variants = ("baseline", "boosted", "control", ORACLE)

    def __init__(self, cfg: SeparationConfig | None = None):
        super().__init__()
        self.cfg = cfg or SeparationConfig()
        self.cfg.sample_rate  # noqa: B018 — fail early on a bad arch or size
        self._oracle: dict[tuple, tuple[dict[str, float], float]] = {}

    def prepare(self, run: RunConfig) -> _Prepared:
        """Audio of every item (once per dataset) and the features this run's variant reads."""
        from sonido.tasks.featcache import FeatureCache

        key = (run.dataset, run.data, run.clip_seconds)
        if key not in self._prepared:
            self._prepared[key] = self._load(self.dataset(run), run.clip_seconds)
        data = self._prepared[key]
        model = run.feature_model
        if model is not None and model not in data.features:
            cache = FeatureCache(run.features, self.dataset(run), model, run.clip_seconds)
            hop, per_item = self.cfg.feature_hop, [None] * len(data.items)
            lengths = [mix.shape[-1] // hop for mix in data.mixes]
            for frames in sorted(set(lengths)):  # items of one length at a time (train mixes, eval excerpts)
                group = [i for i, n in enumerate(lengths) if n == frames]
                aligned = cache.aligned([data.items[i] for i in group], frames, self.cfg.sample_rate / hop)
                for j, i in enumerate(group):
                    per_item[i] = {lv: f[j] for lv, f in aligned.items()}
            data.features[model] = per_item
        return data

    def _load(self, dataset: Dataset, clip_seconds: float) -> _Prepared:
        from sonido.audio import load

        targets = tuple(dataset.classes)
        limit = int(clip_seconds * self.cfg.sample_rate)
        mixes, sources = [], []
        for item in dataset:
            if set(item.stems) != set(targets):
                raise DatasetError(f"{dataset.name} item {item.id} has stems {sorted(item.stems)}, expected {targets}")
            mix = load(item.audio, self.cfg.sample_rate)[0][:, :limit]
            src = torch.stack([load(item.stems[t], self.cfg.sample_rate)[0][:, :limit] for t in targets])
            if src.shape[1:] != mix.shape:
                raise DatasetError(f"{dataset.name} item {item.id}: stems {tuple(src.shape[1:])} vs mixture {tuple(mix.shape)}")
            mixes.append(mix)
            sources.append(src)
        return _Prepared(list(dataset), targets, mixes, sources, {})

    def _oracle_row(self, run: RunConfig, data: _Prepared, test: list[int]) -> list[Row]:
        """The ideal ratio mask on the test excerpts (deterministic: computed once per dataset)."""
        from sonido.tasks.separation.umx import UMXSize

        key = (run.dataset, run.data, run.clip_seconds)
        if key not in self._oracle:
            size, start = UMXSize.named("tiny"), time.perf_counter()
            tracks = [separation_metrics(data.sources[n].numpy(), oracle_irm(data.mixes[n], data.sources[n], size.n_fft,
                                         size.hop).numpy(), self.cfg.sample_rate, data.targets) for n in test]  # fmt: skip
            self._oracle[key] = (aggregate_separation(tracks, data.targets), time.perf_counter() - start)
        metrics, seconds = self._oracle[key]
        return [Row("oracle-irm2", ORACLE, run.fraction, run.seed, dict(metrics), seconds)]

    def run(self, run: RunConfig) -> list[Row]:
        from sonido.tasks.separation.predict import Separator, save_separator
        from sonido.train.task import fit_and_test

        cfg = self.cfg
        data = self.prepare(run)
        split = split_indices(data.items, "separation")
        if run.variant == ORACLE:
            return self._oracle_row(run, data, split["test"])
        train = training_subset(split["train"], [None] * len(split["train"]), run.fraction, run.seed)
        model_name = run.feature_model
        torch.manual_seed(run.seed)
        dims = {lv: f.shape[-1] for lv, f in data.features[model_name][0].items()} if model_name else None
        channels = data.mixes[0].shape[0]
        model = build_separator(cfg, data.targets, channels, dims)
        module = SeparationModule(model, cfg, data.targets, model_name is not None)
        excerpts = _Excerpts(data, train, model_name, cfg)
        sampler = RandomSampler(excerpts, replacement=True, num_samples=cfg.steps_per_epoch * cfg.batch_size,
                                generator=torch.Generator().manual_seed(run.seed))  # fmt: skip
        train_loader = DataLoader(excerpts, batch_size=cfg.batch_size, sampler=sampler, drop_last=True)
        whole = {s: DataLoader(_Whole(data, split[s], model_name, cfg), batch_size=1, collate_fn=_single)
                 for s in ("valid", "test")}  # fmt: skip
        result = fit_and_test(module, train_loader, whole["valid"], whole["test"], monitor="val/loss", mode="min",
                              out=run.out, max_epochs=cfg.max_epochs, patience=cfg.patience, seed=run.seed,
                              accelerator=run.accelerator)  # fmt: skip
        metrics = {**result.test, "best_val_loss": result.best_val, "epochs": float(result.epochs),
                   "train_items": float(len(train))}  # fmt: skip
        save_separator(Separator(module.model, cfg, data.targets, channels, model_name, dims), Path(run.out) / "model",
                       data=f"{run.dataset}:{run.data}", variant=run.variant, fraction=run.fraction, seed=run.seed,
                       test=result.test)  # fmt: skip
        return [Row(f"{cfg.arch}-{cfg.size}", run.variant, run.fraction, run.seed, metrics, result.train_seconds)]

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
random-weight model's features), ``oracle``: open-unmix's ideal ratio mask (power,
"IRM2") on the tiny Open-Unmix STFT, computed from the references: a ceiling, not a model;
and ``reference``: the mixture itself as every target's estimate, the floor a separator
has to clear.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from sonido.data.datasets.base import Dataset, DatasetError
from sonido.tasks.base import ORACLE, REFERENCE, RunConfig, Task
from sonido.tasks.inject import feature_dims
from sonido.tasks.metrics import aggregate_separation, separation_metrics
from sonido.tasks.results import Row
from sonido.tasks.sampling import split_indices, training_subset
from sonido.tasks.separation.config import SeparationConfig
from sonido.tasks.separation.models import build_separator
from sonido.tasks.waveforms import WaveData, WaveModule, fit_waveform_task


def _channel_swap(mix: torch.Tensor, sources: torch.Tensor):
    """Swap left and right of a stereo training excerpt with probability 1/2."""
    if mix.shape[0] == 2 and torch.rand(()) < 0.5:
        return mix.flip(0), sources.flip(1)
    return mix, sources


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
    variants = ("baseline", "boosted", "control", ORACLE, REFERENCE)

    def __init__(self, cfg: SeparationConfig | None = None):
        super().__init__()
        self.cfg = cfg or SeparationConfig()
        self.cfg.sample_rate  # noqa: B018 — fail early on a bad arch or size
        self._fixed: dict[tuple, tuple[dict[str, float], float]] = {}

    def sweep_arch(self, variant: str) -> str | None:
        return None if variant in (ORACLE, REFERENCE) else f"{self.cfg.arch}-{self.cfg.size}"

    def prepare(self, run: RunConfig) -> WaveData:
        """Audio of every item (once per dataset): mixture ``[C, T]`` as input, sources
        ``[S, C, T]`` as target; plus the features of the mixtures this run's variant reads."""
        key = (run.dataset, run.data, run.clip_seconds)
        if key not in self._prepared:
            self._prepared[key] = self._load(self.dataset(run), run.clip_seconds)
        data = self._prepared[key]
        if run.features_key is not None and run.features_key not in data.features:
            data.add_features(run.features_key, run.feature_cache(self.dataset(run)), self.cfg.feature_hop,
                              self.cfg.sample_rate)  # fmt: skip
        return data

    def _load(self, dataset: Dataset, clip_seconds: float) -> WaveData:
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
        return WaveData(list(dataset), mixes, sources, {})

    def _fixed_row(self, run: RunConfig, data: WaveData, test: list[int]) -> list[Row]:
        """The oracle (the ideal ratio mask) or the reference (the mixture as every estimate) on
        the test excerpts: deterministic, so computed once per dataset and variant."""
        from sonido.tasks.separation.umx import UMXSize

        key = (run.variant, run.dataset, run.data, run.clip_seconds)
        if key not in self._fixed:
            size, start = UMXSize.named("tiny"), time.perf_counter()
            targets = tuple(self.dataset(run).classes)

            def estimate(n: int) -> torch.Tensor:
                if run.variant == REFERENCE:
                    return data.inputs[n].expand_as(data.targets[n])
                return oracle_irm(data.inputs[n], data.targets[n], size.n_fft, size.hop)

            tracks = [separation_metrics(data.targets[n].numpy(), estimate(n).numpy(), self.cfg.sample_rate, targets)
                      for n in test]  # fmt: skip
            self._fixed[key] = (aggregate_separation(tracks, targets), time.perf_counter() - start)
        metrics, seconds = self._fixed[key]
        name = "mixture" if run.variant == REFERENCE else "oracle-irm2"
        return [Row(name, run.variant, run.fraction, run.seed, dict(metrics), seconds)]

    def run(self, run: RunConfig) -> list[Row]:
        from sonido.tasks.separation.predict import Separator, save_separator

        cfg = self.cfg
        data = self.prepare(run)
        split = split_indices(data.items, "separation")
        if run.variant in (ORACLE, REFERENCE):
            return self._fixed_row(run, data, split["test"])
        train = training_subset(split["train"], [None] * len(split["train"]), run.fraction, run.seed)
        model_name, targets = run.feature_model, tuple(self.dataset(run).classes)
        torch.manual_seed(run.seed)
        dims = feature_dims(data.features[run.features_key][0], batched=False) if model_name else None
        channels = data.inputs[0].shape[0]
        model = build_separator(cfg, targets, channels, dims)
        module = WaveModule(model, model_name is not None,
                            lambda ref, est: separation_metrics(ref, est, cfg.sample_rate, targets),
                            lambda tracks: aggregate_separation(tracks, targets), cfg.lr, cfg.weight_decay)  # fmt: skip
        result = fit_waveform_task(module, data, train, split, run.features_key, cfg, run,
                                   _channel_swap if cfg.channel_swap else None)  # fmt: skip
        metrics = {**result.test, "best_val_loss": result.best_val, "epochs": float(result.epochs),
                   "train_items": float(len(train))}  # fmt: skip
        save_separator(Separator(module.model, cfg, targets, channels, model_name, dims), Path(run.out) / "model",
                       data=f"{run.dataset}:{run.data}", variant=run.variant, fraction=run.fraction, seed=run.seed,
                       test=result.test)  # fmt: skip
        return [Row(f"{cfg.arch}-{cfg.size}", run.variant, run.fraction, run.seed, metrics, result.train_seconds)]

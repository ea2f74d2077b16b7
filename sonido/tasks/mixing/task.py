"""Boosted automatic mixing: Mix-Wave-U-Net from dry stems to a stereo mix, with and without
SoniDo features of the stems' mono downmix, scored as automix evaluations score mixes.

Data: a MedleyDB-layout set (``sonido corpus mixing`` makes one from the embedded corpus
with a seeded console; a real MedleyDB works the same). Every item's raw stems fill the
network's input channels in name order (at most ``max_stems``: further stems are summed
into the last channel; fewer leave silent channels); the target is the item's mix. The
features are those of the stems' mono downmix — the input, never the target — written
once per item to ``FEATURES/downmix/`` and extracted from there.

Variants: baseline, boosted, control, and two ``reference`` rows that train nothing: the
plain sum of the dry stems (centred: both channels equal) and the loudness-normalised
equal-gain mix (each stem brought to the same loudness, the sum to ``reference_lufs``).
Training minimises the stereo-invariant spectral loss (auraloss' sum-and-difference
STFT loss); metrics: :func:`~sonido.tasks.metrics.mixing_metrics` (lower is better).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from sonido.data.datasets.base import Dataset, DatasetError, Item
from sonido.tasks.base import REFERENCE, RunConfig, Task
from sonido.tasks.inject import feature_dims
from sonido.tasks.metrics import mixing_metrics
from sonido.tasks.mixing.config import MixingConfig
from sonido.tasks.mixing.models import build_mixer
from sonido.tasks.results import Row
from sonido.tasks.sampling import split_indices, training_subset
from sonido.tasks.waveforms import WaveData, WaveModule, fit_waveform_task


def stack_stems(stems: list[torch.Tensor], max_stems: int) -> torch.Tensor:
    """Mono stems ``[T_i]`` -> ``[max_stems, T]`` (zero-padded to the longest; stems past
    ``max_stems - 1`` summed into the last channel; missing channels silent)."""
    if not stems:
        raise ValueError("no stems to mix")
    length = max(s.shape[-1] for s in stems)
    out = torch.zeros(max_stems, length)
    for i, s in enumerate(stems):
        out[min(i, max_stems - 1), : s.shape[-1]] += s
    return out


def mean_scores(tracks: list[dict[str, float]]) -> dict[str, float]:
    return {k: float(np.mean([t[k] for t in tracks])) for k in tracks[0]}


def reference_mixes(stems: torch.Tensor, sample_rate: int, lufs: float) -> dict[str, np.ndarray]:
    """What a user gets without a model, from ``[S, T]`` stems: ``sum`` and ``equal-loudness`` (``[2, T]``)."""
    import pyloudnorm

    meter = pyloudnorm.Meter(sample_rate)
    x = stems.numpy().astype(np.float64)
    plain = x.sum(0)
    levels = [meter.integrated_loudness(s) if np.abs(s).max() > 0 else -np.inf for s in x]
    sounding = [s * 10 ** ((lufs - lv) / 20) for s, lv in zip(x, levels) if np.isfinite(lv)]
    equal = np.sum(sounding, 0) if sounding else plain
    level = meter.integrated_loudness(np.stack([equal, equal], 1))  # the loudness of the centred stereo mix
    if np.isfinite(level):
        equal = equal * 10 ** ((lufs - level) / 20)
    return {name: np.stack([m, m]).astype(np.float32) for name, m in (("sum", plain), ("equal-loudness", equal))}


class Mixing(Task):
    """Automatic mixing with and without SoniDo features (see the module docstring)."""

    name = "mixing"
    primary_metric = "stereo_spectral"
    higher_is_better = False
    secondary_metrics = ("mrstft", "mape")
    results_name = "mixing"
    config_class = MixingConfig
    variants = ("baseline", "boosted", "control", REFERENCE)

    def __init__(self, cfg: MixingConfig | None = None):
        super().__init__()
        self.cfg = cfg or MixingConfig()
        self.size = build_mixer(self.cfg, None).size  # fail early on a bad arch or size
        self._reference: dict[tuple, list[Row]] = {}

    def sweep_arch(self, variant: str) -> str | None:
        return None if variant == REFERENCE else f"{self.cfg.arch}-{self.cfg.size}"

    def prepare(self, run: RunConfig) -> WaveData:
        """Stems ``[max_stems, T]`` and mix ``[2, T]`` of every item (once per dataset), and the
        features of the stems' downmix this run's variant reads."""
        key = (run.dataset, run.data, run.clip_seconds)
        if key not in self._prepared:
            self._prepared[key] = self._load(self.dataset(run), run.clip_seconds)
        data = self._prepared[key]
        if run.features_key is not None and run.features_key not in data.features:
            downmix = self._downmixes(data, Path(run.features) / "downmix")
            data.add_features(run.features_key, run.feature_cache(downmix), self.cfg.feature_hop, self.cfg.sample_rate,
                              items=list(downmix))  # fmt: skip
        return data

    def _load(self, dataset: Dataset, clip_seconds: float) -> WaveData:
        from sonido.audio import load

        limit, rate = int(clip_seconds * self.cfg.sample_rate), self.cfg.sample_rate
        inputs, targets = [], []
        for item in dataset:
            if not item.stems:
                raise DatasetError(f"{dataset.name} item {item.id} has no stems to mix")
            stems = stack_stems([load(p, rate, mono=True)[0][0, :limit] for _, p in sorted(item.stems.items())],
                                self.size.max_stems)  # fmt: skip
            mix = load(item.audio, rate)[0][:, :limit]
            if mix.shape[0] == 1:
                mix = mix.repeat(2, 1)
            length = min(stems.shape[-1], mix.shape[-1])
            inputs.append(stems[:, :length])
            targets.append(mix[:2, :length])
        return WaveData(list(dataset), inputs, targets, {})

    def _downmixes(self, data: WaveData, folder: Path) -> Dataset:
        """The stems' mono downmix of every item as ``folder/<id>.wav`` (written once), as a dataset."""
        from sonido.audio import save

        items = []
        for item, stems in zip(data.items, data.inputs):
            path = folder / f"{item.id}.wav"
            if not path.exists():
                save(path, stems.sum(0), self.cfg.sample_rate, subtype="FLOAT")
            items.append(Item(id=item.id, split=item.split, audio=path))
        return Dataset(folder, items)

    def _reference_rows(self, run: RunConfig, data: WaveData, test: list[int]) -> list[Row]:
        key = (run.dataset, run.data, run.clip_seconds)
        if key not in self._reference:
            start, scores = time.perf_counter(), {}
            for n in test:
                for name, est in reference_mixes(data.inputs[n], self.cfg.sample_rate, self.cfg.reference_lufs).items():
                    scores.setdefault(name, []).append(mixing_metrics(est, data.targets[n].numpy(), self.cfg.sample_rate))
            seconds = time.perf_counter() - start
            self._reference[key] = [Row(name, REFERENCE, 1.0, 0, mean_scores(s), seconds) for name, s in scores.items()]
        return [Row(r.arch, r.variant, run.fraction, run.seed, dict(r.metrics), r.train_seconds) for r in self._reference[key]]

    def run(self, run: RunConfig) -> list[Row]:
        from sonido.tasks.mixing.predict import Mixer, save_mixer

        cfg = self.cfg
        data = self.prepare(run)
        split = split_indices(data.items, "mixing")
        if run.variant == REFERENCE:
            return self._reference_rows(run, data, split["test"])
        train = training_subset(split["train"], [None] * len(split["train"]), run.fraction, run.seed)
        model_name = run.feature_model
        torch.manual_seed(run.seed)
        dims = feature_dims(data.features[run.features_key][0], batched=False) if model_name else None
        model = build_mixer(cfg, dims)
        module = WaveModule(model, model_name is not None, lambda ref, est: mixing_metrics(est, ref, cfg.sample_rate),
                            mean_scores, cfg.lr, cfg.weight_decay)  # fmt: skip
        result = fit_waveform_task(module, data, train, split, run.features_key, cfg, run)
        metrics = {**result.test, "best_val_loss": result.best_val, "epochs": float(result.epochs),
                   "train_items": float(len(train))}  # fmt: skip
        save_mixer(Mixer(module.model, cfg, model_name, dims), Path(run.out) / "model", data=f"{run.dataset}:{run.data}",
                   variant=run.variant, fraction=run.fraction, seed=run.seed, test=result.test)  # fmt: skip
        return [Row(f"{cfg.arch}-{cfg.size}", run.variant, run.fraction, run.seed, metrics, result.train_seconds)]

"""What every downstream task shares: its run configuration, its variants, and the sweep.

A task turns one :class:`RunConfig` (data, features, variant, training fraction, seed)
into result rows (:class:`sonido.tasks.results.Row`); :meth:`Task.sweep` runs the grid of
variants x fractions x seeds, saving the results file after every run so an interrupted
sweep resumes where it stopped.

Variants:
    baseline: the task model without SoniDo features.
    boosted: the same model with SoniDo features injected (:mod:`sonido.tasks.inject`).
    features_only: a model on SoniDo features alone.
    control: the boosted model fed the features of the random-weight model of the same
        architecture (``small-random`` for sonido-small, ``tiny-random`` for sonido-tiny):
        what pretraining adds, not extra parameters.

With ``RunConfig.layers="all"`` the variants that read features get every prior layer and
learn their own softmax mix of them (:class:`~sonido.tasks.inject.LayerMix`); their rows
are marked ``inputs="all layers"``, so one results file holds both kinds side by side.
"""

from __future__ import annotations

import json
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from sonido.checkpoint import DEFAULT_CONTROL, DEFAULT_MODEL
from sonido.data.datasets import open_dataset
from sonido.data.datasets.base import Dataset, DatasetError
from sonido.fileio import atomic_write_json
from sonido.model import ALL_LAYERS
from sonido.tasks.featcache import STACKS_SUFFIX, FeatureCache
from sonido.tasks.results import Results, Row
from sonido.tasks.sampling import DEFAULT_FRACTIONS

log = logging.getLogger(__name__)

TASK_VARIANTS = ("baseline", "boosted", "features_only", "control")
PEER = "peer"
"""A published model of the task's field run on the same test split (tasks that have one)."""
ORACLE = "oracle"
"""A ceiling computed from the test split's ground truth, not a model (tasks that have one)."""
REFERENCE = "reference"
"""What a user gets without a model (mixing: the plain sum of the stems)."""
REFERENCE_VARIANTS = (PEER, ORACLE, REFERENCE)  # rows that train nothing and read no features
FEATURE_LAYERS = ("default", ALL_LAYERS)
MIXED_INPUTS = "all layers"  # the inputs of rows whose model mixed every layer (layers="all")


@dataclass(frozen=True)
class RunConfig:
    """One run of a task.

    Attributes:
        data: dataset folder (the embedded corpus or a standard layout).
        dataset: layout name for :func:`sonido.data.datasets.open_dataset` (``embedded-corpus``, ``magnatagatune``, ...).
        features: feature-cache root (``sonido extract`` output per model), or ``None`` for baseline-only runs.
        model: the pretrained SoniDo model whose features boost the task.
        control_model: the random-weight model of the same architecture.
        variant: one of :data:`TASK_VARIANTS`.
        fraction: share of the training split used (stratified, nested across fractions).
        seed: subset draw, initialisation and data order.
        out: run folder (``metrics.json``, checkpoints, logs).
        clip_seconds: every item's first ``clip_seconds`` are used (features cover the same span).
        accelerator: Lightning accelerator the task trains on (``cpu``, ``gpu``, ``auto``).
        layers: ``default``: the model's tapped layer per level; ``all``: every layer, mixed
            by learned weights inside the task model.
    """

    data: str
    dataset: str = "embedded-corpus"
    features: str | None = None
    model: str = DEFAULT_MODEL
    control_model: str = DEFAULT_CONTROL
    variant: str = "baseline"
    fraction: float = 1.0
    seed: int = 0
    out: str = "runs/task"
    clip_seconds: float = 10.0
    accelerator: str = "cpu"
    layers: str = "default"

    def __post_init__(self):
        if self.variant not in (*TASK_VARIANTS, *REFERENCE_VARIANTS):
            raise ValueError(f"unknown variant {self.variant!r}; choose from {(*TASK_VARIANTS, *REFERENCE_VARIANTS)}")
        if self.variant not in ("baseline", *REFERENCE_VARIANTS) and self.features is None:
            raise ValueError(f"the {self.variant} variant needs --features (a feature-cache folder)")
        if not 0 < self.fraction <= 1:
            raise ValueError(f"--train-fraction must be in (0, 1], got {self.fraction}")
        if self.clip_seconds <= 0:
            raise ValueError(f"clip_seconds must be positive, got {self.clip_seconds}")
        if self.layers not in FEATURE_LAYERS:
            raise ValueError(f"layers must be one of {FEATURE_LAYERS}, got {self.layers!r}")

    @property
    def feature_model(self) -> str | None:
        """Whose features this variant reads (``None`` for the baseline)."""
        if self.variant == "baseline" or self.variant in REFERENCE_VARIANTS:
            return None
        return self.control_model if self.variant == "control" else self.model

    @property
    def features_key(self) -> str | None:
        """Where a task's prepared data keeps this run's features: the feature model's name,
        ``@all-layers`` appended for layer stacks (``None`` for the baseline)."""
        model = self.feature_model
        return None if model is None else model + (STACKS_SUFFIX if self.layers == ALL_LAYERS else "")

    def feature_cache(self, dataset: Dataset) -> FeatureCache:
        """The :class:`~sonido.tasks.featcache.FeatureCache` of this run's feature model over ``dataset``."""
        return FeatureCache(self.features, dataset, self.feature_model, self.clip_seconds,
                            layers=ALL_LAYERS if self.layers == ALL_LAYERS else None)  # fmt: skip

    @property
    def row_inputs(self) -> str:
        """The ``inputs`` mark of this run's rows (``"all layers"`` when it mixes layers)."""
        return MIXED_INPUTS if self.layers == ALL_LAYERS and self.feature_model is not None else ""


class Task(ABC):
    """A downstream task: data -> model -> loss -> metrics -> rows of results."""

    name: str
    primary_metric: str
    higher_is_better: bool = True
    secondary_metrics: tuple[str, ...] = ()  # also tabulated after a sweep
    results_name: str  # a sweep's default results file: bench/results/<results_name>.json
    config_class: type  # the task's frozen config dataclass (a ConfigBase); get_task's overrides set its fields
    variants: tuple[str, ...] = TASK_VARIANTS  # what run() supports (a task with a peer adds PEER)
    mixes_layers: bool = True  # whether run() takes layers="all" (through FeatureCache and FeatureInjector)

    def __init__(self):
        self._datasets: dict[tuple[str, str], Dataset] = {}
        self._prepared: dict[tuple, object] = {}  # per (dataset, root, clip): what prepare() loaded

    def dataset(self, cfg: RunConfig) -> Dataset:
        """The run's dataset, opened once per task object (sweeps reuse it)."""
        key = (cfg.dataset, cfg.data)
        if key not in self._datasets:
            self._datasets[key] = open_dataset(cfg.dataset, cfg.data)
        return self._datasets[key]

    def prepare_frames(self, run: RunConfig, load, frame_rate: float):
        """For frame-level tasks: ``load(dataset, clip_seconds)`` once per dataset (an object with
        ``items``, ``mels [N, n_mels, T]`` and a ``features`` dict, kept in ``self._prepared``),
        plus the features this run's variant reads, aligned to the ``T`` frames at ``frame_rate``
        (``data.features[run.features_key]``)."""
        key = (run.dataset, run.data, run.clip_seconds)
        if key not in self._prepared:
            self._prepared[key] = load(self.dataset(run), run.clip_seconds)
        data = self._prepared[key]
        if run.features_key is not None and run.features_key not in data.features:
            cache = run.feature_cache(self.dataset(run))
            data.features[run.features_key] = cache.aligned(data.items, data.mels.shape[-1], frame_rate)
        return data

    def sweep_arch(self, variant: str) -> str | None:
        """The ``arch`` of the rows a run of ``variant`` leaves, when the task's config fixes it
        (then one results file can hold sweeps of several networks); ``None``: any row counts."""
        return None

    @abstractmethod
    def run(self, cfg: RunConfig) -> list[Row]:
        """Train on ``cfg.fraction`` of the training split, pick on validation, score the test split."""

    def run_and_save(self, cfg: RunConfig) -> list[Row]:
        """:meth:`run`, then ``OUT/metrics.json`` (the config and the rows, marked ``inputs="all
        layers"`` when they mixed layers)."""
        if cfg.variant not in self.variants:
            raise ValueError(f"the {self.name} task has no {cfg.variant!r} variant; it has {self.variants}")
        if cfg.layers == ALL_LAYERS and not self.mixes_layers:
            raise ValueError(f"the {self.name} task does not take layers='all'")
        rows = [replace(r, inputs=cfg.row_inputs) if cfg.row_inputs else r for r in self.run(cfg)]
        atomic_write_json(Path(cfg.out) / "metrics.json", {"config": asdict(cfg), "rows": [asdict(r) for r in rows]})
        return rows

    def sweep(
        self,
        base: RunConfig,
        results_path: str | os.PathLike,
        fractions: Sequence[float] = DEFAULT_FRACTIONS,
        seeds: Sequence[int] = (0, 1, 2),
        variants: Sequence[str] | None = None,
        on_cell: Callable[[str, float, int, bool], None] | None = None,
    ) -> Results:
        """Every variant x fraction x seed; ``results_path`` is rewritten after each run (merged
        with what other sweeps of the same task wrote to it meanwhile: :meth:`Results.add_and_save`).

        ``on_cell(variant, fraction, seed, done)`` is called before a cell runs (``done``
        False) and once it is finished or found already done (``done`` True).

        Cells already in ``results_path`` (same model and dataset) are skipped: re-running
        an interrupted sweep continues it.
        """
        variants = self.variants if variants is None else variants
        if base.features is None and set(variants) - {"baseline", *REFERENCE_VARIANTS}:
            raise ValueError("a sweep over boosted/control variants needs --features")
        path = Path(results_path)
        results = self._open_results(path, base)
        for fraction in fractions:
            for seed in seeds:
                for variant in variants:
                    cell = replace(base, variant=variant)
                    inputs = cell.row_inputs if self.mixes_layers else None
                    if results.has_run(variant, fraction, seed, self.sweep_arch(variant), inputs):
                        if on_cell:
                            on_cell(variant, fraction, seed, True)
                        continue
                    if on_cell:
                        on_cell(variant, fraction, seed, False)
                    name = variant + ("-all-layers" if inputs else "")
                    cfg = replace(base, variant=variant, fraction=fraction, seed=seed,
                                  out=str(Path(base.out) / f"{name}-f{fraction:g}-s{seed}"))  # fmt: skip
                    rows = self.run_and_save(cfg)
                    results.add_and_save(rows, path)
                    log.warning("%s %s fraction %g seed %d: %s", self.name, variant, fraction, seed,
                                ", ".join(f"{r.arch}{'/' + r.inputs if r.inputs else ''} "
                                          f"{r.metrics.get(self.primary_metric, float('nan')):.3f}" for r in rows))
                    if on_cell:
                        on_cell(variant, fraction, seed, True)
        return results

    def _open_results(self, path: Path, base: RunConfig) -> Results:
        dataset = f"{base.dataset}:{Path(base.data).name}"
        if path.exists():
            try:
                results = Results.load(path)
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise DatasetError(f"{path} is not a results file ({err}); move it away to start afresh") from None
            if (results.task, results.dataset, results.model) == (self.name, dataset, base.model):
                return results
            log.warning("%s holds another sweep (%s on %s with %s); starting afresh", path, results.task,
                        results.dataset, results.model)  # fmt: skip
        return Results(self.name, dataset, base.model, self.primary_metric, self.higher_is_better)

"""What waveform-to-waveform tasks share (separation: mixture -> sources; mixing: stems -> mix).

In memory, a dataset is every item's input and target waveforms plus, per feature model,
the item's features aligned to frames of ``hop`` samples. Training reads random excerpts
whose offsets are multiples of ``hop`` (so the cached features are cut with the audio);
validation and test read whole items one at a time. :class:`WaveModule` trains any
network with a ``loss(input, target, feats)`` and scores each test item with the task's
metric function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import lightning as L
import torch
from torch.utils.data import Dataset as TorchDataset

from sonido.data.datasets.base import DatasetError, Item


@dataclass
class WaveData:
    """Per item: ``inputs[n]`` ``[..., T]``, ``targets[n]`` ``[..., T]`` (same ``T``), and
    ``features[key][n]`` ``{level: [T // hop, D]}`` (``key``: the feature model's name, with
    ``@all-layers`` for ``[T // hop, L, D]`` layer stacks)."""

    items: list[Item]
    inputs: list[torch.Tensor]
    targets: list[torch.Tensor]
    features: dict[str, list[dict[str, torch.Tensor]]]

    def add_features(self, key: str, cache, hop: int, sample_rate: int, items: list[Item] | None = None) -> None:
        """Align ``cache``'s features (a :class:`~sonido.tasks.featcache.FeatureCache`) to every
        item's ``T // hop`` frames, a group of equal lengths at a time, as ``features[key]``.
        ``items``: what the cache knows the items as (default: :attr:`items`)."""
        items = items or self.items
        per_item: list[dict[str, torch.Tensor]] = [{} for _ in items]
        lengths = [x.shape[-1] // hop for x in self.inputs]
        for frames in sorted(set(lengths)):
            group = [i for i, n in enumerate(lengths) if n == frames]
            aligned = cache.aligned([items[i] for i in group], frames, sample_rate / hop)
            for j, i in enumerate(group):
                per_item[i] = {lv: f[j] for lv, f in aligned.items()}
        self.features[key] = per_item


class Excerpts(TorchDataset):
    """Training excerpts ``(input, target, features)`` of ``length`` samples (a multiple of ``hop``);
    ``augment(input, target)`` (optional) is applied to each."""

    def __init__(self, data: WaveData, index: list[int], features_key: str | None, length: int, hop: int,
                 augment: Callable | None = None):  # fmt: skip
        self.data, self.index, self.key, self.hop, self.augment = data, index, features_key, hop, augment
        self.length = max(hop, length // hop * hop)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        n = self.index[i]
        x, y = self.data.inputs[n], self.data.targets[n]
        if x.shape[-1] < self.length:
            raise DatasetError(f"{self.data.items[n].id} is shorter than the {self.length}-sample training excerpt")
        frame = int(torch.randint(0, (x.shape[-1] - self.length) // self.hop + 1, ()))
        sl = slice(frame * self.hop, frame * self.hop + self.length)
        x, y = x[..., sl], y[..., sl]
        if self.augment is not None:
            x, y = self.augment(x, y)
        fsl = slice(frame, frame + self.length // self.hop)
        feats = {lv: f[fsl] for lv, f in self.data.features[self.key][n].items()} if self.key else {}
        return x, y, feats


class Whole(TorchDataset):
    """Whole items ``(input, target, features, index)``, one at a time (see :func:`collate_one`)."""

    def __init__(self, data: WaveData, index: list[int], features_key: str | None):
        self.data, self.index, self.key = data, index, features_key

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        n = self.index[i]
        feats = self.data.features[self.key][n] if self.key else {}
        return self.data.inputs[n], self.data.targets[n], feats, n


def collate_one(batch):
    """Collate for batch size 1 that keeps tensors batched ``[1, ...]``."""
    x, y, feats, n = batch[0]
    return x[None], y[None], {k: v[None] for k, v in feats.items()}, n


class WaveModule(L.LightningModule):
    """The network's own ``loss`` for training and validation; each test item is run whole and
    scored by ``score(target, estimate)`` (numpy, unbatched); ``aggregate(list of scores)``
    gives the test metrics."""

    def __init__(self, model: torch.nn.Module, use_feats: bool, score: Callable, aggregate: Callable, lr: float,
                 weight_decay: float):  # fmt: skip
        super().__init__()
        self.model, self.use_feats, self.score, self.aggregate = model, use_feats, score, aggregate
        self.lr, self.weight_decay = lr, weight_decay
        self._scores: list[dict[str, float]] = []
        self._test: dict[str, float] = {}

    def _feats(self, feats):
        return feats if self.use_feats else None

    def training_step(self, batch, batch_idx):
        x, y, feats = batch
        loss = self.model.loss(x, y, self._feats(feats))
        self.log("train/loss", loss, on_step=False, on_epoch=True, batch_size=len(x))
        return loss

    def validation_step(self, batch, batch_idx):
        x, y, feats, _ = batch
        self.log("val/loss", self.model.loss(x, y, self._feats(feats)), on_step=False, on_epoch=True, batch_size=1)

    def test_step(self, batch, batch_idx):
        x, y, feats, _ = batch
        est = self.model(x, self._feats(feats))
        self._scores.append(self.score(y[0].cpu().numpy(), est[0].cpu().numpy()))

    def on_test_epoch_end(self):
        self._test, self._scores = self.aggregate(self._scores), []

    def test_metrics(self) -> dict[str, float]:
        return self._test

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)


def fit_waveform_task(module: WaveModule, data: WaveData, train: list[int], split: dict[str, list[int]],
                      features_key: str | None, cfg, run, augment: Callable | None = None):  # fmt: skip
    """Train on random excerpts of the ``train`` items (``cfg.steps_per_epoch`` batches an epoch,
    the same for every variant), pick the epoch on the validation loss, test on whole test items.

    ``features_key``: which of ``data.features`` the model reads (``None``: none);
    ``cfg``: the task config (``chunk_seconds``, ``sample_rate``, ``feature_hop``,
    ``steps_per_epoch``, ``batch_size``, ``max_epochs``, ``patience``); ``run``: the
    :class:`~sonido.tasks.base.RunConfig`. Returns :class:`~sonido.train.task.FitResult`.
    """
    from torch.utils.data import DataLoader, RandomSampler

    from sonido.train.task import fit_and_test

    excerpts = Excerpts(data, train, features_key, int(cfg.chunk_seconds * cfg.sample_rate), cfg.feature_hop, augment)
    sampler = RandomSampler(excerpts, replacement=True, num_samples=cfg.steps_per_epoch * cfg.batch_size,
                            generator=torch.Generator().manual_seed(run.seed))  # fmt: skip
    loader = DataLoader(excerpts, batch_size=cfg.batch_size, sampler=sampler, drop_last=True)
    whole = {s: DataLoader(Whole(data, split[s], features_key), batch_size=1, collate_fn=collate_one)
             for s in ("valid", "test")}  # fmt: skip
    return fit_and_test(module, loader, whole["valid"], whole["test"], monitor="val/loss", mode="min", out=run.out,
                        max_epochs=cfg.max_epochs, patience=cfg.patience, seed=run.seed, accelerator=run.accelerator)  # fmt: skip

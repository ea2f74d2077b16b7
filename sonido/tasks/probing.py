"""Shallow probes on time-pooled features (the JukeMIR / MARBLE protocol).

Sub-tasks, each run where the dataset has its labels (``arch`` in the results):
    collection / genre: classification, accuracy (embedded corpus / GTZAN).
    source: which package (or folder) a recorded track comes from, accuracy (real-music corpus).
    family / pitch: instrument family (on instruments unseen in training) and MIDI pitch of
        single notes, accuracy (the note-probe set).
    key: 24-way classification, mir_eval's weighted score (corpus keys, GiantSteps);
        items whose key is not major or minor are left out.
    tempo: regression, R² and accuracy within 4 % (embedded corpus).
    emotion: arousal and valence regression, R² (EmoMusic).

Inputs (``inputs`` in the results) and the variant each belongs to:
    mel-stats (baseline): mean and std over time of the log-mel bands.
    mfcc-chroma (baseline): mean and std of 20 MFCCs and 12 chroma bins (librosa; A4 = 440 Hz).
    sonido-top, sonido-mid, sonido-top+mid (features_only): time-pooled SoniDo features.
    mel-stats+sonido (boosted): mel statistics and SoniDo top+mid together.
    random-top+mid (control): the random-weight model's top+mid features.

Probe models: logistic / linear regression and an MLP with one hidden layer of 512, on
standardised inputs, over JukeMIR's grid (learning rate 1e-4/1e-3, dropout 0.25/0.5,
L2 0/1e-3; batch 64). All grid members train at once in one Lightning loop, each with
its own early stopping and best state (on validation loss); the member with the best
validation score is scored on the test split.
"""

from __future__ import annotations

import copy
import itertools
import time
from dataclasses import dataclass

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from sonido.configbase import ConfigBase
from sonido.data.datasets.base import Dataset, DatasetError, Item
from sonido.tasks.base import RunConfig, Task
from sonido.tasks.featcache import FeatureCache
from sonido.tasks.frontend import first_seconds, log_mel
from sonido.tasks.inject import LayerMix, align
from sonido.tasks.metrics import accuracy, key_metrics, regression_metrics, tempo_metrics
from sonido.tasks.results import Row
from sonido.tasks.sampling import split_indices, training_subset


@dataclass(frozen=True)
class Subtask:
    """A probe target: which labels, classification or regression, and its headline metric."""

    name: str
    labels: tuple[str, ...]
    kind: str  # "class" or "regress"
    score: str  # the metric reported as "score"


SUBTASKS = (
    Subtask("collection", ("collection",), "class", "accuracy"),
    Subtask("source", ("source",), "class", "accuracy"),
    Subtask("family", ("family",), "class", "accuracy"),
    Subtask("pitch", ("pitch",), "class", "accuracy"),
    Subtask("genre", ("genre",), "class", "accuracy"),
    Subtask("key", ("key",), "class", "weighted"),
    Subtask("tempo", ("tempo",), "regress", "r2"),
    Subtask("emotion", ("arousal", "valence"), "regress", "r2"),
)

INPUTS = {  # input set -> variant
    "mel-stats": "baseline",
    "mfcc-chroma": "baseline",
    "sonido-top": "features_only",
    "sonido-mid": "features_only",
    "sonido-top+mid": "features_only",
    "mel-stats+sonido": "boosted",
    "random-top+mid": "control",
}


@dataclass(frozen=True)
class ProbeConfig(ConfigBase):
    """The probe grid and its training budget (JukeMIR's grid, hidden 0 or 512)."""

    hidden: tuple[int, ...] = (0, 512)
    lr: tuple[float, ...] = (1e-4, 1e-3)
    dropout: tuple[float, ...] = (0.25, 0.5)
    weight_decay: tuple[float, ...] = (0.0, 1e-3)
    batch_size: int = 64
    max_epochs: int = 300
    patience: int = 20
    sample_rate: int = 22050

    def grid(self) -> list[dict]:
        return [dict(hidden=h, lr=lr, dropout=d, weight_decay=wd)
                for h, lr, d, wd in itertools.product(self.hidden, self.lr, self.dropout, self.weight_decay)]  # fmt: skip


def _probe(d_in: int, d_out: int, hidden: int, dropout: float, layers: int = 0) -> nn.Module:
    """Linear (``hidden == 0``) or one-hidden-layer probe; with ``layers`` it takes ``[N, layers,
    d_in]`` stacks and first mixes them with learned softmax weights (:class:`LayerMix`)."""
    mix = [LayerMix(layers)] if layers else []
    if hidden == 0:
        return nn.Sequential(*mix, nn.Dropout(dropout), nn.Linear(d_in, d_out))
    return nn.Sequential(*mix, nn.Linear(d_in, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, d_out))


class ProbeGrid(L.LightningModule):
    """Every grid member side by side; per-member early stopping and best state on validation loss.

    Args:
        members: grid points (``hidden``, ``lr``, ``dropout``, ``weight_decay``).
        kind: ``class`` (cross-entropy) or ``regress`` (MSE on standardised targets).
        x_val, y_val: the whole validation split (small: scored in one pass per epoch).
        layers: inputs are ``[N, layers, d_in]`` layer stacks mixed by :class:`LayerMix` (0: ``[N, d_in]``).
    """

    def __init__(self, members: list[dict], d_in: int, d_out: int, kind: str, patience: int, x_val, y_val,
                 layers: int = 0):  # fmt: skip
        super().__init__()
        self.members, self.kind, self.patience, self.x_val, self.y_val = members, kind, patience, x_val, y_val
        self.probes = nn.ModuleList(_probe(d_in, d_out, m["hidden"], m["dropout"], layers) for m in members)
        self.best_loss = [float("inf")] * len(members)
        self.best_state: list[dict | None] = [None] * len(members)
        self.waited = [0] * len(members)

    def _loss(self, out, y):
        return F.cross_entropy(out, y) if self.kind == "class" else F.mse_loss(out, y)

    def training_step(self, batch, batch_idx):
        x, y = batch
        live = [i for i, w in enumerate(self.waited) if w < self.patience]
        return sum(self._loss(self.probes[i](x), y) for i in live)

    @torch.no_grad()
    def on_train_epoch_end(self):
        """Score the validation split, member by member; stop when every member has stopped."""
        for i, probe in enumerate(self.probes):
            if self.waited[i] >= self.patience:
                continue
            probe.eval()
            loss = float(self._loss(probe(self.x_val), self.y_val))
            probe.train()
            if loss < self.best_loss[i] - 1e-6:
                self.best_loss[i], self.waited[i] = loss, 0
                self.best_state[i] = copy.deepcopy(probe.state_dict())
            else:
                self.waited[i] += 1
        if all(w >= self.patience for w in self.waited):
            self.trainer.should_stop = True

    def configure_optimizers(self):
        return torch.optim.AdamW([
            {"params": p.parameters(), "lr": m["lr"], "weight_decay": m["weight_decay"]}
            for p, m in zip(self.probes, self.members)
        ])  # fmt: skip

    def best_probe(self, i: int) -> nn.Module:
        """Member ``i`` at its best validation loss, in eval mode."""
        probe = copy.deepcopy(self.probes[i])
        if self.best_state[i] is not None:
            probe.load_state_dict(self.best_state[i])
        return probe.eval()


def _standardise(train: np.ndarray, *others: np.ndarray) -> list[torch.Tensor]:
    mean, std = train.mean(0), train.std(0) + 1e-6
    return [torch.from_numpy(((a - mean) / std).astype(np.float32)) for a in (train, *others)]


@dataclass
class _Prepared:
    items: list[Item]
    inputs: dict[str, np.ndarray]  # input name -> [N, D]


class Probing(Task):
    """Shallow probes on pooled features; see the module docstring."""

    name = "probe"
    mixes_layers = False  # pooled probe inputs; bench/layer_study.py probes each layer and their learned mix
    results_name = "probes"
    config_class = ProbeConfig
    primary_metric = "score"
    secondary_metrics = ("acc_within_4pct", "r2_arousal", "r2_valence")

    def __init__(self, cfg: ProbeConfig | None = None):
        super().__init__()
        self.cfg = cfg or ProbeConfig()

    @staticmethod
    def subtasks(dataset: Dataset) -> list[Subtask]:
        """The sub-tasks whose labels every item of ``dataset`` has."""
        return [s for s in SUBTASKS if all(all(k in it.labels for k in s.labels) for it in dataset)]

    def _handcrafted(self, dataset: Dataset, clip_seconds: float, items: list[Item] | None = None) -> dict[str, np.ndarray]:
        """Mel statistics and MFCC + chroma statistics of ``items`` (default: all of ``dataset``'s)."""
        import librosa

        sr, mel_stats, mfcc_chroma = self.cfg.sample_rate, [], []
        for item in dataset if items is None else items:
            x = first_seconds(dataset, item, sr, clip_seconds)
            if x.size < 2048:
                raise DatasetError(f"{item.id}: too short for the probe's spectral statistics ({x.size} samples)")
            mel = log_mel(x, sr)
            mfcc = librosa.feature.mfcc(S=mel, n_mfcc=20)
            # Standard tuning (A4 = 440 Hz): librosa's tuning estimate runs numba kernels whose on-disk
            # cache can crash processes that compile it at the same time on a fresh install.
            chroma = librosa.feature.chroma_stft(y=x, sr=sr, tuning=0.0)
            mel_stats.append(np.concatenate([mel.mean(1), mel.std(1)]))
            both = np.concatenate([mfcc, chroma])
            mfcc_chroma.append(np.concatenate([both.mean(1), both.std(1)]))
        return {"mel-stats": np.stack(mel_stats), "mfcc-chroma": np.stack(mfcc_chroma)}

    @staticmethod
    def _pooled(cache: FeatureCache, items: list[Item]) -> dict[str, np.ndarray]:
        cache.ensure(items)
        # Pooling is alignment to one frame: the mean over the clip, through the shared injection module.
        rows = [{lv: align(d[None], 1)[0, 0].numpy() for lv, (d, _) in cache.load(it).items()} for it in items]
        return {lv: np.stack([r[lv] for r in rows]) for lv in rows[0]}

    def prepare(self, run: RunConfig) -> _Prepared:
        """Every input set this run needs, computed once per dataset and model."""
        key = (run.dataset, run.data, run.clip_seconds)
        dataset = self.dataset(run)
        if key not in self._prepared:
            self._prepared[key] = _Prepared(list(dataset), self._handcrafted(dataset, run.clip_seconds))
        data = self._prepared[key]
        needs_model = run.variant in ("boosted", "features_only") and "sonido-top" not in data.inputs
        if needs_model:
            p = self._pooled(FeatureCache(run.features, dataset, run.model, run.clip_seconds), data.items)
            data.inputs.update({"sonido-top": p["top"], "sonido-mid": p["mid"],
                                "sonido-top+mid": np.concatenate([p["top"], p["mid"]], 1)})  # fmt: skip
            data.inputs["mel-stats+sonido"] = np.concatenate([data.inputs["mel-stats"], data.inputs["sonido-top+mid"]], 1)
        if run.variant == "control" and "random-top+mid" not in data.inputs:
            p = self._pooled(FeatureCache(run.features, dataset, run.control_model, run.clip_seconds), data.items)
            data.inputs["random-top+mid"] = np.concatenate([p["top"], p["mid"]], 1)
        return data

    def run(self, run: RunConfig) -> list[Row]:
        data = self.prepare(run)
        dataset = self.dataset(run)
        subtasks = self.subtasks(dataset)
        if not subtasks:
            raise DatasetError(f"{dataset.name} has none of the probe labels ({', '.join(s.name for s in SUBTASKS)})")
        rows = []
        for sub in subtasks:
            for name in [n for n, v in INPUTS.items() if v == run.variant]:
                metrics, seconds = self.fit(sub, data.items, data.inputs[name], run.fraction, run.seed, run.accelerator)
                rows.append(Row(sub.name, run.variant, run.fraction, run.seed, metrics, seconds, inputs=name))
        return rows

    def fit(self, sub: Subtask, items: list[Item], x: np.ndarray, fraction: float, seed: int,
            accelerator: str = "cpu") -> tuple[dict, float]:  # fmt: skip
        """Train the grid on ``fraction`` of the training items; test metrics (with ``score``) and seconds.

        ``x`` is ``[N, D]``, or ``[N, L, D]`` per-layer inputs that the probe mixes (SUPERB).
        """
        from sonido.train.task import task_trainer

        keep = [i for i, it in enumerate(items) if sub.name != "key" or it.labels["key"].split()[-1] in ("major", "minor")]
        split = split_indices(items, f"probe {sub.name}", keep)
        if sub.kind == "class":
            classes = sorted({items[i].labels[sub.labels[0]] for i in keep})
            kept = set(keep)
            target = np.array([classes.index(it.labels[sub.labels[0]]) if i in kept else -1 for i, it in enumerate(items)])
            strata = [items[i].labels[sub.labels[0]] for i in split["train"]]
        else:
            target = np.array([[float(it.labels[k]) for k in sub.labels] for it in items])
            strata = [None] * len(split["train"])
        train = training_subset(split["train"], strata, fraction, seed)
        xt, xv, xs = _standardise(x[train], x[split["valid"]], x[split["test"]])
        if sub.kind == "class":
            yt, yv = (torch.from_numpy(target[idx]).long() for idx in (train, split["valid"]))
            d_out = len(classes)
        else:
            mu, sd = target[train].mean(0), target[train].std(0) + 1e-6
            yt, yv = (torch.from_numpy(((target[idx] - mu) / sd).astype(np.float32)) for idx in (train, split["valid"]))
            d_out = len(sub.labels)
        L.seed_everything(seed, verbose=False)
        members = self.cfg.grid()
        layers = x.shape[1] if x.ndim == 3 else 0  # a stack of a prior's layers: mixed by learned weights
        module = ProbeGrid(members, x.shape[-1], d_out, sub.kind, self.cfg.patience, xv, yv, layers)
        loader = DataLoader(TensorDataset(xt, yt), batch_size=self.cfg.batch_size, shuffle=True,
                            generator=torch.Generator().manual_seed(seed))  # fmt: skip
        trainer = task_trainer(self.cfg.max_epochs, accelerator)
        start = time.perf_counter()
        trainer.fit(module, loader)
        seconds = time.perf_counter() - start

        def evaluate(probe: nn.Module, xs_: torch.Tensor, idx: list[int]) -> dict[str, float]:
            with torch.no_grad():
                out = probe(xs_).numpy()
            if sub.kind == "class":
                pred = [classes[k] for k in out.argmax(1)]
                truth = [classes[k] for k in target[idx]]
                return key_metrics(truth, pred) if sub.name == "key" else accuracy(truth, pred)
            pred = out * sd + mu
            if sub.name == "tempo":
                return tempo_metrics(target[idx, 0], pred[:, 0])
            return regression_metrics(target[idx], pred, sub.labels)

        val_scores = [evaluate(module.best_probe(i), xv, split["valid"])[sub.score] for i in range(len(members))]
        best = int(np.argmax(val_scores))
        test = evaluate(module.best_probe(best), xs, split["test"])
        chosen = {f"chosen_{k}": float(v) for k, v in members[best].items()}
        return {**test, "score": test[sub.score], "val_score": val_scores[best], **chosen,
                "train_items": float(len(train))}, seconds  # fmt: skip

"""Music tagging: multi-label tags from a clip, scored by macro ROC-AUC and PR-AUC.

- baseline (arch ``short-chunk-cnn``): Won et al.'s short-chunk CNN on log-mel chunks,
  trained from scratch; clips are scored by averaging the chunk predictions.
- boosted / control: the same CNN plus a second branch, SoniDo top + mid features
  aligned to the mel frames and projected (:class:`~sonido.tasks.inject.FeatureInjector`),
  aggregated by attention with token-out (:class:`~sonido.nn.aggregator.AttentionAggregator`);
  the two embeddings are concatenated (:class:`~sonido.tasks.inject.Fusion`) before the classifier.
- features_only (arch ``attention-aggregator``): the feature branch alone.

Data: any dataset whose items carry ``labels["tags"]`` and whose ``classes`` list the
vocabulary (the embedded corpus' instrument tags, MagnaTagATune top-50).
"""

from __future__ import annotations

from dataclasses import dataclass

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, RandomSampler
from torch.utils.data import Dataset as TorchDataset

from sonido.configbase import ConfigBase
from sonido.data.datasets.base import Dataset, DatasetError, Item
from sonido.nn.aggregator import AttentionAggregator
from sonido.nn.shortchunk import ShortChunkCNN
from sonido.tasks.base import RunConfig, Task
from sonido.tasks.frontend import first_seconds, log_mel
from sonido.tasks.inject import FeatureDims, FeatureInjector, Fusion, feature_dims
from sonido.tasks.metrics import tagging_metrics
from sonido.tasks.results import Row
from sonido.tasks.sampling import split_indices, training_subset


@dataclass(frozen=True)
class TaggingConfig(ConfigBase):
    """Front end and training settings of the tagging models.

    Attributes:
        sample_rate, n_fft, hop, n_mels: the log-mel front end (43 frames/s at 22.05 kHz).
        chunk_frames: training chunk (128 frames ≈ 3 s, Won et al.'s short chunks).
        samples_per_epoch: random chunks per epoch (drawn with replacement, so tiny
            training fractions still take the same number of steps per epoch).
        feature_dim: width of the injected feature stream and of the aggregator.
        token_out: share of feature frames dropped in training.
        fusion: how the feature branch's embedding joins the CNN's (``concat``, ``add`` or
            ``gated``: see :class:`~sonido.tasks.inject.Fusion`).
    """

    sample_rate: int = 22050
    n_fft: int = 1024
    hop: int = 512
    n_mels: int = 128
    chunk_frames: int = 128
    batch_size: int = 16
    samples_per_epoch: int = 192
    max_epochs: int = 20
    patience: int = 5
    lr: float = 1e-3
    weight_decay: float = 1e-4
    feature_dim: int = 64
    token_out: float = 0.2
    dropout: float = 0.3
    fusion: str = "concat"

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / self.hop


class TaggingModel(nn.Module):
    """Log-mel ``[B, n_mels, T]`` and/or features ``{level: [B, T, D]}`` -> tag logits ``[B, K]``.

    Args:
        n_tags: output tags.
        feature_dims: level -> width of the injected features (``None``: no feature branch).
        use_cnn: keep the short-chunk CNN branch (``False``: features only).
    """

    def __init__(self, cfg: TaggingConfig, n_tags: int, feature_dims: FeatureDims | None, use_cnn: bool = True):
        super().__init__()
        if not use_cnn and not feature_dims:
            raise ValueError("a tagging model needs the CNN branch, the feature branch, or both")
        self.cnn = ShortChunkCNN(cfg.n_mels) if use_cnn else None
        self.injector = FeatureInjector(feature_dims, cfg.feature_dim) if feature_dims else None
        self.aggregator = AttentionAggregator(cfg.feature_dim, token_out=cfg.token_out) if feature_dims else None
        cnn_dim = self.cnn.embed_dim if self.cnn is not None else 0
        self.fusion = Fusion(cnn_dim, cfg.feature_dim, cfg.fusion) if self.cnn is not None and feature_dims else None
        width = self.fusion.out_dim if self.fusion is not None else (cnn_dim or cfg.feature_dim)
        self.head = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(width, n_tags))

    def forward(self, mel: torch.Tensor, feats: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        parts = []
        if self.cnn is not None:
            parts.append(self.cnn(mel))  # (B, E)
        if self.injector is not None:
            if feats is None:
                raise ValueError("this tagging model needs features")
            stream = self.injector(feats, frames=mel.shape[-1])  # (B, T, P)
            parts.append(self.aggregator(stream))  # (B, P)
        emb = self.fusion(parts[0][:, None], parts[1][:, None])[:, 0] if self.fusion is not None else parts[0]
        return self.head(emb)


def chunk_starts(frames: int, chunk: int) -> list[int]:
    """Start frames of non-overlapping chunks covering ``frames`` (the last one ends at the end)."""
    if frames <= chunk:
        return [0]
    starts = list(range(0, frames - chunk + 1, chunk))
    return starts if starts[-1] + chunk == frames else starts + [frames - chunk]


@dataclass
class _Prepared:
    """A dataset in memory: log-mels, multi-hot labels, and features aligned to the mel frames."""

    items: list[Item]
    mels: torch.Tensor  # (N, n_mels, F)
    labels: torch.Tensor  # (N, K)
    features: dict[str, dict[str, torch.Tensor]]  # features key (model name, @all-layers for stacks) -> level -> (N, F, D)


class _Chunks(TorchDataset):
    """Random training chunks (mel, features, labels) of the selected items."""

    def __init__(self, data: _Prepared, index: list[int], features_key: str | None, chunk: int):
        self.data, self.index, self.key, self.chunk = data, index, features_key, chunk

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        n = self.index[i]
        frames = self.data.mels.shape[-1]
        start = int(torch.randint(0, max(1, frames - self.chunk + 1), ()))
        sl = slice(start, start + self.chunk)
        feats = {lv: f[n, sl] for lv, f in self.data.features[self.key].items()} if self.key else {}
        return self.data.mels[n, :, sl], feats, self.data.labels[n]


class _Clips(_Chunks):
    """Whole clips, for validation and test."""

    def __getitem__(self, i: int):
        n = self.index[i]
        feats = {lv: f[n] for lv, f in self.data.features[self.key].items()} if self.key else {}
        return self.data.mels[n], feats, self.data.labels[n]


class TaggingModule(L.LightningModule):
    """BCE on chunks; a clip is scored by the mean of its chunks' sigmoid outputs.

    Args:
        use_feats: feed the batches' features to the model (boosted, control, features-only).
    """

    def __init__(self, model: TaggingModel, cfg: TaggingConfig, use_feats: bool):
        super().__init__()
        self.model, self.cfg, self.use_feats = model, cfg, use_feats
        self._scores: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._test: dict[str, float] = {}

    def training_step(self, batch, batch_idx):
        mel, feats, y = batch
        loss = F.binary_cross_entropy_with_logits(self.model(mel, feats if self.use_feats else None), y)
        self.log("train/loss", loss, on_step=False, on_epoch=True, batch_size=len(y))
        return loss

    def _clip_scores(self, mel: torch.Tensor, feats: dict[str, torch.Tensor]) -> torch.Tensor:
        chunk = self.cfg.chunk_frames
        probs = []
        for s in chunk_starts(mel.shape[-1], chunk):
            f = {lv: v[:, s : s + chunk] for lv, v in feats.items()} if self.use_feats else None
            probs.append(torch.sigmoid(self.model(mel[..., s : s + chunk], f)))
        return torch.stack(probs).mean(0)

    def validation_step(self, batch, batch_idx):
        mel, feats, y = batch
        self._scores.append((self._clip_scores(mel, feats), y))

    test_step = validation_step

    def _metrics(self) -> dict[str, float]:
        scores = torch.cat([s for s, _ in self._scores]).numpy()
        y = torch.cat([t for _, t in self._scores]).numpy()
        self._scores = []
        return tagging_metrics(y, scores)

    def on_validation_epoch_end(self):
        m = self._metrics()
        self.log("val/roc_auc_macro", m["roc_auc_macro"])
        self.log("val/pr_auc_macro", m["pr_auc_macro"])

    def on_test_epoch_end(self):
        self._test = self._metrics()

    def test_metrics(self) -> dict[str, float]:
        return self._test

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.cfg.lr, weight_decay=self.cfg.weight_decay)


class Tagging(Task):
    """Multi-label tagging; see the module docstring for the variants."""

    name = "tagging"
    results_name = "tagging"
    config_class = TaggingConfig
    primary_metric = "roc_auc_macro"
    secondary_metrics = ("pr_auc_macro",)

    def __init__(self, cfg: TaggingConfig | None = None):
        super().__init__()
        self.cfg = cfg or TaggingConfig()

    def prepare(self, run: RunConfig) -> _Prepared:
        """Log-mels and labels of every item (once per dataset), plus the features this run needs."""
        return self.prepare_frames(run, self._load_audio, self.cfg.frame_rate)

    def _load_audio(self, dataset: Dataset, clip_seconds: float) -> _Prepared:
        cfg = self.cfg
        if not dataset.classes:
            raise DatasetError(f"{dataset.name} has no tag vocabulary: tagging needs labels['tags'] and classes")
        vocab = {t: i for i, t in enumerate(dataset.classes)}
        mels, labels = [], []
        for item in dataset:
            if "tags" not in item.labels:
                raise DatasetError(f"{dataset.name} item {item.id} has no 'tags' label")
            x = first_seconds(dataset, item, cfg.sample_rate, clip_seconds, pad=True)
            mel = log_mel(x, cfg.sample_rate, n_mels=cfg.n_mels, n_fft=cfg.n_fft, hop=cfg.hop)
            mels.append(torch.from_numpy(mel).float())
            y = torch.zeros(len(vocab))
            y[[vocab[t] for t in item.labels["tags"] if t in vocab]] = 1
            labels.append(y)
        return _Prepared(list(dataset), torch.stack(mels), torch.stack(labels), {})

    def run(self, run: RunConfig) -> list[Row]:
        from sonido.train.task import fit_and_test

        cfg = self.cfg
        data = self.prepare(run)
        split = split_indices(data.items, "tagging")
        train_tags = [list(data.items[i].labels["tags"]) for i in split["train"]]
        train = training_subset(split["train"], train_tags, run.fraction, run.seed)
        model_name = run.feature_model
        torch.manual_seed(run.seed)
        dims = feature_dims(data.features[run.features_key]) if model_name else None
        model = TaggingModel(cfg, data.labels.shape[1], dims, use_cnn=run.variant != "features_only")
        module = TaggingModule(model, cfg, use_feats=model_name is not None)
        chunks = _Chunks(data, train, run.features_key, cfg.chunk_frames)
        sampler = RandomSampler(chunks, replacement=True, num_samples=cfg.samples_per_epoch,
                                generator=torch.Generator().manual_seed(run.seed))  # fmt: skip
        loaders = [DataLoader(chunks, batch_size=cfg.batch_size, sampler=sampler, drop_last=True)]
        loaders += [DataLoader(_Clips(data, split[s], run.features_key, cfg.chunk_frames), batch_size=32)
                    for s in ("valid", "test")]  # fmt: skip
        result = fit_and_test(module, *loaders, monitor="val/roc_auc_macro", mode="max", out=run.out,
                              max_epochs=cfg.max_epochs, patience=cfg.patience, seed=run.seed,
                              accelerator=run.accelerator)  # fmt: skip
        arch = "attention-aggregator" if run.variant == "features_only" else "short-chunk-cnn"
        metrics = {**result.test, "best_val_roc_auc_macro": result.best_val, "epochs": float(result.epochs),
                   "train_items": float(len(train))}  # fmt: skip
        if model.injector is not None:  # with layers="all": the mix the task learned (weights of the best epoch)
            metrics |= {f"layer_weight_{lv}_{i}": w for lv, ws in model.injector.layer_weights().items()
                        for i, w in enumerate(ws)}  # fmt: skip
        return [Row(arch, run.variant, run.fraction, run.seed, metrics, result.train_seconds)]

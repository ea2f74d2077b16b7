"""SoniDo: the codec and the priors behind one object, and its feature extraction.

    model = sonido.load_model()                        # sonido-small; or "sonido-tiny", "small-random", a folder
    feats = model.extract(audio, sample_rate)          # audio [B, C, T], [C, T] or [T]
    feats["top"].data                                  # [B, frames, D] at feats["top"].frame_rate
    model.extract(audio, sample_rate, layers="all")    # every layer apart: [B, frames, L, D]
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import torch

from sonido.audio import AudioError, resample
from sonido.checkpoint import DEFAULT_MODEL, RANDOM, SHIPPED, WEIGHTS_DIR
from sonido.codec.hqvae import HQVAE
from sonido.features.stream import FeatureStream
from sonido.features.types import Features, LevelFeatures
from sonido.prior.prior import Prior

FEATURE_LEVELS = ("top", "mid")
ALL_LAYERS = "all"
"""``layers=`` value that keeps every prior layer apart (``[B, frames, L, D]`` stacks)."""


class SoniDo:
    """A codec plus the priors of (some of) its levels.

    Attributes:
        name: what it was loaded as.
        codec: the HQ-VAE.
        priors: level -> prior (``top`` unconditional, ``mid`` conditioned on ``top``).
    """

    def __init__(self, codec: HQVAE, priors: dict[str, Prior], name: str = "sonido"):
        self.codec, self.priors, self.name = codec.eval(), {k: p.eval() for k, p in priors.items()}, name
        self._fingerprint: str | None = None

    @property
    def sample_rate(self) -> int:
        return self.codec.sample_rate

    def frame_rate(self, level: str) -> float:
        return self.codec.frame_rate(level)

    def feature_dim(self, level: str) -> int:
        return self.priors[level].config.width

    def default_layers(self, level: str) -> tuple[int, ...]:
        """The middle layer: JukeMIR's best single layer sits mid-depth (36 of 72)."""
        return (self.priors[level].config.layers // 2,)

    def fingerprint(self) -> str:
        """SHA-1 of every weight and buffer (codec, then priors by level): tells caches made
        by other weights of the same name apart."""
        if self._fingerprint is None:
            digest = hashlib.sha1()
            modules = [("codec", self.codec)] + sorted(self.priors.items())
            for prefix, module in modules:
                for key, value in sorted(module.state_dict().items()):
                    digest.update(f"{prefix}.{key}{tuple(value.shape)}{value.dtype}".encode())
                    digest.update(value.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    @staticmethod
    def _as_batch(audio: torch.Tensor | object) -> torch.Tensor:
        x = torch.as_tensor(audio, dtype=torch.float32)
        if x.dim() == 1:
            x = x[None, None]
        elif x.dim() == 2:
            x = x[None]
        if x.dim() != 3:
            raise AudioError(None, f"audio must be [B, C, T], [C, T] or [T]; got shape {tuple(x.shape)}")
        if x.shape[-1] == 0:
            raise AudioError(None, "cannot extract features from zero-length audio")
        if not torch.isfinite(x).all():
            raise AudioError(None, "audio contains NaN or Inf samples")
        return x

    @torch.no_grad()
    def extract(
        self,
        audio: torch.Tensor,
        sample_rate: int,
        levels: tuple[str, ...] = FEATURE_LEVELS,
        layers: dict[str, tuple[int, ...]] | tuple[int, ...] | str | None = None,
        overlap: int | None = None,
    ) -> Features:
        """Prior activations of ``audio`` per level.

        Args:
            audio: ``[B, C, T]``, ``[C, T]`` or ``[T]`` at ``sample_rate`` (any rate, any
                channel count: resampled and downmixed inside).
            sample_rate: the audio's rate in Hz.
            levels: which levels (``top`` and/or ``mid``).
            layers: tapped layers, per level (dict) or for every level (tuple); ``None``
                takes :meth:`default_layers`. Several layers are averaged; ``"all"`` keeps
                every layer of each prior apart (for a learned mix in a task model:
                :class:`sonido.tasks.inject.FeatureInjector`).
            overlap: left context (tokens) of every window after the first when the audio
                is longer than a prior's context.

        Returns:
            :class:`Features`: per level ``data [B, frames, D]`` (``[B, frames, L, D]`` with
            ``layers="all"``) with ``frames = ceil(T' / 128) * 128 / hop(level)`` for
            ``T'`` samples at the model rate.
        """
        if sample_rate <= 0:
            raise AudioError(None, f"invalid sample rate {sample_rate}")
        stream = self.stream(levels, layers, overlap)
        x = self._as_batch(audio).mean(dim=1, keepdim=True)  # (B, 1, T) mono
        x = resample(x, sample_rate, self.sample_rate).to(next(self.codec.parameters()).device)
        warn_if_shorter_than_a_frame(x.shape[-1], self.codec.hop_length("top"), self.sample_rate)
        parts = [stream.push(x), stream.finish()]
        return Features({lv: LevelFeatures(data=torch.cat([p[lv] for p in parts if lv in p], dim=1),
                                           frame_rate=self.frame_rate(lv), layers=stream.layers[lv])
                         for lv in levels})  # fmt: skip

    def stream(
        self,
        levels: tuple[str, ...] = FEATURE_LEVELS,
        layers: dict[str, tuple[int, ...]] | tuple[int, ...] | str | None = None,
        overlap: int | None = None,
        window: int = 1024,
        codec_overlap: int = 64,
    ) -> FeatureStream:
        """A :class:`FeatureStream` for audio at the model's rate pushed in pieces (what
        :meth:`extract` and the batch extractor use; same arguments, plus the codec's
        ``window`` and ``codec_overlap`` in top frames)."""
        bad = [lv for lv in levels if lv not in self.priors]
        if bad:
            raise ValueError(f"no prior for levels {bad}; this model has {list(self.priors)}")
        if isinstance(layers, str) and layers != ALL_LAYERS:
            raise ValueError(f"layers must be layer ids or {ALL_LAYERS!r}, got {layers!r}")
        taps = {}
        for lv in levels:
            chosen = layers.get(lv) if isinstance(layers, dict) else layers
            if layers == ALL_LAYERS:
                chosen = range(self.priors[lv].config.layers)
            taps[lv] = tuple(chosen) if chosen else self.default_layers(lv)
        return FeatureStream(self, tuple(levels), taps, overlap, window, codec_overlap, stack=layers == ALL_LAYERS)


def warn_if_shorter_than_a_frame(samples: int, hop: int, sample_rate: int, what: str = "audio") -> None:
    """Features of less than one top frame are padding more than signal: say so, once per call."""
    if samples < hop:
        warnings.warn(f"{what} is {samples} samples ({samples / sample_rate * 1000:.1f} ms), shorter than one top "
                      f"frame ({hop} samples): its features describe mostly zero padding", stacklevel=3)  # fmt: skip


def load_model(path_or_name: str | os.PathLike = DEFAULT_MODEL) -> SoniDo:
    """Load a SoniDo model.

    Args:
        path_or_name: a shipped model (``"sonido-small"``, ``"sonido-tiny"``), a random-weight
            control (``"tiny-random"``, ``"small-random"``: that model's architecture with seeded
            random weights; tiny-random also serves offline tests), or a
            folder holding ``codec/``, ``prior-top/`` and optionally ``prior-mid/``
            checkpoint folders.

    Loading applies sonido's thread policy (:mod:`sonido.threads`) unless
    :func:`sonido.set_threads` chose already.
    """
    from sonido import codec as codec_api
    from sonido.prior import checkpoint as prior_ckpt
    from sonido.threads import ensure_threads

    ensure_threads()
    name = str(path_or_name)
    if name in RANDOM:
        from sonido.prior.presets import load_prior_preset
        from sonido.prior.prior import PriorConfig

        spec = load_prior_preset(RANDOM[name])
        codec = codec_api.load(name)
        torch.manual_seed(0)
        priors = {lv: Prior(PriorConfig.from_dict(spec[lv])) for lv in FEATURE_LEVELS}
        return SoniDo(codec, priors, name)
    folder = WEIGHTS_DIR / name if name in SHIPPED else Path(name)
    if not (folder / "codec").is_dir() or not (folder / "prior-top").is_dir():
        raise FileNotFoundError(
            f"no SoniDo model at {folder}: expected codec/ and prior-top/ checkpoint folders "
            f"(names: {', '.join([*SHIPPED, *RANDOM])})"
        )
    priors = {lv: prior_ckpt.load(folder / f"prior-{lv}") for lv in FEATURE_LEVELS if (folder / f"prior-{lv}").is_dir()}
    return SoniDo(codec_api.load(folder / "codec"), priors, name)

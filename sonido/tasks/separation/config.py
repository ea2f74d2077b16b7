"""The separation task's typed config (set from the CLI with ``--set key=value``)."""

from __future__ import annotations

from dataclasses import dataclass

from sonido.configbase import ConfigBase


@dataclass(frozen=True)
class SeparationConfig(ConfigBase):
    """Architecture, size, training budget and evaluation.

    Attributes:
        arch: ``umx`` (Open-Unmix, :mod:`~sonido.tasks.separation.umx`) or ``htdemucs``
            (:mod:`~sonido.tasks.separation.htdemucs`).
        size: ``tiny`` (trains here) or ``published`` (the papers' sizes, a preset not trained here).
        chunk_seconds: training excerpt length, cut at a random offset of each training mix.
        channel_swap: swap left and right of a training excerpt with probability 1/2 (the
            features, of the mono downmix, are unchanged by it).
        steps_per_epoch, batch_size, lr, weight_decay, max_epochs, patience: training (equal
            steps for every variant: the epoch is a fixed number of batches).
        wiener_iterations: Open-Unmix's multichannel Wiener filter at evaluation (0: mixture phase).
        feature_hop: the features are stored aligned to frames of ``feature_hop`` samples
            (each network re-aligns them to its own frames).
    """

    arch: str = "umx"
    size: str = "tiny"
    chunk_seconds: float = 2.0
    channel_swap: bool = True
    steps_per_epoch: int = 50
    batch_size: int = 8
    lr: float = 1e-3
    weight_decay: float = 1e-5
    max_epochs: int = 6
    patience: int = 3
    wiener_iterations: int = 1
    feature_hop: int = 256

    @property
    def sample_rate(self) -> int:
        from sonido.tasks.separation.models import size_of

        return size_of(self).sample_rate

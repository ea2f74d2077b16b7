"""The mixing task's typed config (set from the CLI with ``--set key=value``)."""

from __future__ import annotations

from dataclasses import dataclass

from sonido.configbase import ConfigBase


@dataclass(frozen=True)
class MixingConfig(ConfigBase):
    """Architecture, size and training budget.

    Attributes:
        arch: ``mixwaveunet`` (:mod:`~sonido.tasks.mixing.wave_unet`) or ``crafx2``
            (:mod:`~sonido.tasks.mixing.crafx2`).
        size: ``tiny`` (trains here) or ``published`` (a preset, not trained here).
        sample_rate: the rate stems and mixes are read at.
        chunk_seconds: training excerpt length, at a random offset.
        steps_per_epoch, batch_size, lr, weight_decay, max_epochs, patience: training (the
            same number of steps for every variant).
        feature_hop: features are stored aligned to frames of this many samples.
        reference_lufs: the loudness the equal-loudness reference mix is normalised to
            (EBU R128's programme target).
    """

    arch: str = "mixwaveunet"
    size: str = "tiny"
    sample_rate: int = 22050
    chunk_seconds: float = 2.0
    steps_per_epoch: int = 50
    batch_size: int = 8
    lr: float = 1e-3
    weight_decay: float = 1e-5
    max_epochs: int = 6
    patience: int = 3
    feature_hop: int = 256
    reference_lufs: float = -23.0

"""Datasets behind one interface (:class:`Dataset` of :class:`Item`), by name."""

from __future__ import annotations

import os

from sonido.data.datasets.base import SPLITS, Dataset, DatasetError, Item
from sonido.data.datasets.embedded import EmbeddedCorpus
from sonido.data.datasets.emomusic import EmoMusic
from sonido.data.datasets.giantsteps import GiantStepsKey
from sonido.data.datasets.gtzan import GTZAN
from sonido.data.datasets.maestro import Maestro
from sonido.data.datasets.medleydb import MedleyDB
from sonido.data.datasets.mtat import MagnaTagATune
from sonido.data.datasets.musdb import MUSDB18HQ, SeparationSet
from sonido.data.datasets.notes import NoteSet
from sonido.data.datasets.real import RealCorpus

DATASETS: dict[str, type[Dataset]] = {
    cls.name: cls
    for cls in (EmbeddedCorpus, RealCorpus, NoteSet, MagnaTagATune, Maestro, MUSDB18HQ, SeparationSet, MedleyDB, GTZAN,
                EmoMusic, GiantStepsKey)
}


def open_dataset(name: str, root: str | os.PathLike, **kwargs) -> Dataset:
    """Open a dataset by name (see ``DATASETS``) from its usual on-disk layout."""
    if name not in DATASETS:
        raise DatasetError(f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}")
    return DATASETS[name](root, **kwargs)


__all__ = [
    "DATASETS", "GTZAN", "MUSDB18HQ", "SPLITS", "Dataset", "DatasetError", "EmbeddedCorpus", "EmoMusic",
    "GiantStepsKey", "Item", "MagnaTagATune", "Maestro", "MedleyDB", "NoteSet", "RealCorpus", "SeparationSet", "open_dataset",
]  # fmt: skip

"""The one dataset interface shared by the embedded corpus and the standard datasets.

A dataset is a sequence of :class:`Item`\\ s, each naming its split, its audio, its labels
and, where the dataset has them, stems and MIDI. Audio is read on demand with
:func:`sonido.audio.load`, so listing a dataset never decodes audio.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from sonido.audio import load

SPLITS = ("train", "valid", "test")


class DatasetError(Exception):
    """A dataset folder that is missing or malformed; the message names what is wrong."""


@dataclass(frozen=True)
class Item:
    """One example.

    Attributes:
        id: unique within the dataset.
        split: ``train``, ``valid`` or ``test``.
        audio: the clip or mixture.
        labels: task labels, e.g. ``{"tags": [...]}``, ``{"genre": "jazz"}``,
            ``{"key": "A minor"}``, ``{"arousal": 5.1, "valence": 4.2}``.
        stems: source name -> audio path (separation and mixing datasets).
        midi: ground-truth MIDI (transcription datasets).
    """

    id: str
    split: str
    audio: Path
    labels: Mapping[str, Any] = field(default_factory=dict)
    stems: Mapping[str, Path] = field(default_factory=dict)
    midi: Path | None = None


class Dataset(Sequence[Item]):
    """A list of items with split selection and audio loading.

    Subclasses read a layout in ``__init__`` and pass the items to ``super().__init__``.
    ``classes`` lists the label vocabulary when there is one (tags, genres, ...).
    """

    name: str = "dataset"

    def __init__(self, root: str | os.PathLike, items: Sequence[Item], classes: Sequence[str] = ()):
        self.root = Path(root)
        self.items = list(items)
        self.classes = tuple(classes)
        if not self.items:
            raise DatasetError(f"{self.name}: no items found under {self.root}")
        bad = {i.split for i in self.items} - set(SPLITS)
        if bad:
            raise DatasetError(f"{self.name}: unknown split names {sorted(bad)}")

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):  # type: ignore[override]
        return self.items[index]

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def split(self, name: str) -> list[Item]:
        """The items of one split (``train``, ``valid`` or ``test``)."""
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; choose from {SPLITS}")
        return [i for i in self.items if i.split == name]

    def load(self, item: Item, sample_rate: int | None = None, mono: bool = False) -> tuple[torch.Tensor, int]:
        """Audio of ``item`` as ``([C, T], rate)``; raises :class:`sonido.AudioError`."""
        return load(item.audio, sample_rate=sample_rate, mono=mono)

    def load_stems(self, item: Item, sample_rate: int | None = None) -> dict[str, torch.Tensor]:
        """Stems of ``item`` as ``{name: [C, T]}``."""
        return {k: load(p, sample_rate=sample_rate)[0] for k, p in item.stems.items()}

    def __repr__(self) -> str:
        counts = ", ".join(f"{s}={len(self.split(s))}" for s in SPLITS)
        return f"{type(self).__name__}({str(self.root)!r}, {counts})"


def require(path: Path, what: str, dataset: str) -> Path:
    """``path`` if it exists, else a :class:`DatasetError` naming what is missing."""
    if not path.exists():
        raise DatasetError(f"{dataset}: missing {what}: expected {path}")
    return path

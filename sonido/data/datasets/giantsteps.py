"""GiantSteps key: EDM excerpts with a global key per track."""

from __future__ import annotations

import os
from pathlib import Path

from sonido.data.datasets.base import Dataset, DatasetError, Item, require

AUDIO_SUFFIXES = (".mp3", ".wav", ".flac")


class GiantStepsKey(Dataset):
    """The giantsteps-key-dataset layout: ``root/audio/<name>.mp3`` and
    ``root/annotations/key/<name>.key`` (e.g. ``"Eb minor"``).

    The dataset is the field's test set, so every item is in ``split`` (default
    ``"test"``); train a key model elsewhere, or pass ``split="train"`` for the MTG key
    collection laid out the same way.
    """

    name = "giantsteps-key"

    def __init__(self, root: str | os.PathLike, split: str = "test"):
        root = Path(root)
        audio_dir = require(root / "audio", "audio/ folder", self.name)
        key_dir = require(root / "annotations" / "key", "annotations/key/ folder", self.name)
        items = []
        for audio in sorted(p for p in audio_dir.iterdir() if p.suffix in AUDIO_SUFFIXES):
            key_file = key_dir / f"{audio.stem}.key"
            if not key_file.exists():
                raise DatasetError(f"{self.name}: {audio.name} has no key annotation {key_file}")
            label = " ".join(key_file.read_text().split())
            if len(label.split()) != 2:
                raise DatasetError(f"{self.name}: {key_file} holds {label!r}, expected e.g. 'Eb minor'")
            items.append(Item(id=audio.stem, split=split, audio=audio, labels={"key": label}))
        super().__init__(root, items)

"""MedleyDB-style multitracks: ``Audio/<track>/<track>_MIX.wav`` and ``<track>_RAW/*.wav``.

The raw (dry) stems are the ``stems``, the mix the ``audio``. Splits come from
``splits.json`` (``{track: train|valid|test}``) when the folder has one (``sonido corpus
mixing`` writes it); otherwise each track is assigned by a hash of its name, 80/10/10,
the same on every machine (MedleyDB has no official split).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from sonido.data.datasets.base import SPLITS, Dataset, DatasetError, Item, require


def _hashed_split(track: str) -> str:
    bucket = int(hashlib.sha1(track.encode()).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "valid" if bucket == 1 else "train"


class MedleyDB(Dataset):
    """Tracks with the mix as ``audio`` and the raw stems as ``stems`` (``RAW_01_01`` ...)."""

    name = "medleydb"

    def __init__(self, root: str | os.PathLike):
        root = Path(root)
        audio = require(root / "Audio", "Audio/ folder", self.name)
        splits_file = root / "splits.json"
        splits = json.loads(splits_file.read_text()) if splits_file.exists() else {}
        items = []
        for track in sorted(p for p in audio.iterdir() if p.is_dir()):
            name = track.name
            mix = require(track / f"{name}_MIX.wav", f"mix of {name}", self.name)
            raw = sorted((track / f"{name}_RAW").glob("*.wav"))
            if not raw:
                raise DatasetError(f"{self.name}: {track} has no raw stems in {name}_RAW/")
            split = splits.get(name, _hashed_split(name))
            if split not in SPLITS:
                raise DatasetError(f"{self.name}: unknown split {split!r} for {name} in {splits_file}")
            items.append(Item(id=name, split=split, audio=mix, stems={p.stem.replace(f"{name}_", ""): p for p in raw}))
        super().__init__(root, items)

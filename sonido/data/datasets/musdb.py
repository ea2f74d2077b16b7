"""MUSDB18-HQ: ``{train,test}/<track>/{mixture,drums,bass,other,vocals}.wav``."""

from __future__ import annotations

import os
from pathlib import Path

from sonido.data.datasets.base import Dataset, DatasetError, Item, require

SOURCES = ("drums", "bass", "other", "vocals")
# The standard validation tracks, taken out of the train folder (musdb's setup).
VALIDATION_TRACKS = frozenset({
    "Actions - One Minute Smile", "Clara Berry And Wooldog - Waltz For My Victims",
    "Johnny Lokke - Promises & Lies", "Patrick Talbot - A Reason To Leave", "Triviul - Angelsaint",
    "Alexander Ross - Goodbye Bolero", "Fergessen - Nos Palpitants", "Leaf - Summerghost",
    "Skelpolu - Human Mistakes", "Young Griffo - Pennies", "ANiMAL - Rockshow",
    "James May - On The Line", "Meaxic - Take A Step", "Traffic Experiment - Sirens",
})  # fmt: skip


class MUSDB18HQ(Dataset):
    """Tracks with the mixture as ``audio`` and the four sources as ``stems``."""

    name = "musdb18hq"

    def __init__(self, root: str | os.PathLike):
        root = Path(root)
        items = []
        for folder in ("train", "test"):
            for track in sorted(p for p in require(root / folder, f"{folder}/ folder", self.name).iterdir() if p.is_dir()):
                files = {s: track / f"{s}.wav" for s in ("mixture", *SOURCES)}
                missing = [n for n, p in files.items() if not p.exists()]
                if missing:
                    raise DatasetError(f"{self.name}: track {track} lacks {', '.join(m + '.wav' for m in missing)}")
                split = "test" if folder == "test" else "valid" if track.name in VALIDATION_TRACKS else "train"
                items.append(Item(id=track.name, split=split, audio=files["mixture"],
                                  stems={s: files[s] for s in SOURCES}))  # fmt: skip
        super().__init__(root, items, classes=SOURCES)

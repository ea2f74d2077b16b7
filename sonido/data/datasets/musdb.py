"""MUSDB18-HQ: ``{train,test}/<track>/{mixture,drums,bass,other,vocals}.wav``; and the same
layout with any targets (``sonido corpus separation``'s set, which adds a ``valid`` folder)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
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


def read_tracks(root: Path, folders: Sequence[str], sources: Sequence[str], split_of: Callable[[str, str], str],
                dataset: str) -> list[Item]:  # fmt: skip
    """Items of ``root/<folder>/<track>/{mixture,<sources>}.wav``; ``split_of(folder, track)`` names the split."""
    items = []
    for folder in folders:
        for track in sorted(p for p in require(root / folder, f"{folder}/ folder", dataset).iterdir() if p.is_dir()):
            files = {s: track / f"{s}.wav" for s in ("mixture", *sources)}
            missing = [n for n, p in files.items() if not p.exists()]
            if missing:
                raise DatasetError(f"{dataset}: track {track} lacks {', '.join(m + '.wav' for m in missing)}")
            items.append(Item(id=track.name, split=split_of(folder, track.name), audio=files["mixture"],
                              stems={s: files[s] for s in sources}))  # fmt: skip
    return items


class MUSDB18HQ(Dataset):
    """Tracks with the mixture as ``audio`` and the four sources as ``stems``."""

    name = "musdb18hq"

    def __init__(self, root: str | os.PathLike):
        def split_of(folder: str, track: str) -> str:
            return "test" if folder == "test" else "valid" if track in VALIDATION_TRACKS else "train"

        super().__init__(root, read_tracks(Path(root), ("train", "test"), SOURCES, split_of, self.name), classes=SOURCES)


class SeparationSet(Dataset):
    """``sonido corpus separation``'s set: ``set.json`` names the targets; each folder is its split."""

    name = "separation-set"

    def __init__(self, root: str | os.PathLike):
        root = Path(root)
        meta = json.loads(require(root / "set.json", "set.json (run `sonido corpus separation`)", self.name).read_text())
        self.sample_rate = int(meta["sample_rate"])
        targets = tuple(meta["targets"])
        items = read_tracks(root, ("train", "valid", "test"), targets, lambda folder, _: folder, self.name)
        super().__init__(root, items, classes=targets)

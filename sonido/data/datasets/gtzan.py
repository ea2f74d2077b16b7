"""GTZAN genre collection, with the fault-filtered split (Kereliuk & Sturm)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from sonido.data.datasets.base import Dataset, DatasetError, Item, require

GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")
SPLIT_FILES = {"train": "train_filtered.txt", "valid": "valid_filtered.txt", "test": "test_filtered.txt"}


class GTZAN(Dataset):
    """GTZAN: audio in ``root/genres_original/<genre>/`` (or ``root/genres/<genre>/``).

    ``split="filtered"`` reads the fault-filtered lists ``root/{train,valid,test}_filtered.txt``
    (one ``genre/genre.000NN.wav`` per line; the extension is ignored), the split JukeMIR
    and MARBLE report on. ``split="random"`` makes a seeded, genre-stratified 80/10/10
    split of every file instead; say so when you report it.
    """

    name = "gtzan"

    def __init__(self, root: str | os.PathLike, split: str = "filtered", seed: int = 0):
        root = Path(root)
        audio_root = next((root / d for d in ("genres_original", "genres") if (root / d).is_dir()), None)
        if audio_root is None:
            raise DatasetError(f"{self.name}: missing audio folder: expected {root}/genres_original or {root}/genres")
        files = {p.stem: p for g in GENRES for p in sorted((audio_root / g).glob(f"{g}.*")) if p.suffix in (".wav", ".au")}
        if not files:
            raise DatasetError(f"{self.name}: no <genre>.000NN.wav/.au files under {audio_root}")
        if split == "filtered":
            assign = {}
            for name, fn in SPLIT_FILES.items():
                lines = require(root / fn, f"fault-filtered split list {fn}", self.name).read_text().split()
                for line in lines:
                    stem = Path(line).stem
                    if stem not in files:
                        raise DatasetError(f"{self.name}: {fn} lists {line}, which is not in {audio_root}")
                    assign[stem] = name
        elif split == "random":
            rng = np.random.default_rng(seed)
            assign = {}
            for g in GENRES:
                stems = [s for s in files if s.startswith(g + ".")]
                for k, i in enumerate(rng.permutation(len(stems))):
                    assign[stems[i]] = "test" if k < len(stems) // 10 else "valid" if k < len(stems) // 5 else "train"
        else:
            raise ValueError(f"split must be 'filtered' or 'random', got {split!r}")
        items = [
            Item(id=s, split=assign[s], audio=files[s], labels={"genre": s.split(".")[0]})
            for s in sorted(assign)
        ]
        super().__init__(root, items, classes=GENRES)

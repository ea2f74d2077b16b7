"""MagnaTagATune: ``annotations_final.csv`` plus mp3 clips, top-50 tags."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from sonido.data.datasets.base import Dataset, DatasetError, Item, require

# The classic split of the 16 audio folders (0-f): 12 train, 1 valid, 3 test.
FOLDER_SPLIT = {**{c: "train" for c in "0123456789ab"}, "c": "valid", **{c: "test" for c in "def"}}


class MagnaTagATune(Dataset):
    """MagnaTagATune with the top-``num_tags`` most frequent tags.

    Layout: ``root/annotations_final.csv`` (tab-separated: ``clip_id``, 188 tag columns,
    ``mp3_path``) and audio at ``root/mp3/<mp3_path>`` or ``root/<mp3_path>``. The split
    comes from ``root/split/{train,valid,test}.npy`` when present (the lists of Won et al.
    2020: entries ``"<index>\\t<mp3_path>"``), else from the standard folder split
    (folders 0-b train, c valid, d-f test). Clips with none of the kept tags are dropped,
    as is usual.
    """

    name = "magnatagatune"

    def __init__(self, root: str | os.PathLike, num_tags: int = 50):
        root = Path(root)
        ann = require(root / "annotations_final.csv", "annotations file", self.name)
        with open(ann, newline="") as f:
            rows = list(csv.reader(f, delimiter="\t"))
        if len(rows) < 2 or rows[0][0] != "clip_id" or rows[0][-1] != "mp3_path":
            raise DatasetError(f"{self.name}: {ann} is not a tab-separated clip_id/.../mp3_path table")
        header, body = rows[0], rows[1:]
        tags = header[1:-1]
        matrix = np.array([[int(v) for v in r[1:-1]] for r in body], dtype=np.int64)
        top = [tags[i] for i in np.argsort(-matrix.sum(0), kind="stable")[:num_tags]]
        cols = [tags.index(t) for t in top]
        audio_root = root / "mp3" if (root / "mp3").is_dir() else root
        split_of = self._split_files(root)
        items = []
        for r, row in zip(body, matrix):
            present = [t for t, c in zip(top, cols) if row[c]]
            if not present:
                continue
            mp3 = r[-1]
            split = split_of.get(mp3) if split_of else FOLDER_SPLIT.get(mp3.split("/")[0])
            if split is None:
                continue
            items.append(Item(id=r[0], split=split, audio=audio_root / mp3, labels={"tags": present}))
        super().__init__(root, items, classes=top)

    def _split_files(self, root: Path) -> dict[str, str]:
        folder = root / "split"
        names = {"train": "train", "valid": "valid", "test": "test"}
        if not folder.is_dir():
            return {}
        out = {}
        for name, split in names.items():
            path = require(folder / f"{name}.npy", f"split list {name}.npy", self.name)
            for entry in np.load(path, allow_pickle=False):
                out[str(entry).split("\t", 1)[-1]] = split
        return out

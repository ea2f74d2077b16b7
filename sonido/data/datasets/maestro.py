"""MAESTRO v3: piano performances with aligned MIDI (``maestro-v3.0.0.csv``)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from sonido.data.datasets.base import Dataset, DatasetError, Item, require

SPLIT_NAMES = {"train": "train", "validation": "valid", "test": "test"}
COLUMNS = ("canonical_composer", "canonical_title", "split", "year", "midi_filename", "audio_filename", "duration")


class Maestro(Dataset):
    """MAESTRO: ``root/maestro-v3.0.0.csv`` with the year folders of wav + midi beside it."""

    name = "maestro"

    def __init__(self, root: str | os.PathLike, version: str = "3.0.0"):
        root = Path(root)
        table = require(root / f"maestro-v{version}.csv", "metadata csv", self.name)
        with open(table, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = set(COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise DatasetError(f"{self.name}: {table} lacks columns {sorted(missing)}")
            rows = list(reader)
        items = []
        for r in rows:
            if r["split"] not in SPLIT_NAMES:
                raise DatasetError(f"{self.name}: unknown split {r['split']!r} in {table}")
            items.append(
                Item(
                    id=Path(r["audio_filename"]).stem,
                    split=SPLIT_NAMES[r["split"]],
                    audio=root / r["audio_filename"],
                    labels={"composer": r["canonical_composer"], "title": r["canonical_title"],
                            "duration": float(r["duration"])},
                    midi=root / r["midi_filename"],
                )
            )  # fmt: skip
        super().__init__(root, items)

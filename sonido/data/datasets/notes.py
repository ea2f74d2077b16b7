"""The single-note probe set (``sonido corpus notes``) through the common interface."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sonido.data.datasets.base import Dataset, DatasetError, Item, require


class NoteSet(Dataset):
    """One item per rendered note; ``labels`` holds ``family`` (NSynth-like instrument
    family), ``pitch`` (the MIDI pitch, as text: a class) and ``program`` (GM program)."""

    name = "note-probe"

    def __init__(self, root: str | os.PathLike):
        root = Path(root)
        path = require(root / "manifest.json", "manifest (run `sonido corpus notes` first)", self.name)
        try:
            manifest = json.loads(path.read_text())
            items = [Item(id=n["id"], split=n["split"], audio=root / n["audio"],
                          labels={"family": n["family"], "pitch": str(n["pitch"]), "program": n["program"]})
                     for n in manifest["notes"]]  # fmt: skip
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise DatasetError(f"{self.name}: malformed manifest {path}: {err}") from None
        self.manifest = manifest
        self.sample_rate = int(manifest["sample_rate"])
        super().__init__(root, items, classes=tuple(manifest["families"]))

"""The real-music corpus (``sonido corpus real``) through the common interface."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sonido.data.datasets.base import Dataset, DatasetError, Item, require


class RealCorpus(Dataset):
    """One item per track of ``manifest.json``; ``labels`` holds ``source`` (the package or
    folder it came from, the real-music source probe's class) and ``duration``.

    Splits are ``train``/``valid``/``test`` per track. Tracks of the sources kept out of
    pretraining (``--holdout``) are not items; ``holdout`` lists them (out-of-domain tests).
    """

    name = "real-corpus"

    def __init__(self, root: str | os.PathLike):
        root = Path(root)
        path = require(root / "manifest.json", "manifest (run `sonido corpus real` first)", self.name)
        try:
            manifest = json.loads(path.read_text())
            pieces = manifest["pieces"]
            items = [Item(id=p["id"], split=p["split"], audio=root / p["mix"],
                          labels={"source": p["source"], "duration": p["duration"]}) for p in pieces]  # fmt: skip
            self.holdout = [i for i in items if i.split == "holdout"]
            items = [i for i in items if i.split != "holdout"]
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise DatasetError(f"{self.name}: malformed manifest {path}: {err}") from None
        self.manifest = manifest
        self.sample_rate = int(manifest["sample_rate"])
        super().__init__(root, items, classes=sorted({i.labels["source"] for i in items}))

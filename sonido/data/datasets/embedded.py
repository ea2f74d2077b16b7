"""The embedded corpus (``sonido corpus build``) through the common interface."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sonido.data.datasets.base import Dataset, DatasetError, Item, require


class EmbeddedCorpus(Dataset):
    """Items from ``manifest.json``: the mix, stems, MIDI and every label.

    ``labels`` holds ``tags``, ``collection``, ``composer``, ``key``, ``tonic``, ``mode``,
    ``tempo``, ``time_signature`` and ``duration``; ``stems`` maps stem names to the
    panned stereo stems (their sum is the mix).
    """

    name = "embedded-corpus"
    LABELS = ("tags", "collection", "composer", "key", "tonic", "mode", "tempo", "time_signature", "duration")

    def __init__(self, root: str | os.PathLike):
        root = Path(root)
        path = require(root / "manifest.json", "manifest (run `sonido corpus build` first)", self.name)
        try:
            manifest = json.loads(path.read_text())
            pieces = manifest["pieces"]
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise DatasetError(f"{self.name}: malformed manifest {path}: {err}") from None
        self.manifest = manifest
        self.sample_rate = int(manifest["sample_rate"])
        items = [
            Item(
                id=p["id"],
                split=p["split"],
                audio=root / p["mix"],
                labels={k: p[k] for k in self.LABELS},
                stems={q["stem"]: root / q["audio"] for q in p["parts"]},
                midi=root / p["midi"],
            )
            for p in pieces
        ]
        super().__init__(root, items, classes=manifest["tags"])
        self.collections = tuple(manifest["collections"])

    def dry_stems(self, item: Item) -> dict[str, Path]:
        """Mono unprocessed stems of ``item`` (name -> path)."""
        piece = next(p for p in self.manifest["pieces"] if p["id"] == item.id)
        return {q["stem"]: self.root / q["dry"] for q in piece["parts"]}

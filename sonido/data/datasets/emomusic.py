"""EmoMusic (1000 songs for emotional analysis of music): static arousal/valence."""

from __future__ import annotations

import csv
import os
import zlib
from pathlib import Path

from sonido.data.datasets.base import Dataset, DatasetError, Item, require


class EmoMusic(Dataset):
    """EmoMusic with static (whole-clip) arousal and valence on the 1-9 scale.

    Layout: ``root/clips_45seconds/<song_id>.mp3``, ``root/annotations/static_annotations.csv``
    (``song_id, mean_arousal, std_arousal, mean_valence, std_valence``) and
    ``root/songs_info.csv`` (``song_id, ..., Mediaeval 2013 set``). As in JukeMIR, the
    MediaEval 2013 evaluation set is the test split; one in eight development songs (by a
    stable hash of the id) is the validation split.
    """

    name = "emomusic"

    def __init__(self, root: str | os.PathLike):
        root = Path(root)
        ann = require(root / "annotations" / "static_annotations.csv", "static annotations", self.name)
        info = require(root / "songs_info.csv", "songs_info.csv", self.name)
        audio_dir = require(root / "clips_45seconds", "clips_45seconds/ folder", self.name)
        sets = {}
        with open(info, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f, skipinitialspace=True):
                if "song_id" not in r or "Mediaeval 2013 set" not in r:
                    raise DatasetError(f"{self.name}: {info} needs song_id and 'Mediaeval 2013 set' columns")
                sets[r["song_id"].strip()] = r["Mediaeval 2013 set"].strip().lower()
        items = []
        with open(ann, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f, skipinitialspace=True):
                try:
                    sid, arousal, valence = r["song_id"].strip(), float(r["mean_arousal"]), float(r["mean_valence"])
                except (KeyError, ValueError) as err:
                    raise DatasetError(f"{self.name}: bad row in {ann}: {err}") from None
                if sid not in sets:
                    raise DatasetError(f"{self.name}: song {sid} has annotations but no entry in {info}")
                audio = audio_dir / f"{sid}.mp3"
                if sets[sid] == "evaluation":
                    split = "test"
                else:
                    split = "valid" if zlib.crc32(sid.encode()) % 8 == 0 else "train"
                items.append(Item(id=sid, split=split, audio=audio, labels={"arousal": arousal, "valence": valence}))
        super().__init__(root, items)

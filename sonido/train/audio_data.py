"""Audio for training: every file decoded once into memory, random crops served from it.

``collect_audio(DIR)`` understands a corpus with a manifest (the embedded corpus, the
real-music corpus: their train/valid splits) and any folder of audio files (a seeded 5 %
of the files is held out for validation); ``collect_audio([A, B])`` joins several.
Unreadable files are skipped with their reason logged, never crash a run.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from sonido.audio import AUDIO_SUFFIXES, AudioError, load

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AudioFiles:
    """Train and validation file lists."""

    train: list[Path]
    valid: list[Path]


DataRoots = str | Path | Sequence[str | Path]
"""One data folder, or several whose files are pooled."""


def describe_roots(root: DataRoots) -> str:
    """The roots as one string, for run records."""
    return str(root) if isinstance(root, (str, Path)) else ", ".join(str(r) for r in root)


def collect_audio(root: DataRoots, holdout: float = 0.05) -> AudioFiles:
    """Mixes of a corpus' train/valid splits, or every audio file under ``root``; with
    several roots, their lists joined."""
    if not isinstance(root, (str, Path)):
        parts = [collect_audio(r, holdout) for r in root]
        if not parts:
            raise FileNotFoundError("no data folder given")
        return AudioFiles(train=[f for p in parts for f in p.train], valid=[f for p in parts for f in p.valid])
    root = Path(root)
    manifest = root / "manifest.json"
    if manifest.exists():
        pieces = json.loads(manifest.read_text())["pieces"]
        return AudioFiles(
            train=[root / p["mix"] for p in pieces if p["split"] == "train"],
            valid=[root / p["mix"] for p in pieces if p["split"] == "valid"],
        )
    if not root.is_dir():
        raise FileNotFoundError(f"no such data folder: {root}")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
    if not files:
        raise FileNotFoundError(f"no audio files ({', '.join(sorted(AUDIO_SUFFIXES))}) under {root}")
    # Stable hash per file name: adding files never moves an old file between splits.
    is_valid = [zlib.crc32(p.relative_to(root).as_posix().encode()) % 1000 < holdout * 1000 for p in files]
    if not any(is_valid):  # too few files for the hash to pick one: hold out the last
        is_valid[-1] = True
    valid = [p for p, v in zip(files, is_valid) if v]
    train = [p for p, v in zip(files, is_valid) if not v]
    if not train:
        log.warning("only one audio file under %s: it serves as both training and validation data", root)
        train = valid
    return AudioFiles(train=train, valid=valid)


def read_all(files: list[Path], sample_rate: int, allow_empty: bool = False) -> list[np.ndarray]:
    """Decode each file once (mono, at ``sample_rate``) into int16 arrays; skip bad ones."""
    out, bad = [], 0
    for f in files:
        try:
            audio, _ = load(f, sample_rate=sample_rate, mono=True)
        except AudioError as err:
            log.warning("skipping %s", err)
            bad += 1
            continue
        out.append(np.round(audio[0].clamp(-1, 1).numpy() * 32767).astype(np.int16))
    if not out and not allow_empty:
        raise FileNotFoundError(f"none of {len(files)} audio files could be read")
    if bad:
        log.warning("skipped %d unreadable files of %d", bad, len(files))
    return out


class RandomCrops(Dataset):
    """Crops ``[1, segment]`` drawn uniformly over all audio (long files weigh more).

    Item ``i`` of epoch ``e`` is a pure function of ``(seed, e, i)``: a resumed run sees the
    same stream. Near-silent crops are redrawn (up to 10 times).
    """

    def __init__(self, clips: list[np.ndarray], segment: int, length: int, seed: int = 0):
        self.clips = [c if len(c) >= segment else np.pad(c, (0, segment - len(c))) for c in clips]
        self.segment, self.length, self.seed, self.epoch = segment, length, seed, 0
        sizes = np.array([len(c) - segment + 1 for c in self.clips], dtype=np.float64)
        self.weights = sizes / sizes.sum()

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> torch.Tensor:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        for _ in range(10):
            clip = self.clips[rng.choice(len(self.clips), p=self.weights)]
            start = int(rng.integers(0, len(clip) - self.segment + 1))
            crop = clip[start : start + self.segment]
            if np.abs(crop).max() > 100:  # about -50 dBFS
                break
        return torch.from_numpy(crop.astype(np.float32) / 32767)[None]


class FixedCrops(Dataset):
    """Validation: evenly spaced crops, the same every time."""

    def __init__(self, clips: list[np.ndarray], segment: int, count: int):
        self.items = []
        per = max(1, -(-count // len(clips)))
        for c in clips:
            c = c if len(c) >= segment else np.pad(c, (0, segment - len(c)))
            for s in np.linspace(0, len(c) - segment, per).astype(int):
                self.items.append(c[s : s + segment])
        self.items = self.items[:count]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> torch.Tensor:
        return torch.from_numpy(self.items[index].astype(np.float32) / 32767)[None]

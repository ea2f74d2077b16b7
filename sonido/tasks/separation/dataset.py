"""A MUSDB-like separation set made from the embedded corpus: random remixes to train on,
the pieces' own mixes to validate and test on.

    sonido corpus separation data/corpus-small data/separation --mixes 400 --seconds 6

Layout (MUSDB18-HQ's, plus a ``valid`` folder and ``set.json``)::

    OUT/set.json                          targets, rate, the config it was built with
    OUT/{train,valid,test}/<id>/mixture.wav, bass.wav, drums.wav, lead.wav, other.wav

Targets are :data:`sonido.tasks.separation.targets.TARGETS`, grouped from each piece's
panned stereo stems by :func:`~sonido.tasks.separation.targets.group_parts`; every target
file is the sum of its stems and the mixture is the sum of the targets (exactly, in
float32 WAV). ``train`` holds ``mixes`` random remixes (open-unmix's and Demucs'
augmentation, drawn once so that SoniDo features can be extracted for each mixture):
each target taken from an independently drawn training piece at its own random offset
(time shift), scaled by a random gain (uniform in ``gain_db``), its channels swapped
with probability 1/2; a target a drawn piece lacks stays silent, as in MUSDB. ``valid``
and ``test`` hold the first ``eval_seconds`` of every piece of those splits, as rendered.
The build is resumable (finished items are kept) and every file is written atomically.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sonido.configbase import ConfigBase
from sonido.fileio import atomic_write_json

SET_FILE = "set.json"


@dataclass(frozen=True)
class SeparationSetConfig(ConfigBase):
    """Attributes: mixes (train remixes), seconds (their length), eval_seconds (valid/test
    excerpt length), gain_db (range of the random gains), seed."""

    mixes: int = 400
    seconds: float = 6.0
    eval_seconds: float = 10.0
    gain_db: tuple[float, float] = (-6.0, 3.0)
    seed: int = 0


def _read(path: Path, start: int, length: int, sample_rate: int) -> np.ndarray:
    """``[C, length]`` float32 from ``start`` (zero-padded past the end)."""
    from sonido.audio import load

    audio = load(path, sample_rate)[0].numpy()
    out = np.zeros((audio.shape[0], length), dtype=np.float32)
    part = audio[:, start : start + length]
    out[:, : part.shape[1]] = part
    return out


def _target_audio(files: list[Path], start: int, length: int, sample_rate: int, channels: int = 2) -> np.ndarray:
    out = np.zeros((channels, length), dtype=np.float32)
    for f in files:
        out += _read(f, start, length, sample_rate)
    return out


def _write_item(folder: Path, targets: dict[str, np.ndarray], sample_rate: int) -> None:
    """Targets, then the mixture last: an item is complete once its mixture exists."""
    from sonido.audio import save

    for name, audio in targets.items():
        save(folder / f"{name}.wav", audio, sample_rate, subtype="FLOAT")
    save(folder / "mixture.wav", sum(targets.values()), sample_rate, subtype="FLOAT")


def build_separation_set(corpus: str | os.PathLike, out: str | os.PathLike, config: SeparationSetConfig | None = None,
                         progress: bool = True) -> Path:  # fmt: skip
    """Write the set (see the module docstring); returns ``OUT/set.json``.

    Raises:
        DatasetError: the corpus is missing, or ``OUT`` holds a set built with another config.
    """
    from rich.progress import Progress

    from sonido.data.datasets.base import DatasetError
    from sonido.data.datasets.embedded import EmbeddedCorpus
    from sonido.tasks.separation.targets import TARGETS, group_parts

    cfg = config or SeparationSetConfig()
    src = EmbeddedCorpus(corpus)
    rate, out = src.sample_rate, Path(out)
    meta = json.loads(json.dumps({"targets": TARGETS, "sample_rate": rate, "corpus": str(corpus), "config": asdict(cfg)}))
    if (out / SET_FILE).exists():
        old = json.loads((out / SET_FILE).read_text())
        if old.get("config") != meta["config"] or old.get("targets") != meta["targets"]:
            raise DatasetError(f"{out} holds a separation set built with {old.get('config')}; "
                               "choose another folder or delete it")  # fmt: skip
    atomic_write_json(out / SET_FILE, meta)
    pieces = {p["id"]: p for p in src.manifest["pieces"]}
    groups = {pid: group_parts(p, src.root) for pid, p in pieces.items()}
    train = sorted(pid for pid, p in pieces.items() if p["split"] == "train")
    if not train:
        raise DatasetError(f"{corpus} has no training pieces to remix")
    rng = np.random.default_rng(cfg.seed)
    length, eval_length = int(cfg.seconds * rate), int(cfg.eval_seconds * rate)
    # Every draw is made up front, so a resumed build writes the same mixes.
    draws = [[(train[rng.integers(len(train))], rng.uniform(0, 1), rng.uniform(*cfg.gain_db), rng.random() < 0.5)
              for _ in TARGETS] for _ in range(cfg.mixes)]  # fmt: skip
    evals = sorted((p["split"], pid) for pid, p in pieces.items() if p["split"] in ("valid", "test"))
    with Progress(disable=not progress) as bar:
        task = bar.add_task("separation set", total=len(draws) + len(evals))
        for i, draw in enumerate(draws):
            folder = out / "train" / f"mix-{i:05d}"
            if not (folder / "mixture.wav").exists():
                targets = {}
                for target, (pid, offset, gain_db, swap) in zip(TARGETS, draw):
                    start = int(offset * max(0, pieces[pid]["num_samples"] - length))
                    audio = _target_audio(groups[pid][target], start, length, rate) * np.float32(10 ** (gain_db / 20))
                    targets[target] = audio[::-1].copy() if swap else audio
                _write_item(folder, targets, rate)
            bar.advance(task)
        for split, pid in evals:
            folder = out / split / pid
            if not (folder / "mixture.wav").exists():
                _write_item(folder, {t: _target_audio(groups[pid][t], 0, eval_length, rate) for t in TARGETS}, rate)
            bar.advance(task)
    return out / SET_FILE

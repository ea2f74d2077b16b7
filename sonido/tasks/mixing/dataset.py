"""A mixing set from the embedded corpus, in MedleyDB's layout: dry stems and a reference mix.

    sonido corpus mixing data/corpus-small data/mixing --seconds 10

For every piece: its dry mono stems (the corpus renders them before any gain or pan),
cut to the first ``seconds``, and the stereo mix a seeded console
(:mod:`sonido.tasks.mixing.console`) makes of them. Written as MedleyDB lays out a
multitrack (so the ``medleydb`` loader reads this set and a real MedleyDB alike)::

    OUT/Audio/<id>/<id>_MIX.wav                  the reference mix (stereo, float)
    OUT/Audio/<id>/<id>_RAW/<id>_RAW_<nn>_01.wav  one dry stem per part (mono, float)
    OUT/Audio/<id>/<id>_CONSOLE.json              the settings of each stem
    OUT/splits.json                               {id: split}, the corpus' split

Resumable (a piece whose mix exists is done; the mix is written last) and atomic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from sonido.fileio import atomic_write_json, atomic_write_text


def build_mixing_set(corpus: str | os.PathLike, out: str | os.PathLike, seconds: float = 10.0, seed: int = 0,
                     progress: bool = True) -> Path:  # fmt: skip
    """Write the set (see the module docstring); returns ``OUT/splits.json``."""
    from rich.progress import Progress

    from sonido.audio import load, save
    from sonido.data.datasets.embedded import EmbeddedCorpus
    from sonido.tasks.mixing.console import draw_settings, mix

    src = EmbeddedCorpus(corpus)
    rate, out = src.sample_rate, Path(out)
    length = int(seconds * rate)
    pieces = src.manifest["pieces"]
    with Progress(disable=not progress) as bar:
        task = bar.add_task("mixing set", total=len(pieces))
        for n, piece in enumerate(pieces):
            pid = piece["id"]
            folder = out / "Audio" / pid
            if not (folder / f"{pid}_MIX.wav").exists():
                dry = [load(src.root / p["dry"], rate, mono=True)[0][0, :length].numpy() for p in piece["parts"]]
                settings = draw_settings(np.random.default_rng([seed, n]), [p.get("family", "") for p in piece["parts"]])
                for i, x in enumerate(dry, 1):
                    save(folder / f"{pid}_RAW" / f"{pid}_RAW_{i:02d}_01.wav", x, rate, subtype="FLOAT")
                atomic_write_text(folder / f"{pid}_CONSOLE.json", json.dumps(
                    [{"stem": p["stem"], "family": p.get("family"), **s.to_dict()} for p, s in zip(piece["parts"], settings)],
                    indent=1))  # fmt: skip
                save(folder / f"{pid}_MIX.wav", mix(dry, settings, rate), rate, subtype="FLOAT")
            bar.advance(task)
    return atomic_write_json(out / "splits.json", {p["id"]: p["split"] for p in pieces})

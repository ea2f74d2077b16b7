import json

import numpy as np
import pytest
import soundfile as sf

from sonido.tasks.transcription.notes import write_midi

RATE = 22050


@pytest.fixture(scope="session")
def note_corpus(tmp_path_factory):
    """An embedded-corpus layout whose mixes are sine notes and whose all.mid lists exactly them."""
    root = tmp_path_factory.mktemp("notes-corpus")
    rng = np.random.default_rng(0)
    splits = ["train"] * 10 + ["valid"] * 3 + ["test"] * 3
    pieces = []
    t = np.arange(int(2.0 * RATE)) / RATE
    for i, split in enumerate(splits):
        pid = f"p{i:02d}"
        notes = []
        for k in range(4):
            onset = 0.1 + 0.45 * k + 0.05 * rng.random()
            notes.append((onset, onset + 0.3, int(rng.choice([60, 64, 67, 72]))))
        x = np.zeros_like(t)
        for a, b, p in notes:
            f = 440 * 2 ** ((p - 69) / 12)
            x += 0.3 * np.sin(2 * np.pi * f * t) * ((t >= a) & (t < b))
        (root / "pieces" / pid).mkdir(parents=True)
        sf.write(str(root / "pieces" / pid / "mix.wav"), x.astype(np.float32), RATE)
        write_midi(np.array(notes, dtype=float), root / "pieces" / pid / "all.mid")
        pieces.append(dict(id=pid, split=split, mix=f"pieces/{pid}/mix.wav", midi=f"pieces/{pid}/all.mid", parts=[],
                           tags=["piano"], collection="c", composer="anon", key="C major", tonic="C", mode="major",
                           tempo=100.0, time_signature="4/4", duration=2.0))  # fmt: skip
    manifest = dict(version=1, sample_rate=RATE, tags=["piano"], collections=["c"], pieces=pieces)
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root

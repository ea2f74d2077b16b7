import json

import numpy as np
import pytest
import soundfile as sf

from sonido.tasks.transcription.notes import write_midi

RATE = 22050
# (stem, family, MIDI pitch; None for drums): every piece has a lead, an inner voice, a bass; some have drums
PARTS = (("00-melody", "strings", 76), ("01-inner", "winds", 64), ("02-bass", "bass", 40), ("drums", "drums", None))


def write_stem_corpus(root, n=16, seconds=2.5):
    """An embedded-corpus layout with panned stereo stems: sines at each part's pitch, noise
    bursts for drums (every other piece), their sum as the mix."""
    rng = np.random.default_rng(0)
    splits = ["train"] * (n - 4) + ["valid"] * 2 + ["test"] * 2
    t = np.arange(int(seconds * RATE)) / RATE
    pieces = []
    for i, split in enumerate(splits):
        pid = f"p{i:02d}"
        folder = root / "pieces" / pid
        (folder / "stems").mkdir(parents=True)
        (folder / "midi").mkdir()
        parts, mix = [], np.zeros((t.size, 2), np.float32)
        for stem, family, pitch in PARTS[: 4 if i % 2 == 0 else 3]:
            if pitch is None:
                x = 0.3 * rng.standard_normal(t.size) * ((t * 4) % 1 < 0.1)
            else:
                x = 0.2 * np.sin(2 * np.pi * 440 * 2 ** ((pitch - 69) / 12) * t + rng.uniform(0, 6))
                write_midi(np.array([[0.0, seconds, pitch]]), folder / "midi" / f"{stem}.mid")
            pan = rng.uniform(0.2, 0.8)
            stereo = np.stack([x * (1 - pan), x * pan], 1).astype(np.float32)
            sf.write(str(folder / "stems" / f"{stem}.wav"), stereo, RATE, subtype="FLOAT")
            mix += stereo
            parts.append(dict(stem=stem, family=family, is_drum=pitch is None, audio=f"pieces/{pid}/stems/{stem}.wav",
                              midi=f"pieces/{pid}/midi/{stem}.mid"))  # fmt: skip
        sf.write(str(folder / "mix.wav"), mix, RATE, subtype="FLOAT")
        pieces.append(dict(id=pid, split=split, mix=f"pieces/{pid}/mix.wav", midi=f"pieces/{pid}/all.mid", parts=parts,
                           num_samples=t.size, tags=["strings"], collection="c", composer="anon", key="C major",
                           tonic="C", mode="major", tempo=100.0, time_signature="4/4", duration=seconds))  # fmt: skip
    manifest = dict(version=1, sample_rate=RATE, tags=["strings"], collections=["c"], pieces=pieces)
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


@pytest.fixture(scope="session")
def stem_corpus(tmp_path_factory):
    return write_stem_corpus(tmp_path_factory.mktemp("stem-corpus"))


@pytest.fixture(scope="session")
def separation_set(stem_corpus, tmp_path_factory):
    from sonido.tasks.separation.dataset import SeparationSetConfig, build_separation_set

    out = tmp_path_factory.mktemp("separation-set")
    build_separation_set(stem_corpus, out, SeparationSetConfig(mixes=24, seconds=2.0, eval_seconds=2.0), progress=False)
    return out

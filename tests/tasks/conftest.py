import json

import numpy as np
import pytest
import soundfile as sf

from sonido.tasks.transcription.notes import write_midi

RATE = 22050
TAGS = ["bass", "drums", "piano", "strings"]


def write_mini_corpus(root, n=24, seconds=2.0):
    """An embedded-corpus layout of ``n`` synthetic pieces whose labels the audio reflects.

    Pieces alternate between two collections (low vs. high register), carry one or two
    tags (noise bursts for drums), a major/minor key (one modal key too) and a tempo.
    """
    rng = np.random.default_rng(0)
    splits = ["train"] * (n - 8) + ["valid"] * 4 + ["test"] * 4
    pieces = []
    t = np.arange(int(seconds * RATE)) / RATE
    for i in range(n):
        collection = ["chorales", "folk"][i % 2]
        tags = [TAGS[i % 4]] + ([TAGS[(i + 1) % 4]] if i % 3 == 0 else [])
        base = 220.0 if collection == "chorales" else 660.0
        x = 0.2 * np.sin(2 * np.pi * base * t)
        if "drums" in tags:
            x += 0.1 * rng.standard_normal(t.size) * (np.sin(2 * np.pi * 2 * t) > 0.9)
        if "bass" in tags:
            x += 0.2 * np.sin(2 * np.pi * 55 * t)
        pid = f"{collection}-{i:02d}"
        (root / "pieces" / pid).mkdir(parents=True)
        sf.write(str(root / "pieces" / pid / "mix.wav"), x.astype(np.float32), RATE)
        key = "D mixolydian" if i == 5 else ["C major", "A minor", "G major"][i % 3]
        pieces.append(dict(
            id=pid, split=splits[i], mix=f"pieces/{pid}/mix.wav", midi=f"pieces/{pid}/all.mid", parts=[],
            tags=tags, collection=collection, composer="anon", key=key, tonic=key.split()[0],
            mode=key.split()[1], tempo=float(80 + 5 * i), time_signature="4/4", duration=seconds,
        ))  # fmt: skip
    manifest = dict(version=1, sample_rate=RATE, tags=TAGS, collections=["chorales", "folk"], pieces=pieces)
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


@pytest.fixture(scope="module")
def mini_corpus(tmp_path_factory):
    return write_mini_corpus(tmp_path_factory.mktemp("mini-corpus"))


@pytest.fixture(scope="module")
def feature_root(tmp_path_factory):
    return tmp_path_factory.mktemp("features")


STEM_RATE = 22050
# (stem, family, MIDI pitch; None for drums): every piece has a lead, an inner voice, a bass; some have drums
PARTS = (("00-melody", "strings", 76), ("01-inner", "winds", 64), ("02-bass", "bass", 40), ("drums", "drums", None))


def write_stem_corpus(root, n=16, seconds=2.5):
    """An embedded-corpus layout with dry mono stems and panned stereo stems: sines at each part's
    pitch, noise bursts for drums (every other piece), the stereo stems' sum as the mix."""
    rng = np.random.default_rng(0)
    splits = ["train"] * (n - 4) + ["valid"] * 2 + ["test"] * 2
    t = np.arange(int(seconds * STEM_RATE)) / STEM_RATE
    pieces = []
    for i, split in enumerate(splits):
        pid = f"p{i:02d}"
        folder = root / "pieces" / pid
        (folder / "stems").mkdir(parents=True)
        (folder / "midi").mkdir()
        (folder / "dry").mkdir()
        parts, mix = [], np.zeros((t.size, 2), np.float32)
        for stem, family, pitch in PARTS[: 4 if i % 2 == 0 else 3]:
            if pitch is None:
                x = 0.3 * rng.standard_normal(t.size) * ((t * 4) % 1 < 0.1)
            else:
                x = 0.2 * np.sin(2 * np.pi * 440 * 2 ** ((pitch - 69) / 12) * t + rng.uniform(0, 6))
                write_midi(np.array([[0.0, seconds, pitch]]), folder / "midi" / f"{stem}.mid")
            sf.write(str(folder / "dry" / f"{stem}.wav"), x.astype(np.float32), STEM_RATE, subtype="FLOAT")
            pan = rng.uniform(0.2, 0.8)
            stereo = np.stack([x * (1 - pan), x * pan], 1).astype(np.float32)
            sf.write(str(folder / "stems" / f"{stem}.wav"), stereo, STEM_RATE, subtype="FLOAT")
            mix += stereo
            parts.append(dict(stem=stem, family=family, is_drum=pitch is None, audio=f"pieces/{pid}/stems/{stem}.wav", dry=f"pieces/{pid}/dry/{stem}.wav",
                              midi=f"pieces/{pid}/midi/{stem}.mid"))  # fmt: skip
        sf.write(str(folder / "mix.wav"), mix, STEM_RATE, subtype="FLOAT")
        pieces.append(dict(id=pid, split=split, mix=f"pieces/{pid}/mix.wav", midi=f"pieces/{pid}/all.mid", parts=parts,
                           num_samples=t.size, tags=["strings"], collection="c", composer="anon", key="C major",
                           tonic="C", mode="major", tempo=100.0, time_signature="4/4", duration=seconds))  # fmt: skip
    manifest = dict(version=1, sample_rate=STEM_RATE, tags=["strings"], collections=["c"], pieces=pieces)
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


@pytest.fixture(scope="session")
def stem_corpus(tmp_path_factory):
    return write_stem_corpus(tmp_path_factory.mktemp("stem-corpus"))

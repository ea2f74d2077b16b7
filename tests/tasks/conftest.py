import json

import numpy as np
import pytest
import soundfile as sf

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

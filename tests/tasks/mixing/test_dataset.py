import json

import numpy as np
import soundfile as sf

from sonido.data.datasets import open_dataset
from sonido.tasks.mixing.console import StemSettings, mix


def test_medleydb_layout_with_the_corpus_split_and_a_mix_the_console_reproduces(mixing_set, stem_corpus):
    ds = open_dataset("medleydb", mixing_set)
    assert [len(ds.split(s)) for s in ("train", "valid", "test")] == [12, 2, 2]
    item = ds.split("train")[0]
    assert sorted(item.stems) == ["RAW_01_01", "RAW_02_01", "RAW_03_01", "RAW_04_01"]  # p00 has drums: 4 parts
    stems = [sf.read(str(p), dtype="float32")[0] for _, p in sorted(item.stems.items())]
    assert all(s.ndim == 1 and len(s) == 44100 for s in stems)
    settings = json.loads((mixing_set / "Audio" / item.id / f"{item.id}_CONSOLE.json").read_text())
    strips = [StemSettings(**{k: v for k, v in s.items() if k not in ("stem", "family")}) for s in settings]
    reference = sf.read(str(item.audio), dtype="float32")[0].T
    np.testing.assert_allclose(mix(stems, strips, 22050), reference, atol=1e-5)
    assert abs(settings[2]["pan"]) <= 0.2  # the bass stays central


def test_medleydb_without_a_splits_file_splits_by_track_name(mixing_set, tmp_path):
    import shutil

    copy = shutil.copytree(mixing_set, tmp_path / "m")
    (copy / "splits.json").unlink()
    a, b = open_dataset("medleydb", copy), open_dataset("medleydb", copy)
    assert [i.split for i in a] == [i.split for i in b] and {i.split for i in a} <= {"train", "valid", "test"}

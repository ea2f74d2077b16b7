import json

import numpy as np
import pytest
import soundfile as sf

from sonido.data.datasets import DatasetError, open_dataset
from sonido.tasks.separation import TARGETS
from sonido.tasks.separation.dataset import SeparationSetConfig, build_separation_set

CFG = SeparationSetConfig(mixes=24, seconds=2.0, eval_seconds=2.0)


def test_layout_and_mixture_is_the_sum_of_targets(separation_set):
    ds = open_dataset("separation-set", separation_set)
    assert ds.classes == TARGETS
    assert [len(ds.split(s)) for s in ("train", "valid", "test")] == [24, 2, 2]
    for item in ds.split("train")[:4] + ds.split("test"):
        mix = sf.read(str(item.audio), dtype="float32")[0]
        targets = [sf.read(str(item.stems[t]), dtype="float32")[0] for t in TARGETS]
        assert mix.shape == (44100, 2) and np.allclose(mix, sum(targets), atol=1e-6)


def test_remixes_draw_targets_from_different_pieces_with_gains(separation_set, stem_corpus):
    """A remix's lead is some training piece's melody at a random offset and gain: its level differs
    from the rendered stems', and remixes are not all the same."""
    ds = open_dataset("separation-set", separation_set)
    leads = [sf.read(str(i.stems["lead"]), dtype="float32")[0] for i in ds.split("train")]
    peaks = np.array([np.abs(x).max() for x in leads])
    assert peaks.std() > 0.01 and len({round(p, 4) for p in peaks}) > 5
    # pieces with drums are every other one: some remixes have silent drums, most do not
    drums = np.array([np.abs(sf.read(str(i.stems["drums"]))[0]).max() for i in ds.split("train")])
    assert 0 < (drums == 0).sum() < len(drums)


def test_resume_keeps_items_and_refuses_another_config(separation_set, stem_corpus):
    first = open_dataset("separation-set", separation_set).split("train")[3]
    before = first.audio.stat().st_mtime_ns
    build_separation_set(stem_corpus, separation_set, CFG, progress=False)
    assert first.audio.stat().st_mtime_ns == before  # finished items are not rewritten
    with pytest.raises(DatasetError, match="built with"):
        build_separation_set(stem_corpus, separation_set, SeparationSetConfig(mixes=5), progress=False)
    assert json.loads((separation_set / "set.json").read_text())["config"]["mixes"] == 24


def test_same_seed_same_mixes(stem_corpus, tmp_path):
    small = SeparationSetConfig(mixes=3, seconds=1.0, eval_seconds=1.0)
    a, b = (build_separation_set(stem_corpus, tmp_path / n, small, progress=False).parent for n in ("a", "b"))
    for i in range(3):
        x, y = (sf.read(str(root / "train" / f"mix-{i:05d}" / "mixture.wav"))[0] for root in (a, b))
        assert np.array_equal(x, y)


def test_missing_target_file_is_a_clear_error(separation_set, tmp_path):
    import shutil

    copy = shutil.copytree(separation_set, tmp_path / "copy")
    next((copy / "test").iterdir()).joinpath("drums.wav").unlink()
    with pytest.raises(DatasetError, match="lacks drums.wav"):
        open_dataset("separation-set", copy)

import pytest
import torch

from sonido.data.datasets import (
    DATASETS,
    GTZAN,
    MUSDB18HQ,
    DatasetError,
    EmbeddedCorpus,
    EmoMusic,
    GiantStepsKey,
    Maestro,
    MagnaTagATune,
    open_dataset,
)  # fmt: skip
from tests.data import layouts


def test_mtat_folder_split_and_top_tags(tmp_path):
    tags = layouts.mtat(tmp_path)
    ds = MagnaTagATune(tmp_path, num_tags=8)
    assert set(ds.classes) == set(tags)
    assert len(ds) == 15  # the untagged clip is dropped
    assert [len(ds.split(s)) for s in ("train", "valid", "test")] == [12, 1, 2]
    item = ds.split("valid")[0]
    assert set(item.labels["tags"]) == {"strings", "piano"}  # clip 12: tags 12 % 8 and 15 % 8
    audio, rate = ds.load(item)
    assert audio.shape == (1, 4000) and rate == 8000


def test_mtat_top_k_keeps_most_frequent(tmp_path):
    layouts.mtat(tmp_path)
    ds = MagnaTagATune(tmp_path, num_tags=2)
    assert len(ds.classes) == 2
    assert all(set(i.labels["tags"]) <= set(ds.classes) for i in ds)


def test_mtat_split_files(tmp_path):
    layouts.mtat(tmp_path, split_files=True)
    ds = MagnaTagATune(tmp_path, num_tags=8)
    assert [len(ds.split(s)) for s in ("train", "valid", "test")] == [10, 2, 3]


def test_mtat_errors(tmp_path):
    with pytest.raises(DatasetError, match="annotations file"):
        MagnaTagATune(tmp_path)
    (tmp_path / "annotations_final.csv").write_text("a,b,c\n1,2,3\n")
    with pytest.raises(DatasetError, match="tab-separated"):
        MagnaTagATune(tmp_path)


def test_maestro(tmp_path):
    layouts.maestro(tmp_path)
    ds = Maestro(tmp_path)
    assert [len(ds.split(s)) for s in ("train", "valid", "test")] == [2, 1, 1]
    item = ds.split("test")[0]
    assert item.midi.exists() and item.labels["composer"] == "Chopin"
    audio, rate = ds.load(item, sample_rate=8000)
    assert rate == 8000 and audio.shape == (1, 4000)


def test_maestro_errors(tmp_path):
    with pytest.raises(DatasetError, match="metadata csv"):
        Maestro(tmp_path)
    (tmp_path / "maestro-v3.0.0.csv").write_text("split,audio_filename\ntrain,x.wav\n")
    with pytest.raises(DatasetError, match="lacks columns"):
        Maestro(tmp_path)


def test_musdb(tmp_path):
    layouts.musdb(tmp_path)
    ds = MUSDB18HQ(tmp_path)
    assert {i.id: i.split for i in ds} == {"A - Song": "train", "Leaf - Summerghost": "valid", "B - Other": "test"}
    stems = ds.load_stems(ds.split("test")[0])
    assert set(stems) == {"drums", "bass", "other", "vocals"} and stems["bass"].shape == (2, 4000)


def test_musdb_missing_stem(tmp_path):
    layouts.musdb(tmp_path)
    (tmp_path / "test" / "B - Other" / "vocals.wav").unlink()
    with pytest.raises(DatasetError, match="vocals.wav"):
        MUSDB18HQ(tmp_path)
    with pytest.raises(DatasetError, match="train/ folder"):
        MUSDB18HQ(tmp_path / "nowhere")


def test_gtzan_filtered_split(tmp_path):
    layouts.gtzan(tmp_path)
    ds = GTZAN(tmp_path)
    assert [len(ds.split(s)) for s in ("train", "valid", "test")] == [60, 20, 10]
    assert ds.split("test")[0].labels["genre"] in ds.classes


def test_gtzan_random_split_is_stratified_and_seeded(tmp_path):
    layouts.gtzan(tmp_path, with_splits=False)
    with pytest.raises(DatasetError, match="fault-filtered"):
        GTZAN(tmp_path)
    ds = GTZAN(tmp_path, split="random", seed=3)
    test = ds.split("test")
    assert len(test) == 10 and len({i.labels["genre"] for i in test}) == 10
    assert [i.id for i in test] == [i.id for i in GTZAN(tmp_path, split="random", seed=3).split("test")]


def test_emomusic(tmp_path):
    layouts.emomusic(tmp_path)
    ds = EmoMusic(tmp_path)
    assert len(ds.split("test")) == 5 and len(ds) == 20
    item = ds.split("test")[0]
    assert set(item.labels) == {"arousal", "valence"} and isinstance(item.labels["arousal"], float)


def test_emomusic_errors(tmp_path):
    layouts.emomusic(tmp_path)
    (tmp_path / "songs_info.csv").unlink()
    with pytest.raises(DatasetError, match="songs_info.csv"):
        EmoMusic(tmp_path)


def test_giantsteps(tmp_path):
    keys = layouts.giantsteps(tmp_path)
    ds = GiantStepsKey(tmp_path)
    assert [i.labels["key"] for i in ds] == keys and all(i.split == "test" for i in ds)


def test_giantsteps_errors(tmp_path):
    layouts.giantsteps(tmp_path)
    (tmp_path / "annotations" / "key" / "1001.LOFI.key").unlink()
    with pytest.raises(DatasetError, match="1001.LOFI.mp3 has no key"):
        GiantStepsKey(tmp_path)
    (tmp_path / "annotations" / "key" / "1001.LOFI.key").write_text("not a key at all")
    with pytest.raises(DatasetError, match="expected e.g."):
        GiantStepsKey(tmp_path)


def test_embedded_corpus_errors(tmp_path):
    with pytest.raises(DatasetError, match="corpus build"):
        EmbeddedCorpus(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(DatasetError, match="malformed manifest"):
        EmbeddedCorpus(tmp_path)


def test_open_dataset_by_name(tmp_path):
    layouts.giantsteps(tmp_path)
    assert isinstance(open_dataset("giantsteps-key", tmp_path), GiantStepsKey)
    assert set(DATASETS) >= {"magnatagatune", "maestro", "musdb18hq", "gtzan", "emomusic", "embedded-corpus"}
    with pytest.raises(DatasetError, match="unknown dataset"):
        open_dataset("imagenet", tmp_path)


def test_unreadable_audio_in_dataset_is_a_clear_error(tmp_path):
    layouts.giantsteps(tmp_path)
    (tmp_path / "audio" / "1000.LOFI.mp3").write_bytes(b"")
    ds = GiantStepsKey(tmp_path)
    from sonido import AudioError

    with pytest.raises(AudioError, match="1000.LOFI.mp3: empty file"):
        ds.load(ds[0])
    assert isinstance(ds.load(ds[1])[0], torch.Tensor)

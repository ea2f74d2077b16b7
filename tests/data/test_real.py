"""The real-music corpus builder on sources the tests make: a folder, and a .deb built
with dpkg-deb holding music, an ambience folder, a short jingle, a zip archive, a
duplicate and a tracker module."""

import json
import shutil
import struct
import subprocess
import zipfile

import numpy as np
import pytest
import soundfile as sf

from sonido.audio import info
from sonido.data.datasets import open_dataset
from sonido.data.real import RealCorpusConfig, Source, build_real_corpus, read_package_list
from sonido.tasks.probing import Probing
from sonido.train.audio_data import collect_audio

CONFIG = RealCorpusConfig(min_seconds=2.0, jobs=1)


def _mod(path):
    """A minimal 4-channel ProTracker module: one square-wave sample played on row 0."""
    header = b"test".ljust(20, b"\0")
    sample_words = 32
    samples = b"square".ljust(22, b"\0") + struct.pack(">HBBHH", sample_words, 0, 64, 0, sample_words)
    samples += (b"\0" * 22 + struct.pack(">HBBHH", 0, 0, 0, 0, 1)) * 30
    orders = bytes([0, 0, 0]) + bytes(125)
    rows = bytearray(64 * 4 * 4)
    rows[0:4] = bytes([0x01, 0xAC, 0x10, 0x00])  # sample 1 (split over two nibbles), period 0x1AC
    data = bytes([100] * 32 + [156] * 32)
    path.write_bytes(header + samples + bytes([3, 127]) + orders + b"M.K." + bytes(rows) + data)
    return path


@pytest.fixture
def deb(tmp_path, tone):
    """A .deb like a game's data package; returns the downloads folder holding it."""
    root = tmp_path / "pkg"
    share = root / "usr/share/games/demo"
    tone(share / "music/theme.ogg", seconds=3.0, freq=330)
    tone(share / "music/jingle.ogg", seconds=0.5)  # too short: not a track
    tone(share / "ambient/wind.ogg", seconds=3.0, freq=200)  # ambience folder: not music
    tone(tmp_path / "inzip.wav", seconds=2.5, freq=550)
    with zipfile.ZipFile(share / "music/pack.pk3", "w") as z:
        z.write(tmp_path / "inzip.wav", "music/inside.wav")
    (share / "music/readme.txt").write_text("not audio")
    (share / "music/broken.ogg").write_bytes(b"OggS not really")
    if shutil.which("openmpt123"):
        _mod(share / "music/song.mod")
    doc = root / "usr/share/doc/demo-data"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text("Files: *\nLicense: GPL-2+\n\nFiles: music/*\nLicense: CC-BY-SA-3.0\n")
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN/control").write_text(
        "Package: demo-data\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: test\n"
    )
    downloads = tmp_path / "out" / "downloads"
    downloads.mkdir(parents=True)
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(downloads / "demo-data_1.0_all.deb")],
                   check=True, capture_output=True)  # fmt: skip
    return downloads


def test_package_source_keeps_music_tracks_only(deb, tmp_path):
    out = tmp_path / "out"
    manifest = json.loads(build_real_corpus(out, [Source("demo-data", licence="GPL-2+")], CONFIG, progress=False).read_text())
    kept = sorted(p["original_path"] for p in manifest["pieces"])
    expected = ["usr/share/games/demo/music/pack.pk3.d/music/inside.wav", "usr/share/games/demo/music/theme.ogg"]
    if shutil.which("openmpt123"):
        expected.insert(1, "usr/share/games/demo/music/song.mod")
    assert kept == expected
    for p in manifest["pieces"]:
        meta = info(out / p["mix"])
        assert meta.samplerate == 22050 and meta.channels == 1 and meta.format == "FLAC"
        assert p["source"] == p["collection"] == p["package"] == "demo-data" and p["licence"] == "GPL-2+"
        assert p["copyright_licences"] == ["CC-BY-SA-3.0", "GPL-2+"]
        assert p["duration"] == pytest.approx(meta.frames / 22050, abs=1e-3)
    assert manifest["sources"]["demo-data"]["tracks"] == len(expected)
    assert not (out / "downloads").exists() and not list(out.glob(".work-*"))  # nothing left behind
    assert not list(tmp_path.rglob("*.mod.wav"))  # modules are rendered in the work folder only


def test_unfetchable_package_is_skipped_and_counted(tmp_path):
    out = tmp_path / "out"
    manifest = json.loads(build_real_corpus(out, [Source("no-such-package-sonido")], CONFIG, progress=False).read_text())
    assert manifest["skipped_sources"] == ["no-such-package-sonido"] and manifest["num_pieces"] == 0
    assert "apt-get download" in manifest["sources"]["no-such-package-sonido"]["skipped"]


def test_folder_sources_split_holdout_duplicates_and_resume(tmp_path, tone):
    a, b = tmp_path / "a", tmp_path / "b"
    for i in range(6):
        tone(a / f"song{i}.wav", seconds=2.5, freq=200 + 50 * i)
    b.mkdir()
    shutil.copy(a / "song0.wav", b / "copy.wav")  # the same bytes in another source
    data, rate = sf.read(str(a / "song1.wav"), dtype="int16")
    sf.write(str(a / "song1-en.flac"), data, rate)  # the same samples in another container
    tone(b / "other.flac", seconds=2.5, freq=900)
    sources = [Source("a", kind="folder", path=str(a)), Source("b", kind="folder", path=str(b), role="holdout")]
    out = tmp_path / "out"
    manifest = json.loads(build_real_corpus(out, sources, CONFIG, progress=False).read_text())
    assert manifest["duplicates_dropped"] == 2  # b's copy of song0 and a's FLAC of song1 are dropped
    assert len(list((out / "tracks").rglob("*.flac"))) == 7
    splits = {p["id"]: p["split"] for p in manifest["pieces"]}
    assert sorted(v for k, v in splits.items() if k.startswith("a/")) == ["test", "train", "train", "train", "train", "valid"]
    assert [v for k, v in splits.items() if k.startswith("b/")] == ["holdout"]
    files = collect_audio(out)  # the training loaders read it like the embedded corpus
    assert len(files.train) == 4 and len(files.valid) == 1
    ds = open_dataset("real-corpus", out)  # and the task loaders through the common interface
    assert len(ds) == 6 and [i.labels["source"] for i in ds.holdout] == ["b"] and ds.classes == ("a",)
    assert [s.name for s in Probing.subtasks(ds)] == ["source"]
    # Resume: a finished source is not redone; the manifest is rebuilt identically.
    stamp = (out / "sources" / "a.json").stat().st_mtime_ns
    again = json.loads(build_real_corpus(out, sources, CONFIG, progress=False).read_text())
    assert again == manifest and (out / "sources" / "a.json").stat().st_mtime_ns == stamp


def test_package_list_and_holdout_override(tmp_path):
    tsv = tmp_path / "list.tsv"
    tsv.write_text("# comment\npackage\tformat\thours\ttracks\tstyle\tlicence\trole\n"
                   "p1\togg\t1\t2\trock\tGPL\ttrain\np2\togg\t1\t2\tpop\tCC0\tholdout\n")  # fmt: skip
    assert [(s.name, s.role, s.licence) for s in read_package_list(tsv)] == [("p1", "train", "GPL"), ("p2", "holdout", "CC0")]
    assert [s.role for s in read_package_list(tsv, holdout=("p1",))] == ["holdout", "train"]
    with pytest.raises(ValueError, match="package"):
        (tmp_path / "bad.tsv").write_text("a\tb\n1\t2\n")
        read_package_list(tmp_path / "bad.tsv")


def test_collect_audio_pools_several_roots(tmp_path, tone):
    for name in ("x", "y"):
        for i in range(3):
            tone(tmp_path / name / f"{i}.wav", seconds=0.2)
    both = collect_audio([tmp_path / "x", tmp_path / "y"])
    assert len(both.train) + len(both.valid) == 6
    assert np.all([f.exists() for f in both.train])

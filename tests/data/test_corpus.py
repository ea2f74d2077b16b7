"""The embedded corpus: determinism, exact stems, MIDI/audio agreement, splits, resume.

A few short pieces are rendered once per module (about 15 s on two cores).
"""

import hashlib
import json
import shutil

import numpy as np
import pretty_midi
import pytest
import soundfile as sf

from sonido.data.corpus import CorpusConfig, assign_splits, build_corpus
from sonido.data.datasets import EmbeddedCorpus

MINI = dict(pieces=4, max_seconds=6.0)


def _hashes(root):
    """sha256 of the manifest and of every file under pieces/."""
    files = sorted(p for p in (root / "pieces").rglob("*") if p.is_file()) + [root / "manifest.json"]
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpus")
    a, b, c = base / "a", base / "b", base / "c"
    build_corpus(a, CorpusConfig.preset("tiny", seed=0, **MINI), jobs=2, progress=False)
    build_corpus(b, CorpusConfig.preset("tiny", seed=0, **MINI), jobs=1, progress=False)
    build_corpus(c, CorpusConfig.preset("tiny", seed=1, **MINI), jobs=2, progress=False)
    return a, b, c


def test_same_seed_same_bytes(corpora):
    a, b, _ = corpora
    ha, hb = _hashes(a), _hashes(b)
    assert ha == hb
    assert len([k for k in ha if k.endswith("mix.wav")]) == MINI["pieces"]


def test_different_seed_different_instruments(corpora):
    a, _, c = corpora
    pa, pc = (json.loads((r / "manifest.json").read_text())["pieces"] for r in (a, c))
    inst_a = [(p["id"], [q["instrument"] for q in p["parts"]]) for p in pa]
    inst_c = [(p["id"], [q["instrument"] for q in p["parts"]]) for p in pc]
    assert inst_a != inst_c


def test_layout_and_manifest(corpora):
    root = corpora[0]
    m = json.loads((root / "manifest.json").read_text())
    assert m["version"] == 1 and m["sample_rate"] == 22050 and m["num_pieces"] == len(m["pieces"]) == 4
    for p in m["pieces"]:
        d = root / "pieces" / p["id"]
        assert (d / "mix.wav").exists() and (d / "midi" / "all.mid").exists() and (d / "piece.json").exists()
        for q in p["parts"]:
            assert sf.info(str(root / q["audio"])).channels == 2
            assert sf.info(str(root / q["dry"])).channels == 1
            assert (root / q["midi"]).exists()
        assert set(p["tags"]) <= set(m["tags"]) and p["tags"]
        assert p["mode"] in ("major", "minor") and p["key"].endswith(p["mode"])
        assert 40 <= p["tempo"] <= 200 and p["split"] in ("train", "valid", "test")
        assert abs(sf.info(str(root / p["mix"])).frames / 22050 - p["duration"]) < 1e-6
    # The MTAT-like tag matrix agrees with the manifest.
    rows = (root / "annotations_final.csv").read_text().splitlines()
    header = rows[0].split("\t")
    assert header[0] == "clip_id" and header[-1] == "mp3_path" and header[1:-1] == m["tags"]
    for row, p in zip(rows[1:], m["pieces"]):
        cells = row.split("\t")
        assert {t for t, v in zip(header[1:-1], cells[1:-1]) if v == "1"} == set(p["tags"])


def test_stems_sum_to_mix_and_follow_recorded_gains(corpora):
    root = corpora[0]
    corpus = EmbeddedCorpus(root)
    for item in corpus:
        mix, _ = corpus.load(item)
        stems = corpus.load_stems(item)
        assert float((mix - sum(stems.values())).abs().max()) <= 1e-4
        piece = json.loads((root / "pieces" / item.id / "piece.json").read_text())
        for q in piece["parts"]:
            dry, _ = sf.read(str(root / q["dry"]), dtype="float32")
            stem = stems[q["stem"]].numpy()
            expect = np.stack([dry * q["gain_left"], dry * q["gain_right"]])
            assert np.abs(stem - expect).max() < 1e-3  # 16-bit rounding of both files


def _onset(x, sr, t):
    """Energy onset near ``t``: where the 5 ms RMS envelope, from t-50 ms, first climbs 5% of
    the way from the level just before (the previous note's tail) to the peak of the next 150 ms."""
    hop = int(0.005 * sr)
    a, b = max(0, int((t - 0.05) * sr)), int((t + 0.15) * sr)
    seg = x[a:b]
    env = np.sqrt(np.mean(seg[: len(seg) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    if not env.size or env.max() == 0:
        return None
    floor = env[: max(1, int(0.02 * sr) // hop)].max() if t >= 0.05 else 0.0
    return (a + hop * int(np.argmax(env > floor + 0.05 * (env.max() - floor)))) / sr


def test_midi_onsets_match_rendered_onsets(corpora):
    root = corpora[0]
    m = json.loads((root / "manifest.json").read_text())
    checked = 0
    for p in m["pieces"]:
        for q in p["parts"]:
            dry, sr = sf.read(str(root / q["dry"]), dtype="float32")
            notes = sorted(pretty_midi.PrettyMIDI(str(root / q["midi"])).instruments[0].notes, key=lambda n: n.start)
            last_end = -1.0
            for n in notes:
                # Notes after a rest of >= 250 ms: the previous note has died away.
                if n.start - last_end >= 0.25:
                    onset = _onset(dry, sr, n.start)
                    assert onset is not None, f"{q['midi']}: silent note at {n.start:.3f}s"
                    assert abs(onset - n.start) <= 0.03, f"{q['midi']}: onset {onset:.3f}s vs MIDI {n.start:.3f}s"
                    checked += 1
                last_end = max(last_end, n.end)
    assert checked >= 4


def test_every_note_sounds(corpora):
    """Each MIDI note has energy in the dry stem (no note outside the soundfont's range)."""
    root = corpora[0]
    for p in json.loads((root / "manifest.json").read_text())["pieces"]:
        for q in p["parts"]:
            dry, sr = sf.read(str(root / q["dry"]), dtype="float32")
            for n in pretty_midi.PrettyMIDI(str(root / q["midi"])).instruments[0].notes:
                seg = dry[int(n.start * sr) : int(n.start * sr) + int(0.1 * sr)]
                assert np.abs(seg).max() > 1e-3, f"{q['midi']}: note {n.pitch} at {n.start:.2f}s is silent"


def test_split_has_no_leakage(corpora):
    m = json.loads((corpora[0] / "manifest.json").read_text())
    by_work = {}
    for p in m["pieces"]:
        by_work.setdefault(p["work"], set()).add(p["split"])
    assert all(len(s) == 1 for s in by_work.values())


def test_assign_splits_groups_and_covers():
    works = [f"w{i}" for i in range(30)] + ["w0", "w0", "w1"]
    splits = assign_splits(works, seed=0, fractions=(0.8, 0.1, 0.1))
    assert set(splits) == set(works)
    counts = {s: sum(v == s for v in splits.values()) for s in ("train", "valid", "test")}
    assert counts == {"train": 24, "valid": 3, "test": 3}
    assert splits == assign_splits(list(reversed(works)), seed=0, fractions=(0.8, 0.1, 0.1))
    assert splits != assign_splits(works, seed=1, fractions=(0.8, 0.1, 0.1))


def test_resume_after_interruption(corpora, tmp_path):
    """A run killed mid-piece (staging folder left, manifest missing) resumes to the same bytes."""
    src = corpora[0]
    dst = tmp_path / "resumed"
    shutil.copytree(src, dst)
    m = json.loads((dst / "manifest.json").read_text())
    victim = m["pieces"][1]["id"]
    (dst / "manifest.json").unlink()
    shutil.move(dst / "pieces" / victim, dst / "pieces" / f".partial-{victim}")
    (dst / "pieces" / f".partial-{victim}" / "piece.json").unlink()
    build_corpus(dst, CorpusConfig.preset("tiny", seed=0, **MINI), jobs=2, progress=False)
    assert _hashes(dst) == _hashes(src)
    assert not any(p.name.startswith(".partial") for p in (dst / "pieces").iterdir())


def test_tinysoundfont_renderer(tmp_path):
    root = tmp_path / "tsf"
    build_corpus(root, CorpusConfig.preset("tiny", renderer="tinysoundfont", pieces=1, max_seconds=3.0), jobs=1, progress=False)
    m = json.loads((root / "manifest.json").read_text())
    assert m["config"]["renderer"] == "tinysoundfont" and m["soundfont"] == "TimGM6mb.sf2"
    corpus = EmbeddedCorpus(root)
    mix, _ = corpus.load(corpus[0])
    assert mix.shape[0] == 2 and mix.abs().max() > 0.1


def test_piano_only_corpus(tmp_path):
    from sonido.data.corpus import CorpusConfig, build_corpus

    root = tmp_path / "piano"
    build_corpus(root, CorpusConfig(pieces=2, max_seconds=3.0, instrument="piano", drum_share=1.0), jobs=1, progress=False)
    manifest = json.loads((root / "manifest.json").read_text())
    parts = [q for p in manifest["pieces"] for q in p["parts"]]
    assert parts and {q["instrument"] for q in parts} == {"piano"} and not any(p["has_drums"] for p in manifest["pieces"])
    with pytest.raises(ValueError, match="no instrument"):
        CorpusConfig(instrument="kazoo")

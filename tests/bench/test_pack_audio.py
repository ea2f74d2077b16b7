import json

import soundfile as sf

from bench.device.pack_audio import SAMPLE_RATE, pack


def test_pack_keeps_train_and_valid_excerpts_only_and_resumes(tmp_path, tone):
    root = tmp_path / "corpus"
    pieces = [("a/mix.wav", "train"), ("b/mix.wav", "train"), ("c/mix.wav", "valid"), ("d/mix.wav", "test"),
              ("e/mix.wav", "holdout"), ("f/mix.wav", "train")]  # fmt: skip
    for mix, _ in pieces[:-1]:
        tone(root / mix, seconds=3.0, rate=44100, channels=2)
    (root / "f").mkdir()
    (root / "f/mix.wav").write_bytes(b"not audio")  # skipped with its reason, never a crash
    (root / "manifest.json").write_text(json.dumps({"pieces": [{"mix": m, "split": s} for m, s in pieces]}))

    manifest = pack(tmp_path / "pack", [root], seconds=1.0, progress=False)
    assert [p["split"] for p in manifest["pieces"]] == ["train", "train", "valid"]  # test, holdout never travel
    assert len(manifest["skipped"]) == 1
    names = [p["mix"] for p in manifest["pieces"]]
    assert len(set(names)) == 3  # same file name in different folders: distinct pack files
    audio, rate = sf.read(tmp_path / "pack" / names[0])
    assert rate == SAMPLE_RATE and audio.ndim == 1 and abs(len(audio) - SAMPLE_RATE) < 64
    stamp = (tmp_path / "pack" / names[0]).stat().st_mtime_ns
    pack(tmp_path / "pack", [root], seconds=1.0, progress=False)  # finished files are kept
    assert (tmp_path / "pack" / names[0]).stat().st_mtime_ns == stamp
    assert json.loads((tmp_path / "pack" / "manifest.json").read_text())["pieces"] == manifest["pieces"]

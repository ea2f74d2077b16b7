import json

from safetensors.torch import load_file

from sonido.cli import main


def test_extract_cli_writes_skips_and_reports(tmp_path, tone, capsys):
    src = tmp_path / "in"
    tone(src / "a.wav", seconds=0.5)
    tone(src / "sub" / "b.flac", seconds=0.3, rate=44100, channels=2)
    (src / "broken.wav").write_bytes(b"")
    out = tmp_path / "out"
    assert main(["extract", str(src), "-m", "tiny-random", "-o", str(out)]) == 0
    assert "written 2, already done 0, unreadable 1" in capsys.readouterr().out
    feats = load_file(str(out / "sub" / "b.safetensors"))
    meta = json.loads((out / "sub" / "b.json").read_text())
    assert feats["top"].shape == (256,) and feats["mid"].shape == (192,)
    assert meta["model"] == "tiny-random" and meta["levels"]["top"]["layers"] == [3]
    assert not (out / "broken.json").exists()
    assert main(["extract", str(src), "-m", "tiny-random", "-o", str(out)]) == 0
    assert "written 0, already done 2, unreadable 1" in capsys.readouterr().out


def test_extract_frames_and_layers(tmp_path, tone):
    wav = tone(tmp_path / "a.wav", seconds=1.0)
    out = tmp_path / "out"
    assert main(["extract", str(wav), "-m", "tiny-random", "-o", str(out), "--pool", "none", "--layers", "1,2",
                 "--levels", "top"]) == 0  # fmt: skip
    feats = load_file(str(out / "a.safetensors"))
    assert set(feats) == {"top"} and feats["top"].shape == (173, 256)
    assert json.loads((out / "a.json").read_text())["levels"]["top"]["layers"] == [1, 2]


def test_extract_files_selects_inputs_and_uses_workers(tmp_path, tone):
    from sonido.features.batch import extract_files, list_inputs
    from sonido.model import load_model

    src = tmp_path / "in"
    tone(src / "p1" / "mix.wav", seconds=1.0)
    tone(src / "p1" / "stem.wav", seconds=1.0)
    tone(src / "p2" / "mix.wav", seconds=0.4)
    assert [r.as_posix() for _, r in list_inputs(src, "*/mix.wav")] == ["p1/mix.wav", "p2/mix.wav"]
    assert [r.as_posix() for _, r in list_inputs(src, only={"p2/mix.wav"})] == ["p2/mix.wav"]
    out = tmp_path / "out"
    summary = extract_files(load_model("tiny-random"), src, out, levels=("top",), pool="none", progress=False,
                            pattern="*/mix.wav", max_seconds=0.5, workers=1)  # fmt: skip
    assert summary.written == 2 and not (out / "p1" / "stem.json").exists()
    meta = json.loads((out / "p1" / "mix.json").read_text())
    assert meta["max_seconds"] == 0.5 and meta["pool"] == "none"
    assert load_file(str(out / "p1" / "mix.safetensors"))["top"].shape[0] == 87  # ceil(0.5 s * 22050 / 128)

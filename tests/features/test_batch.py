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

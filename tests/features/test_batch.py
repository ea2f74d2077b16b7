import json
import signal
import subprocess
import sys
import time

import numpy as np
import soundfile as sf
from safetensors.torch import load_file

import sonido
from sonido.cli import main


def test_extract_cli_writes_skips_and_reports(tmp_path, tone, capsys):
    src = tmp_path / "in"
    tone(src / "a.wav", seconds=0.5)
    tone(src / "sub" / "b.flac", seconds=0.3, rate=44100, channels=2)
    (src / "broken.wav").write_bytes(b"")
    out = tmp_path / "out"
    assert main(["extract", str(src), "-m", "tiny-random", "-o", str(out), "--quiet"]) == 1  # one input failed
    assert "written 2, already done 0, unreadable 1" in capsys.readouterr().out
    feats = load_file(str(out / "sub" / "b.safetensors"))
    meta = json.loads((out / "sub" / "b.json").read_text())
    assert feats["top"].shape == (256,) and feats["mid"].shape == (192,)
    assert meta["settings"]["model"] == "tiny-random" and meta["levels"]["top"]["layers"] == [3]
    assert not (out / "broken.json").exists()
    assert main(["extract", str(src), "-m", "tiny-random", "-o", str(out), "--quiet"]) == 1
    assert "written 0, already done 2, unreadable 1" in capsys.readouterr().out
    (src / "broken.wav").unlink()
    assert main(["extract", str(src), "-m", "tiny-random", "-o", str(out), "--quiet"]) == 0


def test_extract_refuses_stale_features_unless_overwrite(tmp_path, tone, capsys):
    wav = tone(tmp_path / "a.wav", seconds=0.5)
    out = tmp_path / "out"
    assert main(["extract", str(wav), "-m", "tiny-random", "-o", str(out), "--quiet"]) == 0
    for other in (["--pool", "none"], ["--max-seconds", "0.2"], ["--layers", "1"]):
        capsys.readouterr()
        assert main(["extract", str(wav), "-m", "tiny-random", "-o", str(out), "--quiet", *other]) == 2
        err = capsys.readouterr().err
        assert "other settings" in err and "--overwrite" in err
    assert load_file(str(out / "a.safetensors"))["top"].shape == (256,)  # the old features are untouched
    assert main(["extract", str(wav), "-m", "tiny-random", "-o", str(out), "--quiet", "--pool", "none", "--overwrite"]) == 0
    assert load_file(str(out / "a.safetensors"))["top"].shape == (87, 256)


def test_extract_frames_and_layers(tmp_path, tone):
    wav = tone(tmp_path / "a.wav", seconds=1.0)
    out = tmp_path / "out"
    assert main(["extract", str(wav), "-m", "tiny-random", "-o", str(out), "--pool", "none", "--layers", "1,2",
                 "--levels", "top", "--quiet"]) == 0  # fmt: skip
    feats = load_file(str(out / "a.safetensors"))
    assert set(feats) == {"top"} and feats["top"].shape == (173, 256)
    meta = json.loads((out / "a.json").read_text())
    assert meta["levels"]["top"]["layers"] == [1, 2] and meta["settings"]["layers"] == {"top": [1, 2]}


def test_extract_all_layers_stacks_and_keeps_older_caches_valid(tmp_path, tone):
    wav = tone(tmp_path / "a.wav", seconds=1.0)
    out, stacked = tmp_path / "out", tmp_path / "stacked"
    assert main(["extract", str(wav), "-m", "tiny-random", "-o", str(stacked), "--pool", "none", "--layers", "all",
                 "--quiet"]) == 0  # fmt: skip
    feats = load_file(str(stacked / "a.safetensors"))
    assert feats["top"].shape == (173, 6, 256) and feats["mid"].shape == (692, 6, 192)
    meta = json.loads((stacked / "a.json").read_text())
    assert meta["settings"]["stack_layers"] is True and meta["levels"]["top"]["shape"] == [173, 6, 256]
    assert main(["extract", str(wav), "-m", "tiny-random", "-o", str(stacked), "--pool", "none", "--quiet"]) == 2  # stale
    # a sidecar written before stack_layers existed still matches the same (averaged) settings
    assert main(["extract", str(wav), "-m", "tiny-random", "-o", str(out), "--pool", "mean", "--quiet"]) == 0
    sidecar = json.loads((out / "a.json").read_text())
    assert "stack_layers" not in sidecar["settings"]
    from sonido.features.batch import extract_files
    from sonido.model import load_model

    summary = extract_files(load_model("tiny-random"), wav, out, pool="mean", progress=False)
    assert summary.skipped_done == 1 and summary.written == 0


def test_extract_files_selects_inputs(tmp_path, tone):
    from sonido.features.batch import extract_files, list_inputs

    src = tmp_path / "in"
    tone(src / "p1" / "mix.wav", seconds=1.0)
    tone(src / "p1" / "stem.wav", seconds=1.0)
    tone(src / "p2" / "mix.wav", seconds=0.4)
    assert [r.as_posix() for _, r in list_inputs(src, "*/mix.wav")] == ["p1/mix.wav", "p2/mix.wav"]
    assert [r.as_posix() for _, r in list_inputs(src, only={"p2/mix.wav"})] == ["p2/mix.wav"]
    out = tmp_path / "out"
    summary = extract_files(sonido.load_model("tiny-random"), src, out, levels=("top",), pool="none", progress=False,
                            pattern="*/mix.wav", max_seconds=0.5)  # fmt: skip
    assert summary.written == 2 and not (out / "p1" / "stem.json").exists()
    meta = json.loads((out / "p1" / "mix.json").read_text())
    assert meta["settings"]["max_seconds"] == 0.5 and meta["settings"]["pool"] == "none"
    assert load_file(str(out / "p1" / "mix.safetensors"))["top"].shape[0] == 87  # ceil(0.5 s * 22050 / 128)


def _music(path, seconds, rate, channels=1):
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * rate)) / rate
    x = np.stack([0.2 * np.sin(2 * np.pi * (220 + 110 * c) * t) * (1 + np.sin(t)) + 0.02 * rng.standard_normal(t.size)
                  for c in range(channels)], axis=1)  # fmt: skip
    sf.write(str(path), x.astype(np.float32), rate, subtype="FLOAT" if path.suffix == ".wav" else None)
    return path


def test_sigterm_stops_within_seconds_leaves_nothing_partial_and_resumes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _music(src / "a.wav", 2.0, 22050)
    _music(src / "b.wav", 60.0, 22050)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sonido", "--threads", "1", "extract", str(src), "-m", "tiny-random", "-o", str(out),
           "--pool", "none", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (out / "a.json").exists() and time.time() < deadline:  # a is done, b is under way
        time.sleep(0.2)
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    sent = time.time()
    _, err = proc.communicate(timeout=60)
    assert time.time() - sent < 10, "SIGTERM took too long"
    assert proc.returncode == 130 and "SIGTERM" in err
    left = sorted(p.name for p in out.iterdir())
    assert left == ["a.json", "a.safetensors"], left  # b left no partial file, no temp file
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "written 1, already done 1" in again.stdout
    assert load_file(str(out / "b.safetensors"))["top"].shape[0] == -(-60 * 22050 // 128)

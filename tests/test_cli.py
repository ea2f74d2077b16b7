import json
import subprocess
import sys

import pytest

from sonido.cli import main


def test_corpus_build_cli(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["corpus", "build", str(out), "--pieces", "1", "--max-seconds", "3", "--quiet"]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["num_pieces"] == 1 and m["config"]["max_seconds"] == 3.0
    assert "manifest.json" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["corpus", "build", str(tmp_path / "c"), "--renderer", "fluidsynth", "--sample-rate", "0", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sonido: error:") and "Traceback" not in err


def test_python_dash_m(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sonido", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "corpus" in proc.stdout


def test_import_is_light():
    code = "import sys, sonido; heavy = {'lightning', 'librosa', 'matplotlib', 'music21', 'pretty_midi'} & set(sys.modules); print(sorted(heavy))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]"


def test_encode_decode_cli(tmp_path, tone):
    import soundfile as sf

    wav = tone(tmp_path / "in.wav", seconds=1.5, rate=44100, channels=2)
    tokens = tmp_path / "t.npz"
    assert main(["encode", str(wav), "-m", "tiny-random", "-o", str(tokens), "--window", "64", "--overlap", "16"]) == 0
    for levels in ("top,mid,bottom", "top"):
        out = tmp_path / f"{levels}.wav"
        assert main(["decode", str(tokens), "-m", "tiny-random", "-o", str(out), "--levels", levels]) == 0
        info = sf.info(str(out))
        assert info.samplerate == 22050 and info.channels == 1
        assert abs(info.frames - 1.5 * 22050) <= 128


def test_encode_cli_bad_audio_is_one_line(tmp_path, capsys):
    (tmp_path / "bad.wav").write_bytes(b"")
    assert main(["encode", str(tmp_path / "bad.wav"), "-m", "tiny-random", "-o", str(tmp_path / "t.npz")]) == 1  # the input failed
    err = capsys.readouterr().err
    assert "bad.wav: empty file" in err and not (tmp_path / "t.npz").exists()


def test_sample_cli_with_prompt(tmp_path, tone):
    import soundfile as sf

    prompt = tone(tmp_path / "p.wav", seconds=0.05)
    out = tmp_path / "s.wav"
    assert main(["sample", "-m", "tiny-random", "--seconds", "0.15", "--prompt", str(prompt), "--top-k", "5",
                 "--seed", "0", "-o", str(out)]) == 0  # fmt: skip
    assert abs(sf.info(str(out)).frames / 22050 - 0.15) < 0.01


def test_help_states_every_option_and_default_in_plain_text(capsys):
    import argparse

    from sonido.cli import build_parser

    def walk(parser, name):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    yield from walk(sub, f"{name} {sub_name}")
            elif action.dest != "help":
                yield name, action

    parser = build_parser()
    missing = [f"{name} {a.option_strings or a.dest}" for name, a in walk(parser, "sonido") if not a.help]
    assert not missing, missing
    assert "``" not in parser.format_help() and "exit status" in parser.format_help()
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 1.0)" in text and "(default: 0)" in text and "22050 Hz" in text


def test_training_set_overrides_are_checked_before_any_work(tmp_path, capsys):
    for bad in ("batch_size=4", "optim.lr=0.1", "train.lr"):
        assert main(["codec", "train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--set", bad]) == 2
        assert "--set takes model.KEY=VALUE or train.KEY=VALUE" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()

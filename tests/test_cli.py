import json
import subprocess
import sys

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

import numpy as np
import pytest
import soundfile as sf

from sonido.cli import main
from sonido.tasks import get_task
from sonido.tasks.base import RunConfig
from sonido.tasks.separation.predict import load_separator, separate_file


@pytest.fixture(scope="module")
def trained(separation_set, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    task = get_task("separation", max_epochs=1, steps_per_epoch=2, batch_size=2, chunk_seconds=1.0, wiener_iterations=0)
    task.run(RunConfig(data=str(separation_set), dataset="separation-set", clip_seconds=2.0, out=str(out)))
    return out / "model"


def test_stream_writes_every_target_at_the_file_length_from_any_rate_and_channels(trained, tmp_path):
    sep = load_separator(trained)
    x = (np.random.default_rng(0).standard_normal((int(44100 * 3.3), 1)) * 0.1).astype(np.float32)
    sf.write(str(tmp_path / "in.wav"), x, 44100)  # mono, twice the separator's rate
    paths = separate_file(sep, tmp_path / "in.wav", tmp_path / "out", window_seconds=1.0, overlap_seconds=0.25)
    assert sorted(paths) == ["bass", "drums", "lead", "other"]
    for p in paths.values():
        info = sf.info(str(p))
        assert (info.samplerate, info.channels, info.frames) == (22050, 2, round(3.3 * 22050))
    assert not list((tmp_path / "out").glob(".*"))  # no temp files left


def test_windows_match_one_pass_away_from_the_seams(trained, separation_set, tmp_path):
    """Open-Unmix without Wiener EM is frame-local up to its LSTM: windowed and one-pass outputs agree in
    level and differ only near the seams, and a file shorter than a window comes out whole."""
    sep = load_separator(trained)
    wav = next((separation_set / "test").iterdir()) / "mixture.wav"
    whole = separate_file(sep, wav, tmp_path / "whole", window_seconds=10.0)
    short = separate_file(sep, wav, tmp_path / "short", window_seconds=1.0, overlap_seconds=0.5)
    for t in sep.targets:
        a, b = sf.read(str(whole[t]))[0], sf.read(str(short[t]))[0]
        assert a.shape == b.shape == (44100, 2)
        assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.5 or np.abs(a).max() < 1e-4


def test_separate_cli_file_and_folder(trained, separation_set, tmp_path, capsys):
    wav = next((separation_set / "test").iterdir()) / "mixture.wav"
    assert main(["separate", str(wav), "-m", str(trained), "-o", str(tmp_path / "one"), "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["bass.wav", "drums.wav", "lead.wav", "other.wav"]
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.wav").write_bytes(wav.read_bytes())
    (src / "bad.mp3").write_text("not audio")
    assert main(["separate", str(src), "-m", str(trained), "-o", str(tmp_path / "out"), "--quiet"]) == 1
    assert "written 1, already done 0, unreadable 1" in capsys.readouterr().out
    assert (tmp_path / "out" / "sub" / "a" / "lead.wav").exists()
    assert main(["separate", str(src), "-m", str(trained), "-o", str(tmp_path / "out"), "--quiet"]) == 1
    assert "written 0, already done 1, unreadable 1" in capsys.readouterr().out


def test_more_than_two_channels_is_a_clear_error(trained, tmp_path):
    from sonido.audio import AudioError

    sf.write(str(tmp_path / "x.wav"), np.zeros((1000, 4), np.float32), 22050)
    with pytest.raises(AudioError, match="4 channels"):
        separate_file(load_separator(trained), tmp_path / "x.wav", tmp_path / "o")
    assert not (tmp_path / "o" / "bass.wav").exists()


def test_shipped_separator_puts_each_instrument_in_its_target(tmp_path, rendered_part):
    """A generated two-instrument file — a bass line (fingered bass) under a flute melody, each
    rendered alone with the corpus' soundfont renderer and summed — separated by the shipped
    ``separator-tiny``: each instrument's largest share (least-squares gain of the reference
    in a target's output) is in its own target."""
    refs = {"bass": rendered_part(33, [36, 38, 40, 41, 43, 41, 40, 38]),
            "lead": rendered_part(73, [72, 74, 76, 77, 79, 77, 76, 74])}  # fmt: skip
    sf.write(str(tmp_path / "mix.wav"), np.stack([refs["bass"] + refs["lead"]] * 2, 1), 22050)
    assert main(["separate", str(tmp_path / "mix.wav"), "-m", "separator-tiny", "-o", str(tmp_path / "out"), "--quiet"]) == 0
    outs = {t: sf.read(str(tmp_path / "out" / f"{t}.wav"))[0].mean(1) for t in ("bass", "drums", "lead", "other")}
    for name, ref in refs.items():
        shares = {t: float(y @ ref / (ref @ ref)) for t, y in outs.items()}
        assert max(shares, key=shares.get) == name, (name, shares)

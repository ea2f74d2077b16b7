import numpy as np
import pytest

from sonido.cli import main
from sonido.tasks import get_task
from sonido.tasks.base import RunConfig
from sonido.tasks.transcription.notes import read_notes
from sonido.tasks.transcription.predict import load_transcriber, transcribe_file

FAST = dict(max_epochs=5, samples_per_epoch=64, batch_size=8, chunk_frames=64, patience=5, thresholds=(0.3, 0.5, 0.7),
            pitches="piano", lr=1e-2)  # fmt: skip


@pytest.fixture(scope="module")
def trained(note_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    get_task("transcription", arch="probe", probe="linear", **FAST).run(RunConfig(data=str(note_corpus), clip_seconds=2.0,
                                                                                  out=str(out)))  # fmt: skip
    return out / "model"


def test_windows_equal_one_pass_for_a_frame_wise_model(trained, note_corpus):
    t = load_transcriber(trained)
    wav = note_corpus / "pieces" / "p13" / "mix.wav"
    whole = transcribe_file(t, wav, window_seconds=60, margin_seconds=1.0)
    windowed = transcribe_file(t, wav, window_seconds=0.5, margin_seconds=0.5)  # margins cover the STFT window
    assert len(whole) > 0
    np.testing.assert_allclose(windowed, whole)


def test_transcribe_cli_file_and_folder(trained, note_corpus, tmp_path, capsys):
    wav = note_corpus / "pieces" / "p14" / "mix.wav"
    assert main(["transcribe", str(wav), "-m", str(trained), "-o", str(tmp_path / "one.mid"), "--quiet"]) == 0
    assert read_notes(tmp_path / "one.mid").shape[1] == 3
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.wav").write_bytes(wav.read_bytes())
    (src / "bad.wav").write_text("not audio")
    assert main(["transcribe", str(src), "-m", str(trained), "-o", str(tmp_path / "out"), "--quiet"]) == 1
    assert "written 1, already done 0, unreadable 1" in capsys.readouterr().out
    assert (tmp_path / "out" / "a.mid").exists()
    assert main(["transcribe", str(src), "-m", str(trained), "-o", str(tmp_path / "out"), "--quiet"]) == 1
    assert "written 0, already done 1, unreadable 1" in capsys.readouterr().out


def test_shipped_transcriber_finds_both_notes_of_a_rendered_two_note_file(tmp_path):
    """A generated file: two piano notes (C4, then G4) rendered with the corpus' soundfont renderer."""
    import pretty_midi
    import soundfile as sf

    from sonido.data.render import get_renderer

    pm = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=0)
    piano.notes += [pretty_midi.Note(velocity=90, pitch=60, start=0.3, end=1.3),
                    pretty_midi.Note(velocity=90, pitch=67, start=1.6, end=2.6)]  # fmt: skip
    pm.instruments.append(piano)
    pm.write(str(tmp_path / "two.mid"))
    audio = get_renderer("auto").render((tmp_path / "two.mid").read_bytes(), 22050, int(3.2 * 22050))
    sf.write(str(tmp_path / "two.wav"), audio, 22050)
    assert main(["transcribe", str(tmp_path / "two.wav"), "-m", "piano-transcriber-tiny", "-o", str(tmp_path / "out.mid"),
                 "--quiet"]) == 0  # fmt: skip
    notes = read_notes(tmp_path / "out.mid")
    found = {int(p) for _, _, p in notes}
    assert {60, 67} <= found, notes
    onsets = {int(p): a for a, _, p in sorted(notes, key=lambda n: n[0], reverse=True)}  # each pitch's first onset
    assert abs(onsets[60] - 0.3) < 0.1 and abs(onsets[67] - 1.6) < 0.1


def test_a_transcriber_trained_on_all_layers_extracts_them_at_inference(note_corpus, tmp_path):
    out = tmp_path / "run"
    fast = {**FAST, "max_epochs": 1}
    cfg = RunConfig(data=str(note_corpus), clip_seconds=2.0, out=str(out), features=str(tmp_path / "features"),
                    model="tiny-random", variant="boosted", layers="all")  # fmt: skip
    (row,) = get_task("transcription", arch="probe", probe="linear", **fast).run_and_save(cfg)
    assert row.inputs == "all layers"
    t = load_transcriber(out / "model")
    assert t.model.inputs.injector.layer_weights()["top"]  # the stacks' mix came back with the checkpoint
    notes = transcribe_file(t, note_corpus / "pieces" / "p13" / "mix.wav")
    assert notes.ndim == 2 and notes.shape[1] == 3

import pytest
import torch

from sonido.tasks import get_task
from sonido.tasks.base import RunConfig
from sonido.tasks.transcription.models import CRNNTranscriber, ProbeTranscriber

FAST = dict(max_epochs=5, samples_per_epoch=64, batch_size=8, chunk_frames=64, patience=5, thresholds=(0.3, 0.5, 0.7),
            pitches="piano")


@pytest.mark.parametrize("frames", [1, 37, 64])
def test_models_shapes_for_odd_lengths(frames):
    mel = torch.randn(2, 128, frames)
    feats = {"top": torch.randn(2, frames, 16), "mid": torch.randn(2, frames, 12)}
    for model in (ProbeTranscriber(128, 88, {"top": 16, "mid": 12}), ProbeTranscriber(128, 88, kind="bigru"),
                  CRNNTranscriber(128, 128, {"top": 16, "mid": 12}), CRNNTranscriber(128, 88, {"top": 16}, use_mel=False)):
        assert model(mel, feats).shape[1:] == (3, frames, model(mel, feats).shape[-1])  # fmt: skip
    with pytest.raises(ValueError, match="spectrogram, features"):
        ProbeTranscriber(128, 88, None, use_mel=False)


def test_baseline_learns_sine_notes(note_corpus, tmp_path):
    task = get_task("transcription", arch="probe", probe="bigru", lr=1e-2, **FAST)
    (row,) = task.run(RunConfig(data=str(note_corpus), clip_seconds=2.0, out=str(tmp_path / "run")))
    assert row.arch == "probe-bigru" and row.variant == "baseline"
    assert row.metrics["onset_threshold"] in (0.3, 0.5, 0.7)
    assert row.metrics["frame_f1"] > 0.1 and row.metrics["note_f1"] > 0.05  # an untrained model scores 0 here


def test_boosted_crnn_runs_with_cached_features(note_corpus, tmp_path):
    task = get_task("transcription", arch="crnn", **{**FAST, "max_epochs": 2})
    cfg = RunConfig(data=str(note_corpus), clip_seconds=2.0, out=str(tmp_path / "run"), features=str(tmp_path / "f"),
                    model="tiny-random", variant="boosted", fraction=0.5)  # fmt: skip
    (row,) = task.run(cfg)
    assert row.arch == "crnn" and row.metrics["train_items"] == 5
    assert set(row.metrics) >= {"note_f1", "note_offset_f1", "frame_f1", "valid_note_f1"}


def test_basic_pitch_peer_row_on_the_same_test_clips(note_corpus, tmp_path):
    task = get_task("transcription", **FAST)
    rows = [task.run(RunConfig(data=str(note_corpus), clip_seconds=2.0, variant="peer", fraction=f, seed=s,
                               out=str(tmp_path / "p"))) for f, s in ((1.0, 0), (0.5, 1))]  # fmt: skip
    (a,), (b,) = rows
    assert a.arch == "basic-pitch" and a.variant == "peer" and a.metrics == b.metrics  # computed once
    assert a.metrics["note_f1"] > 0.5  # sine notes are easy for a real transcriber
    with pytest.raises(ValueError, match="no 'peer' variant"):
        get_task("probe").run_and_save(RunConfig(data=str(note_corpus), variant="peer", out=str(tmp_path / "x")))

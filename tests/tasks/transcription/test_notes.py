import numpy as np
import pytest

from sonido.tasks.metrics import transcription_metrics
from sonido.tasks.transcription.notes import PitchRange, decode_notes, notes_to_rolls, read_notes, write_midi

RATE = 22050 / 256


def test_rolls_decode_back_to_the_notes_and_midi_round_trips(tmp_path):
    notes = np.array([[0.1, 0.5, 60], [0.3, 0.9, 64], [1.0, 1.5, 67], [1.2, 1.3, 10]])
    piano = PitchRange.named("piano")
    rolls = notes_to_rolls(notes, 200, RATE, piano)
    assert rolls.shape == (3, 200, 88) and rolls[0].sum() == 3  # pitch 10 is outside the piano
    decoded = decode_notes(rolls[0], rolls[1], RATE, piano)
    np.testing.assert_allclose(decoded, notes[:3], atol=1 / RATE)
    write_midi(decoded, tmp_path / "x.mid")
    np.testing.assert_allclose(read_notes(tmp_path / "x.mid"), decoded, atol=2e-3)
    with pytest.raises(ValueError, match="pitch range"):
        PitchRange.named("organ")


def test_repeated_notes_split_at_each_onset():
    notes = np.array([[0.0, 0.5, 60], [0.5, 1.0, 60]])
    rolls = notes_to_rolls(notes, 100, RATE, PitchRange.named("all"))
    assert len(decode_notes(rolls[0], rolls[1], RATE, PitchRange.named("all"))) == 2


def test_metrics_perfect_and_empty():
    notes = np.array([[0.1, 0.5, 60], [0.3, 0.9, 64]])
    pr = PitchRange.named("all")
    roll = notes_to_rolls(notes, 100, RATE, pr)[1]
    perfect = transcription_metrics(notes, notes, roll, roll, RATE, pr.low)
    assert perfect["note_f1"] == perfect["note_offset_f1"] == perfect["frame_f1"] == 1.0
    empty = transcription_metrics(notes, np.zeros((0, 3)), roll, np.zeros_like(roll), RATE, pr.low)
    assert empty["note_f1"] == empty["frame_f1"] == 0.0
    late = notes + [0.1, 0.1, 0]  # onsets 100 ms late: outside mir_eval's 50 ms window
    assert transcription_metrics(notes, late, roll, roll, RATE, pr.low)["note_f1"] == 0.0


def test_decoding_in_blocks_equals_decoding_at_once():
    from sonido.tasks.transcription.notes import NoteDecoder

    rng = np.random.default_rng(0)
    onset, frame = rng.random((300, 88)) ** 4, rng.random((300, 88))
    piano = PitchRange.named("piano")
    whole = decode_notes(onset, frame, RATE, piano, 0.5, 0.6)
    decoder = NoteDecoder(RATE, piano, 0.5, 0.6)
    notes = []
    for a in range(0, 300, 37):
        notes += decoder.push(onset[a : a + 37], frame[a : a + 37])
    notes += decoder.finish()
    np.testing.assert_allclose(np.array(sorted(notes)), whole)
    assert len(whole) > 50

import numpy as np
import pytest

from sonido.data.drums import KICK, SNARE, drum_pattern
from sonido.data.palette import PALETTE, TAGS, choose_instrument, fit_to_range


@pytest.mark.parametrize("inst", PALETTE, ids=lambda i: i.name)
def test_fit_to_range_puts_every_note_in_range(inst):
    rng = np.random.default_rng(0)
    for center in (30, 50, 70, 90):
        pitches = center + rng.integers(-14, 15, size=50)
        out = fit_to_range(pitches, inst)
        assert out.min() >= inst.low and out.max() <= inst.high
        assert np.all((out - pitches) % 12 == 0)  # octaves only: pitch classes kept


def test_fit_to_range_leaves_fitting_parts_alone():
    violin = next(i for i in PALETTE if i.name == "violin")
    pitches = np.array([67, 72, 76, 79])
    assert np.array_equal(fit_to_range(pitches, violin), pitches)


def test_choose_instrument_fits_median_and_is_seeded():
    a = [choose_instrument(np.random.default_rng(1), 45.0, lowest=True).name for _ in range(3)]
    assert len(set(a)) == 1
    for seed in range(20):
        inst = choose_instrument(np.random.default_rng(seed), 80.0, lowest=False)
        assert inst.low <= 80 <= inst.high


def test_tag_vocabulary_is_sorted_and_complete():
    assert list(TAGS) == sorted(TAGS) and "drums" in TAGS
    assert all(i.name in TAGS and i.family in TAGS for i in PALETTE)


@pytest.mark.parametrize("ts,beats_per_bar", [((4, 4), 4), ((3, 4), 3), ((6, 8), 2), ((2, 2), 2)])
def test_drum_pattern_follows_meter_and_tempo(ts, beats_per_bar):
    tempo, end = 120.0, 8.0
    notes = drum_pattern(ts, tempo, end, np.random.default_rng(0))
    beat = 60 / tempo * 4 / ts[1] * (3 if ts == (6, 8) else 1)
    kicks = notes[notes[:, 2] == KICK, 0]
    bar = beat * beats_per_bar
    # A kick on every downbeat, and nothing after the end.
    assert np.allclose(np.sort(kicks[np.isclose(kicks % bar, 0) | np.isclose(kicks % bar, bar)])[:3], [0, bar, 2 * bar])
    assert notes[:, 0].max() < end and notes[:, 1].max() <= end + 0.2
    assert (notes[:, 2] == SNARE).any() and ((notes[:, 3] >= 30) & (notes[:, 3] <= 127)).all()

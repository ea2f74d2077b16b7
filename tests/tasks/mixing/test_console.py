import numpy as np
import pytest

from sonido.tasks.mixing.console import StemSettings, channel_strip, draw_settings, mix

RATE = 22050
FLAT = dict(gain_db=0.0, pan=0.0, low_shelf_hz=100.0, low_shelf_db=0.0, peak_hz=1000.0, peak_db=0.0, peak_q=1.0,
            high_shelf_hz=8000.0, high_shelf_db=0.0, threshold_db=0.0, ratio=1.0, attack_ms=5.0, release_ms=100.0,
            reverb_send_db=None)  # fmt: skip


def tone(seconds=2.0, amp=0.1, freq=440.0):
    t = np.arange(int(seconds * RATE)) / RATE
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def lufs(x):
    import pyloudnorm

    return pyloudnorm.Meter(RATE).integrated_loudness(np.asarray(x, np.float64).T)


def test_settings_are_deterministic_per_seed_and_bass_stays_central():
    a = draw_settings(np.random.default_rng(3), ["strings", "bass", "drums"])
    b = draw_settings(np.random.default_rng(3), ["strings", "bass", "drums"])
    assert a == b and a != draw_settings(np.random.default_rng(4), ["strings", "bass", "drums"])
    many = draw_settings(np.random.default_rng(0), ["bass"] * 50 + ["piano"] * 50)
    assert max(abs(s.pan) for s in many[:50]) <= 0.2 < max(abs(s.pan) for s in many[50:])
    x = [tone(), tone(freq=110)]
    settings = draw_settings(np.random.default_rng(1), ["piano", "bass"])
    np.testing.assert_array_equal(mix(x, settings, RATE), mix(x, settings, RATE))


def test_six_db_of_gain_raises_loudness_by_six():
    x = tone()
    louder = channel_strip(x, StemSettings(**{**FLAT, "gain_db": 6.0}), RATE)
    assert lufs(louder) - lufs(channel_strip(x, StemSettings(**FLAT), RATE)) == pytest.approx(6.0, abs=0.05)


def test_hard_left_pan_silences_the_right_channel():
    out = mix([tone()], [StemSettings(**{**FLAT, "pan": -1.0})], RATE)
    assert np.abs(out[1]).max() < 1e-6 < np.abs(out[0]).max()


def test_compressor_lowers_the_crest_factor():
    t = np.arange(2 * RATE) / RATE
    bursts = (0.9 * np.sin(2 * np.pi * 220 * t) * np.where((t % 0.5) < 0.05, 1.0, 0.1)).astype(np.float32)

    def crest(x):
        return np.abs(x).max() / np.sqrt(np.mean(x**2))

    squeezed = channel_strip(bursts, StemSettings(**{**FLAT, "threshold_db": -30.0, "ratio": 8.0, "attack_ms": 1.0}), RATE)
    assert crest(squeezed) < 0.9 * crest(channel_strip(bursts, StemSettings(**FLAT), RATE))


def test_eq_boost_raises_its_band():
    x = tone(freq=1000.0)
    boosted = channel_strip(x, StemSettings(**{**FLAT, "peak_hz": 1000.0, "peak_db": 6.0}), RATE)
    assert np.sqrt(np.mean(boosted[RATE:] ** 2)) / np.sqrt(np.mean(x[RATE:] ** 2)) == pytest.approx(2.0, rel=0.05)


def test_reverb_send_adds_a_tail_and_stems_of_any_length_are_padded():
    short, long = tone(0.5), tone(1.5)
    dry = mix([short, long], [StemSettings(**FLAT)] * 2, RATE)
    wet = mix([short, long], [StemSettings(**{**FLAT, "reverb_send_db": -6.0}), StemSettings(**FLAT)], RATE)
    assert dry.shape == wet.shape == (2, int(1.5 * RATE))
    assert np.abs(wet - dry)[:, int(0.6 * RATE) :].max() > 1e-3  # the short stem's reverb rings after it ends
    with pytest.raises(ValueError, match="one setting per stem"):
        mix([short], [], RATE)

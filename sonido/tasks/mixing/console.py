"""A seeded mixing console: dry mono stems -> a stereo reference mix, with pedalboard's effects.

Per stem, in signal-flow order: an EQ (low shelf, one peak band, high shelf), a
compressor, the fader (gain) and a constant-power pan to stereo, plus an optional send to
one shared reverb bus; the bus and the panned stems are summed. Settings are drawn per
stem from :class:`ConsoleRanges` with a seeded generator, so a piece's mix is the same on
every machine.

Where the ranges come from: they are the ordinary span of settings in mixing practice
as taught in R. Izhaki, *Mixing Audio* (3rd ed., 2017) — faders within about −12…+6 dB of
unity, shelves and peaks of a few dB (±6 dB) at the usual corner frequencies (low shelf
80–250 Hz, presence/peak 250 Hz–5 kHz with Q 0.5–2, high shelf 4–10 kHz), "gentle to
firm" compression (threshold −30…−10 dBFS, ratio 1.5–6, attack 1–30 ms, release
50–300 ms) — and match the random-console augmentation of Steinmetz et al., "Automatic
multitrack mixing with a differentiable mixing console of neural audio effects"
(ICASSP 2021), which samples gain, pan, EQ and compression in such ranges. Bass and drums
are kept near the centre (|pan| ≤ 0.2), as in almost every commercial mix.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

CENTRED_FAMILIES = ("bass", "drums")


@dataclass(frozen=True)
class ConsoleRanges:
    """Uniform ranges of each setting (see the module docstring for their sources)."""

    gain_db: tuple[float, float] = (-12.0, 6.0)
    pan: tuple[float, float] = (-1.0, 1.0)
    centred_pan: tuple[float, float] = (-0.2, 0.2)
    low_shelf_hz: tuple[float, float] = (80.0, 250.0)
    high_shelf_hz: tuple[float, float] = (4000.0, 10000.0)
    peak_hz: tuple[float, float] = (250.0, 5000.0)
    eq_gain_db: tuple[float, float] = (-6.0, 6.0)
    peak_q: tuple[float, float] = (0.5, 2.0)
    threshold_db: tuple[float, float] = (-30.0, -10.0)
    ratio: tuple[float, float] = (1.5, 6.0)
    attack_ms: tuple[float, float] = (1.0, 30.0)
    release_ms: tuple[float, float] = (50.0, 300.0)
    reverb_probability: float = 0.5
    reverb_send_db: tuple[float, float] = (-20.0, -8.0)


@dataclass(frozen=True)
class StemSettings:
    """One channel strip's settings."""

    gain_db: float
    pan: float  # -1 hard left .. +1 hard right
    low_shelf_hz: float
    low_shelf_db: float
    peak_hz: float
    peak_db: float
    peak_q: float
    high_shelf_hz: float
    high_shelf_db: float
    threshold_db: float
    ratio: float
    attack_ms: float
    release_ms: float
    reverb_send_db: float | None  # None: no send

    def to_dict(self) -> dict:
        return asdict(self)


def draw_settings(rng: np.random.Generator, families: list[str], ranges: ConsoleRanges | None = None) -> list[StemSettings]:
    """Settings for stems of the given instrument families (``bass`` and ``drums`` stay near the centre)."""
    r = ranges or ConsoleRanges()

    def u(span):
        return float(rng.uniform(*span))

    out = []
    for family in families:
        out.append(StemSettings(
            gain_db=u(r.gain_db), pan=u(r.centred_pan if family in CENTRED_FAMILIES else r.pan),
            low_shelf_hz=u(r.low_shelf_hz), low_shelf_db=u(r.eq_gain_db), peak_hz=u(r.peak_hz),
            peak_db=u(r.eq_gain_db), peak_q=u(r.peak_q), high_shelf_hz=u(r.high_shelf_hz),
            high_shelf_db=u(r.eq_gain_db), threshold_db=u(r.threshold_db), ratio=u(r.ratio),
            attack_ms=u(r.attack_ms), release_ms=u(r.release_ms),
            reverb_send_db=u(r.reverb_send_db) if rng.random() < r.reverb_probability else None,
        ))  # fmt: skip
    return out


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan law: (left, right) gains for ``pan`` in [-1, 1]."""
    angle = (pan + 1) * np.pi / 4
    return float(np.cos(angle)), float(np.sin(angle))


def channel_strip(dry: np.ndarray, s: StemSettings, sample_rate: int) -> np.ndarray:
    """EQ -> compressor -> fader of a mono stem ``[T]``; returns ``[T]`` (before the pan)."""
    import pedalboard as pb

    board = pb.Pedalboard([
        pb.LowShelfFilter(cutoff_frequency_hz=s.low_shelf_hz, gain_db=s.low_shelf_db),
        pb.PeakFilter(cutoff_frequency_hz=s.peak_hz, gain_db=s.peak_db, q=s.peak_q),
        pb.HighShelfFilter(cutoff_frequency_hz=s.high_shelf_hz, gain_db=s.high_shelf_db),
        pb.Compressor(threshold_db=s.threshold_db, ratio=s.ratio, attack_ms=s.attack_ms, release_ms=s.release_ms),
        pb.Gain(gain_db=s.gain_db),
    ])  # fmt: skip
    return board(np.asarray(dry, np.float32)[None], sample_rate)[0]


def mix(dry: list[np.ndarray], settings: list[StemSettings], sample_rate: int) -> np.ndarray:
    """The stereo mix ``[2, T]`` of mono stems ``[T_i]`` (shorter ones zero-padded to the longest)."""
    import pedalboard as pb

    if len(dry) != len(settings) or not dry:
        raise ValueError(f"need one setting per stem and at least one stem, got {len(dry)} stems, {len(settings)} settings")
    length = max(len(x) for x in dry)
    out = np.zeros((2, length), np.float32)
    send = np.zeros((2, length), np.float32)
    for x, s in zip(dry, settings):
        strip = np.pad(channel_strip(x, s, sample_rate), (0, length - len(x)))
        left, right = pan_gains(s.pan)
        stereo = np.stack([strip * left, strip * right])
        out += stereo
        if s.reverb_send_db is not None:
            send += stereo * np.float32(10 ** (s.reverb_send_db / 20))
    if send.any():
        out += pb.Reverb(room_size=0.5, damping=0.5, wet_level=1.0, dry_level=0.0, width=1.0)(send, sample_rate)
    return out

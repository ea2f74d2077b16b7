"""A General-MIDI drum part (channel 10) matched to a piece's meter and tempo."""

from __future__ import annotations

import numpy as np

KICK, SNARE, CLOSED_HAT, OPEN_HAT, RIDE = 36, 38, 42, 46, 51


def _velocity(rng: np.random.Generator, base: float) -> int:
    return int(np.clip(base + rng.normal(0, 6), 30, 127))


def drum_pattern(
    time_signature: tuple[int, int], tempo: float, end: float, rng: np.random.Generator
) -> np.ndarray:
    """Notes ``[N, 4]`` (start, end, pitch, velocity) of a groove from 0 to ``end`` seconds.

    Beats follow the meter: compound meters (6/8, 9/8, 12/8) group eighths in threes.
    Kick on the downbeat (and the middle beat of four-beat bars), snare on the backbeats,
    a hi-hat or ride on every half beat, with seeded velocities.
    """
    num, den = time_signature
    compound = den == 8 and num % 3 == 0 and num > 3
    beats_per_bar = num // 3 if compound else num
    beat = 60.0 / tempo * (4.0 / den) * (3 if compound else 1)  # seconds per beat
    cymbal = RIDE if rng.random() < 0.3 else CLOSED_HAT
    notes: list[tuple[float, float, int, int]] = []
    t, i = 0.0, 0
    while t < end:
        pos = i % beats_per_bar
        if pos == 0 or (beats_per_bar == 4 and pos == 2):
            notes.append((t, t + 0.1, KICK, _velocity(rng, 105)))
        if beats_per_bar >= 2 and pos % 2 == 1 or (beats_per_bar == 3 and pos > 0):
            notes.append((t, t + 0.1, SNARE, _velocity(rng, 90)))
        notes.append((t, t + 0.05, cymbal, _velocity(rng, 75)))
        if t + beat / 2 < end:
            off = OPEN_HAT if cymbal == CLOSED_HAT and pos == beats_per_bar - 1 else cymbal
            notes.append((t + beat / 2, t + beat / 2 + 0.05, off, _velocity(rng, 60)))
        t += beat
        i += 1
    return np.array(notes, dtype=np.float64).reshape(-1, 4)

"""The General-MIDI instrument palette that the corpus draws from, and its tag vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Instrument:
    """A GM melodic instrument: program number, tag name, family, and a comfortable range."""

    name: str
    program: int
    family: str
    low: int  # lowest comfortable MIDI pitch
    high: int


PALETTE: tuple[Instrument, ...] = (
    Instrument("violin", 40, "strings", 55, 100),
    Instrument("viola", 41, "strings", 48, 88),
    Instrument("cello", 42, "strings", 36, 76),
    Instrument("string-ensemble", 48, "strings", 36, 96),
    Instrument("flute", 73, "winds", 60, 96),
    Instrument("oboe", 68, "winds", 58, 91),
    Instrument("clarinet", 71, "winds", 50, 91),
    Instrument("bassoon", 70, "winds", 34, 72),
    Instrument("trumpet", 56, "brass", 54, 86),
    Instrument("french-horn", 60, "brass", 41, 77),
    Instrument("trombone", 57, "brass", 40, 72),
    Instrument("tuba", 58, "brass", 28, 58),
    Instrument("piano", 0, "keyboards", 21, 108),
    Instrument("electric-piano", 4, "keyboards", 28, 103),
    Instrument("harpsichord", 6, "keyboards", 29, 89),
    Instrument("organ", 19, "keyboards", 24, 96),
    Instrument("nylon-guitar", 24, "guitars", 40, 84),
    Instrument("steel-guitar", 25, "guitars", 40, 84),
    Instrument("clean-electric-guitar", 27, "guitars", 40, 86),
    Instrument("harp", 46, "plucked", 24, 103),
    Instrument("pizzicato-strings", 45, "plucked", 36, 96),
    Instrument("acoustic-bass", 32, "bass", 28, 60),
    Instrument("electric-bass", 33, "bass", 28, 60),
    Instrument("contrabass", 43, "bass", 28, 58)  # FluidR3 has no samples above 58,
)

FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(i.family for i in PALETTE))
DRUMS = "drums"
TAGS: tuple[str, ...] = tuple(sorted({i.name for i in PALETTE} | set(FAMILIES) | {DRUMS}))
"""The tag vocabulary: every instrument name, every family, and ``drums``."""


def instrument_named(name: str) -> Instrument:
    """The palette instrument called ``name`` (e.g. ``piano``)."""
    for inst in PALETTE:
        if inst.name == name:
            return inst
    raise ValueError(f"no instrument {name!r} in the palette; choose from {[i.name for i in PALETTE]}")


def choose_instrument(rng: np.random.Generator, median_pitch: float, lowest: bool) -> Instrument:
    """Draw an instrument whose range holds the part's median pitch.

    The lowest part of a multi-part piece goes to the bass family about half the time,
    so bass stems are common, as in real multitrack collections.
    """
    fits = [i for i in PALETTE if i.low <= median_pitch <= i.high]
    if lowest:
        basses = [i for i in fits if i.family == "bass"]
        if basses and rng.random() < 0.5:
            fits = basses
    fits = fits or list(PALETTE)
    return fits[int(rng.integers(len(fits)))]


def fit_to_range(pitches: np.ndarray, instrument: Instrument) -> np.ndarray:
    """Move a part into an instrument's range by octaves, as an arranger would.

    The whole part shifts by the fewest octaves that bring its median inside the range
    (with a fifth of margin); notes still outside are folded in octave by octave. The
    soundfonts have no samples outside these ranges, so an unfitted note would be silent
    while still present in the MIDI ground truth.
    """
    pitches = np.asarray(pitches, dtype=np.int64)
    lo, hi = instrument.low + 7, max(instrument.high - 7, instrument.low + 7)
    median = float(np.median(pitches))
    shift = 0
    while median + shift < lo:
        shift += 12
    while median + shift > hi and median + shift - 12 >= instrument.low:
        shift -= 12
    out = pitches + shift
    while (out < instrument.low).any():
        out = np.where(out < instrument.low, out + 12, out)
    while (out > instrument.high).any():
        out = np.where(out > instrument.high, out - 12, out)
    return out

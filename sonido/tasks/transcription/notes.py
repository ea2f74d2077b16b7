"""Notes <-> piano rolls: targets from MIDI, notes decoded from activations, MIDI written back.

A note is ``(onset seconds, offset seconds, MIDI pitch)``. Rolls are ``[frames, pitches]`` at
``frame_rate``: *frame* is 1 while a note sounds, *onset* 1 on the frame a note starts,
*offset* 1 on the frame it ends (the Onsets-and-Frames targets, Hawthorne et al. 2018).
Pitches are ``low .. low + pitches - 1``: all 128 MIDI pitches for multi-instrument music,
or the piano's 88 keys (21-108).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PitchRange:
    """MIDI pitches ``low .. low + count - 1``."""

    low: int
    count: int

    @classmethod
    def named(cls, name: str) -> PitchRange:
        ranges = {"all": cls(0, 128), "piano": cls(21, 88)}
        if name not in ranges:
            raise ValueError(f"pitch range must be one of {sorted(ranges)}, got {name!r}")
        return ranges[name]


def read_notes(midi_path: str | os.PathLike) -> np.ndarray:
    """Pitched notes of a MIDI file (drum tracks left out): ``[N, 3]`` onset, offset (s), pitch."""
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(str(midi_path))
    notes = [(n.start, n.end, n.pitch) for inst in midi.instruments if not inst.is_drum for n in inst.notes]
    return np.array(sorted(notes), dtype=np.float64).reshape(-1, 3)


def notes_to_rolls(notes: np.ndarray, frames: int, frame_rate: float, pitches: PitchRange) -> np.ndarray:
    """``[3, frames, pitches]`` float32: onset, frame and offset rolls of the notes that fall
    in the first ``frames`` frames and the pitch range."""
    rolls = np.zeros((3, frames, pitches.count), dtype=np.float32)
    for onset, offset, pitch in notes:
        p = int(pitch) - pitches.low
        start = int(round(onset * frame_rate))
        if not 0 <= p < pitches.count or start >= frames:
            continue
        end = max(start + 1, int(round(offset * frame_rate)))
        rolls[0, start, p] = 1
        rolls[1, start : min(end, frames), p] = 1
        if end - 1 < frames:
            rolls[2, end - 1, p] = 1
    return rolls


def decode_notes(onset: np.ndarray, frame: np.ndarray, frame_rate: float, pitches: PitchRange,
                 onset_threshold: float = 0.5, frame_threshold: float = 0.5) -> np.ndarray:  # fmt: skip
    """Notes from onset and frame probabilities ``[frames, pitches]`` (Onsets and Frames'
    rule): a note starts where the onset crosses its threshold (not on the frame right
    after another onset frame) and lasts while the frame (or the onset) stays above
    threshold. Returns ``[N, 3]`` onset, offset (s), MIDI pitch, sorted by onset."""
    on = onset >= onset_threshold
    sounding = (frame >= frame_threshold) | on
    starts = on & ~np.vstack([np.zeros((1, on.shape[1]), bool), on[:-1]])
    notes = []
    for t, p in zip(*np.nonzero(starts)):
        end = t + 1
        while end < len(sounding) and sounding[end, p] and not starts[end, p]:
            end += 1
        notes.append((t / frame_rate, end / frame_rate, p + pitches.low))
    return np.array(sorted(notes), dtype=np.float64).reshape(-1, 3)


def write_midi(notes: np.ndarray, path: str | os.PathLike, program: int = 0, velocity: int = 80) -> None:
    """Notes ``[N, 3]`` as a one-track MIDI file (pretty_midi), written atomically."""
    import io

    import pretty_midi

    from sonido.fileio import atomic_write_bytes

    midi = pretty_midi.PrettyMIDI()
    inst = pretty_midi.Instrument(program=program)
    inst.notes = [pretty_midi.Note(velocity=velocity, pitch=int(p), start=float(a), end=float(b)) for a, b, p in notes]
    midi.instruments.append(inst)
    buf = io.BytesIO()
    midi.write(buf)
    atomic_write_bytes(path, buf.getvalue())

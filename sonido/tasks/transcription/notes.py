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


class NoteDecoder:
    """Onsets and Frames' decoding rule over probabilities that arrive in blocks of frames: a
    note starts where the onset crosses its threshold (not on the frame right after another
    onset frame) and lasts while the frame (or the onset) stays above threshold. Holds one
    row of state per pitch, so files of any length decode in constant memory.
    """

    def __init__(self, frame_rate: float, pitches: PitchRange, onset_threshold: float = 0.5, frame_threshold: float = 0.5):
        self.frame_rate, self.pitches = frame_rate, pitches
        self.onset_threshold, self.frame_threshold = onset_threshold, frame_threshold
        self._prev_on = np.zeros(pitches.count, bool)
        self._start = np.full(pitches.count, -1)  # frame where the sounding note began, -1 if none
        self._t = 0

    def push(self, onset: np.ndarray, frame: np.ndarray) -> list[tuple[float, float, int]]:
        """Add ``[frames, pitches]`` onset and frame probabilities; returns the notes that ended."""
        on = onset >= self.onset_threshold
        sounding = (frame >= self.frame_threshold) | on
        done = []
        for row_on, row_sound in zip(on, sounding):
            starts = row_on & ~self._prev_on
            ending = (self._start >= 0) & (~row_sound | starts)
            done += self._close(np.nonzero(ending)[0])
            self._start[starts] = self._t
            self._prev_on = row_on
            self._t += 1
        return done

    def finish(self) -> list[tuple[float, float, int]]:
        """Close the notes still sounding at the end."""
        return self._close(np.nonzero(self._start >= 0)[0])

    def _close(self, pitches: np.ndarray) -> list[tuple[float, float, int]]:
        notes = [(self._start[p] / self.frame_rate, self._t / self.frame_rate, int(p) + self.pitches.low) for p in pitches]
        self._start[pitches] = -1
        return notes


def decode_notes(onset: np.ndarray, frame: np.ndarray, frame_rate: float, pitches: PitchRange,
                 onset_threshold: float = 0.5, frame_threshold: float = 0.5) -> np.ndarray:  # fmt: skip
    """Notes from whole ``[frames, pitches]`` onset and frame probabilities (:class:`NoteDecoder`
    fed once): ``[N, 3]`` onset, offset (s), MIDI pitch, sorted by onset."""
    decoder = NoteDecoder(frame_rate, pitches, onset_threshold, frame_threshold)
    notes = decoder.push(onset, frame) + decoder.finish()
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

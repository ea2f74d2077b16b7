"""The single-note probe set: split by instrument, labels, resume, the other soundfont."""

import json

from sonido.audio import info
from sonido.data.datasets import open_dataset
from sonido.data.notes import FAMILIES, NoteSetConfig, build_note_set, other_renderer
from sonido.tasks.probing import Probing

CFG = NoteSetConfig(pitches=(60, 72), note_seconds=0.2, tail_seconds=0.1, renderer="tinysoundfont")


def test_note_set_split_by_instrument_and_resumes(tmp_path):
    path = build_note_set(tmp_path, CFG, progress=False)
    manifest = json.loads(path.read_text())
    notes = manifest["notes"]
    assert len(notes) + manifest["silent_notes_dropped"] == len(FAMILIES) * 8 * 2
    by_program = {}
    for n in notes:
        by_program.setdefault(n["program"], set()).add(n["split"])
        assert n["program"] - FAMILIES[n["family"]] in range(8)
    assert all(len(s) == 1 for s in by_program.values())  # both pitches of a program share its split
    for family, first in FAMILIES.items():
        splits = sorted(next(iter(by_program[p])) for p in range(first, first + 8) if p in by_program)
        assert splits.count("test") <= 1 and splits.count("valid") <= 1
    meta = info(tmp_path / notes[0]["audio"])
    assert meta.samplerate == 22050 and meta.channels == 1 and meta.frames == int(0.3 * 22050)
    stamp = (tmp_path / notes[0]["audio"]).stat().st_mtime_ns
    assert json.loads(build_note_set(tmp_path, CFG, progress=False).read_text()) == manifest
    assert (tmp_path / notes[0]["audio"]).stat().st_mtime_ns == stamp
    ds = open_dataset("note-probe", tmp_path)
    assert [s.name for s in Probing.subtasks(ds)] == ["family", "pitch"]
    assert {i.labels["pitch"] for i in ds} <= {"60", "72"}


def test_notes_use_the_soundfont_the_corpus_did_not():
    assert other_renderer({"soundfont": "FluidR3_GM.sf2"}) == "tinysoundfont"
    assert other_renderer({"soundfont": "TimGM6mb.sf2"}) == "fluidsynth"

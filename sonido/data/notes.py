"""Single recorded notes for NSynth-style probes (instrument family, pitch) that no
pretraining saw: every note rendered on its own from a soundfont the embedded corpus does
not use (TimGM6mb when the corpus was rendered with FluidR3_GM, and the other way round).

``build_note_set(OUT)`` writes ``OUT/notes/<program>-<pitch>.wav`` and ``OUT/manifest.json``
(per note: program, instrument family, MIDI pitch, split). The split is by *instrument*
(NSynth's protocol): within each family, whole GM programs go to train, valid or test, so
the family probe is scored on instruments it never heard. Notes a soundfont renders
silent (no sample at that pitch) are left out and counted.
"""

from __future__ import annotations

import io
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sonido.audio import save
from sonido.data.render import get_renderer
from sonido.fileio import atomic_write_json

FAMILIES = {  # General MIDI program blocks of eight (0-based programs); effects, ethnic and percussive left out
    "keyboard": 0, "mallet": 8, "organ": 16, "guitar": 24, "bass": 32, "string": 40, "ensemble": 48,
    "brass": 56, "reed": 64, "flute": 72, "synth_lead": 80, "synth_pad": 88,
}  # fmt: skip


@dataclass(frozen=True)
class NoteSetConfig:
    """What to render.

    Attributes:
        pitches: MIDI pitches rendered for every program.
        note_seconds: note-on duration; ``tail_seconds`` of release follow.
        velocity: MIDI velocity.
        sample_rate: output rate (mono).
        renderer: ``auto`` (the one the corpus did not use), ``fluidsynth`` or ``tinysoundfont``.
        seed: drives which programs of a family are valid / test.
    """

    pitches: tuple[int, ...] = tuple(range(40, 89, 4))
    note_seconds: float = 1.5
    tail_seconds: float = 0.5
    velocity: int = 100
    sample_rate: int = 22050
    renderer: str = "auto"
    seed: int = 0


def other_renderer(corpus_manifest: dict | None) -> str:
    """The renderer whose soundfont the corpus (``manifest.json`` as a dict) did not use."""
    if corpus_manifest is None:
        return "tinysoundfont"
    return "fluidsynth" if "TimGM6mb" in str(corpus_manifest.get("soundfont", "")) else "tinysoundfont"


def _program_splits(seed: int) -> dict[int, str]:
    """Per family of eight programs: six train, one valid, one test (seeded)."""
    rng = np.random.default_rng([seed, 11])
    out = {}
    for first in FAMILIES.values():
        order = rng.permutation(8) + first
        for i, prog in enumerate(order):
            out[int(prog)] = "test" if i == 0 else "valid" if i == 1 else "train"
    return out


def _note_midi(program: int, pitch: int, cfg: NoteSetConfig) -> bytes:
    import pretty_midi

    pm = pretty_midi.PrettyMIDI()
    inst = pretty_midi.Instrument(program=program)
    inst.notes.append(pretty_midi.Note(velocity=cfg.velocity, pitch=pitch, start=0.0, end=cfg.note_seconds))
    pm.instruments.append(inst)
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def build_note_set(out: str | os.PathLike, config: NoteSetConfig | None = None, progress: bool = True) -> Path:
    """Render every (program, pitch) note into ``out``; returns the manifest path. Resumable:
    a note whose WAV exists is not rendered again."""
    cfg = config or NoteSetConfig()
    out = Path(out)
    renderer = get_renderer(cfg.renderer)
    splits = _program_splits(cfg.seed)
    length = int((cfg.note_seconds + cfg.tail_seconds) * cfg.sample_rate)
    from rich.progress import Progress

    notes, silent = [], 0
    jobs = [(fam, first + k, p) for fam, first in FAMILIES.items() for k in range(8) for p in cfg.pitches]
    with Progress(disable=not progress) as bar:
        task = bar.add_task("rendering notes", total=len(jobs))
        for family, program, pitch in jobs:
            path = out / "notes" / f"{program:03d}-{pitch:03d}.wav"
            if not path.exists():
                audio = renderer.render(_note_midi(program, pitch, cfg), cfg.sample_rate, length)
                peak = float(np.abs(audio).max())
                if peak < 1e-3:
                    silent += 1
                    bar.advance(task)
                    continue
                save(path, (0.5 * audio / peak).astype(np.float32), cfg.sample_rate, subtype="PCM_16")
            notes.append({"id": path.stem, "audio": path.relative_to(out).as_posix(), "program": program,
                          "family": family, "pitch": pitch, "split": splits[program]})  # fmt: skip
            bar.advance(task)
    manifest = {
        "name": "sonido-note-probe", "config": {**asdict(cfg), "renderer": renderer.name},
        "soundfont": Path(renderer.soundfont).name, "sample_rate": cfg.sample_rate,
        "families": list(FAMILIES), "silent_notes_dropped": silent, "notes": notes,
    }  # fmt: skip
    return atomic_write_json(out / "manifest.json", manifest)

"""Rendering one corpus piece: instruments, drums, stems, mix, MIDI and labels.

Layout written under ``OUT/pieces/<id>/``::

    mix.wav            stereo, the exact sum of the stems (16-bit integers add exactly)
    stems/<part>.wav   stereo, panned and gain-staged
    dry/<part>.wav     mono, the renderer's output (peak-normalised, scale recorded)
    midi/<part>.mid    one part, the exact notes that were rendered
    midi/all.mid       every part, drums on GM channel 10
    piece.json         the labels; its presence marks the piece complete
"""

from __future__ import annotations

import io
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sonido.audio import save
from sonido.data.drums import drum_pattern
from sonido.data.palette import DRUMS, Instrument, choose_instrument, fit_to_range, instrument_named
from sonido.data.render import Renderer
from sonido.data.score import COLLECTIONS, Score, ScoreSource, load_score
from sonido.fileio import atomic_write_bytes, atomic_write_json

INT16 = 32767
MIX_PEAK = 0.89  # the mix is scaled so its peak sits here: headroom, no clipping
DRY_PEAK = 0.9


@dataclass(frozen=True)
class PieceSettings:
    """What a piece's rendering depends on besides its source (part of the corpus config)."""

    sample_rate: int
    seed: int
    max_seconds: float | None
    drum_share: float
    tail_seconds: float
    instrument: str | None = None  # every part on this palette instrument (e.g. "piano"), no drums


def _midi_bytes(tracks: list[tuple[str, int, bool, np.ndarray]], tempo: float, ts: tuple[int, int]) -> bytes:
    """A MIDI file of ``(name, program, is_drum, notes [N, 4])`` tracks at a constant tempo."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo, resolution=480)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(ts[0], ts[1], 0.0))
    for name, program, is_drum, notes in tracks:
        inst = pretty_midi.Instrument(program=program, is_drum=is_drum, name=name)
        inst.notes = [pretty_midi.Note(int(v), int(p), float(s), float(e)) for s, e, p, v in notes]
        pm.instruments.append(inst)
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def _read_notes(midi: bytes) -> list[np.ndarray]:
    """Notes per track as written (tick-rounded): the ground truth that gets rendered."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(io.BytesIO(midi))
    return [
        np.array([[n.start, n.end, n.pitch, n.velocity] for n in inst.notes], dtype=np.float64).reshape(-1, 4)
        for inst in pm.instruments
    ]


def _slug(name: str) -> str:
    keep = "".join(c.lower() if c.isalnum() else "-" for c in name)
    return "-".join(filter(None, keep.split("-"))) or "part"


def _rms(x: np.ndarray) -> float:
    active = x[np.abs(x) > 1e-4]
    return float(np.sqrt(np.mean(active**2))) if active.size else 0.0


def build_piece(source: ScoreSource, settings: PieceSettings, renderer: Renderer, out_dir: Path) -> dict[str, Any]:
    """Render ``source`` into ``out_dir`` (which must be empty) and return its record.

    Every random choice comes from a generator seeded by ``(seed, piece id)``, so a
    piece renders identically whatever else is built, in whatever order.
    """
    rng = np.random.default_rng([settings.seed, zlib.crc32(source.id.encode())])
    collection = next(c for c in COLLECTIONS if c.name == source.collection)
    tempo = float(rng.integers(collection.tempo_range[0], collection.tempo_range[1] + 1))
    score: Score = load_score(source, tempo, settings.max_seconds)
    sr = settings.sample_rate
    length = int(math.ceil((score.end + settings.tail_seconds) * sr))

    lowest = int(np.argmin([p.median_pitch for p in score.parts]))
    tracks: list[dict[str, Any]] = []
    for i, part in enumerate(score.parts):
        inst: Instrument = (instrument_named(settings.instrument) if settings.instrument else
                            choose_instrument(rng, part.median_pitch, lowest=len(score.parts) > 1 and i == lowest))  # fmt: skip
        notes = part.notes.copy()
        notes[:, 2] = fit_to_range(notes[:, 2], inst)
        tracks.append(
            dict(stem=f"{i:02d}-{_slug(part.name)}", name=part.name, instrument=inst.name, family=inst.family,
                 program=inst.program, is_drum=False, notes=notes, center=inst.family == "bass")
        )  # fmt: skip
    if rng.random() < settings.drum_share and not settings.instrument:
        notes = drum_pattern(score.time_signature, score.tempo, score.end, rng)
        tracks.append(
            dict(stem=DRUMS, name="drums", instrument=DRUMS, family=DRUMS, program=0, is_drum=True,
                 notes=notes, center=True)
        )  # fmt: skip

    midi_dir = out_dir / "midi"
    dry, stems_int = [], []
    for t in tracks:
        midi = _midi_bytes([(t["name"], t["program"], t["is_drum"], t["notes"])], score.tempo, score.time_signature)
        t["notes"] = _read_notes(midi)[0]
        atomic_write_bytes(midi_dir / f"{t['stem']}.mid", midi)
        audio = renderer.render(midi, sr, length)
        if not np.isfinite(audio).all() or not np.abs(audio).max() > 0:
            raise ValueError(f"renderer produced no usable audio for part {t['stem']}")
        t["dry_gain"] = DRY_PEAK / float(np.abs(audio).max())
        dry.append((audio * t["dry_gain"]).astype(np.float32))
        # Gain staging: level-match the parts, then a seeded offset and pan.
        t["gain_db"] = float(rng.uniform(-6.0, 0.0))
        t["pan"] = float(rng.uniform(-0.15, 0.15) if t["center"] else rng.uniform(-0.7, 0.7))
    levels = [0.1 / max(_rms(d), 1e-6) * 10 ** (t["gain_db"] / 20) for d, t in zip(dry, tracks)]
    pans = [np.array([math.cos((t["pan"] + 1) * math.pi / 4), math.sin((t["pan"] + 1) * math.pi / 4)]) for t in tracks]
    mix = sum(lv * p[:, None] * d[None] for lv, p, d in zip(levels, pans, dry))
    scale = MIX_PEAK / float(np.abs(mix).max())
    for t, lv, p, d in zip(tracks, levels, pans, dry):
        gains = lv * scale * p  # stem ≈ dry × [gain_left, gain_right]
        t["gain_left"], t["gain_right"] = float(gains[0]), float(gains[1])
        stems_int.append(np.round(gains[:, None] * d[None] * INT16).astype(np.int32))
    mix_int = np.sum(stems_int, axis=0)  # integer sum: the mix is exactly the sum of the stems
    assert np.abs(mix_int).max() <= INT16, "mix headroom too small"

    for t, d, s in zip(tracks, dry, stems_int):
        save(out_dir / "dry" / f"{t['stem']}.wav", np.round(d * INT16).astype(np.int16)[None], sr, "PCM_16")
        save(out_dir / "stems" / f"{t['stem']}.wav", s.astype(np.int16), sr, "PCM_16")
    save(out_dir / "mix.wav", mix_int.astype(np.int16), sr, "PCM_16")
    atomic_write_bytes(
        midi_dir / "all.mid",
        _midi_bytes([(t["name"], t["program"], t["is_drum"], t["notes"]) for t in tracks], score.tempo, score.time_signature),
    )

    rel = f"pieces/{source.id}"  # out_dir is a staging folder renamed to this when done
    tags = sorted({t["instrument"] for t in tracks} | {t["family"] for t in tracks})
    tonic, mode = score.key.split(" ")
    record = {
        "id": source.id,
        "title": score.title,
        "collection": source.collection,
        "composer": source.composer,
        "source": {"path": source.path, "number": source.number},
        "work": source.work,
        "duration": length / sr,
        "num_samples": length,
        "tempo": score.tempo,
        "time_signature": f"{score.time_signature[0]}/{score.time_signature[1]}",
        "key": score.key,
        "tonic": tonic,
        "mode": mode,
        "tags": tags,
        "has_drums": any(t["is_drum"] for t in tracks),
        "mix": f"{rel}/mix.wav",
        "midi": f"{rel}/midi/all.mid",
        "parts": [
            {
                "stem": t["stem"],
                "name": t["name"],
                "instrument": t["instrument"],
                "family": t["family"],
                "program": t["program"],
                "is_drum": t["is_drum"],
                "num_notes": int(len(t["notes"])),
                "pan": t["pan"],
                "gain_db": t["gain_db"],
                "gain_left": t["gain_left"],
                "gain_right": t["gain_right"],
                "dry_gain": t["dry_gain"],
                "audio": f"{rel}/stems/{t['stem']}.wav",
                "dry": f"{rel}/dry/{t['stem']}.wav",
                "midi": f"{rel}/midi/{t['stem']}.mid",
            }
            for t in tracks
        ],
    }
    atomic_write_json(out_dir / "piece.json", record)
    return record

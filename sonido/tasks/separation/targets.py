"""MUSDB-like targets from the embedded corpus' stems: bass, drums, lead, other.

MUSDB18 separates vocals, drums, bass and other. The rendered corpus has no vocals; its
nearest counterpart is the *lead*: the melody line. Each part is assigned by its role in
the score and its instrument:

- ``drums``: the drum stem (the corpus' only unpitched part);
- ``bass``: parts on a bass-family instrument (acoustic, electric or contrabass), which
  the renderer gives to a piece's lowest part about half the time;
- ``lead``: of the remaining parts, the one with the highest median pitch (in chorales the
  soprano, in folk tunes the tune: the line a listener follows);
- ``other``: every other part (inner voices, accompaniment, a lowest part on a non-bass
  instrument).

A target a piece does not have (no drums, no bass) is silence, as in MUSDB tracks without
a source.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

TARGETS = ("bass", "drums", "lead", "other")


def _median_pitch(midi_path: Path) -> float:
    import pretty_midi

    pitches = [n.pitch for inst in pretty_midi.PrettyMIDI(str(midi_path)).instruments for n in inst.notes]
    return float(np.median(pitches)) if pitches else -1.0


def group_parts(piece: dict, root: Path) -> dict[str, list[Path]]:
    """``{target: [stem audio paths]}`` for one manifest piece record (paths under ``root``)."""
    groups: dict[str, list[Path]] = {t: [] for t in TARGETS}
    pitched = []
    for part in piece["parts"]:
        audio = root / part["audio"]
        if part.get("is_drum") or part.get("family") == "drums":
            groups["drums"].append(audio)
        elif part.get("family") == "bass":
            groups["bass"].append(audio)
        else:
            pitched.append((_median_pitch(root / part["midi"]), part["stem"], audio))
    if pitched:
        lead = max(pitched, key=lambda p: (p[0], p[1]))
        groups["lead"].append(lead[2])
        groups["other"] += [a for _, _, a in sorted(pitched, key=lambda p: p[1]) if a != lead[2]]
    return groups

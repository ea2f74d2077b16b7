"""Scores from music21's bundled corpus, turned into timed notes per part.

The corpus builder asks this module for an ordered list of :class:`ScoreSource`\\ s and,
for each, a :class:`Score`: per-part notes in seconds at a chosen tempo, plus the labels
that come from the score itself (key and mode, time signature, title).
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Collection:
    """One family of pieces in the music21 corpus; its name is the class label."""

    name: str
    directories: tuple[str, ...]
    suffixes: tuple[str, ...]
    weight: float  # share of the candidate order given to this collection
    tempo_range: tuple[int, int]  # quarter-note BPM drawn per piece


COLLECTIONS: tuple[Collection, ...] = (
    Collection("bach-chorale", ("bach",), (".mxl",), 0.30, (60, 96)),
    Collection("string-quartet", ("haydn", "mozart", "beethoven"), (".mxl",), 0.08, (72, 132)),
    Collection("renaissance-polyphony", ("palestrina",), (".krn",), 0.14, (60, 100)),
    Collection("madrigal", ("monteverdi",), (".mxl",), 0.08, (60, 100)),
    Collection("trecento", ("trecento",), (".mxl", ".xml"), 0.05, (60, 110)),
    Collection("folk-essen", ("essenFolksong",), (".abc",), 0.15, (80, 140)),
    Collection("folk-irish", ("oneills1850",), (".abc",), 0.10, (90, 150)),
    Collection("folk-scottish", ("ryansMammoth",), (".abc",), 0.10, (90, 150)),
)

TRADITIONAL = {"essenFolksong", "oneills1850", "ryansMammoth", "trecento"}


@dataclass(frozen=True)
class ScoreSource:
    """Where one piece comes from.

    Attributes:
        collection: the collection (class label).
        composer: the composer directory, or ``"traditional"``/``"anonymous"``.
        path: path inside music21's corpus, e.g. ``"bach/bwv66.6.mxl"``.
        number: tune number inside a multi-tune ABC file, else ``None``.
        work: grouping key for the split; movements of one work share it.
    """

    collection: str
    composer: str
    path: str
    number: int | None
    work: str

    @property
    def id(self) -> str:
        stem = self.path.rsplit(".", 1)[0]
        base = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower()
        return base if self.number is None else f"{base}-{self.number}"


@dataclass(frozen=True)
class Part:
    """One part of a score: a name and its notes.

    ``notes`` is ``[N, 4]`` float64: start (s), end (s), MIDI pitch, velocity.
    """

    name: str
    notes: np.ndarray

    @property
    def median_pitch(self) -> float:
        return float(np.median(self.notes[:, 2]))


@dataclass(frozen=True)
class Score:
    """A piece ready to render: parts with notes in seconds and score-level labels."""

    title: str
    parts: tuple[Part, ...]
    tempo: float  # quarter-note BPM, constant over the piece
    time_signature: tuple[int, int]
    key: str  # mir_eval style, e.g. "F# minor"
    end: float  # last note-off, seconds


def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def _abc_numbers(path: Path) -> list[int]:
    """Tune numbers (``X:`` fields) in an ABC file, read without parsing the music."""
    text = path.read_text(encoding="latin-1")
    return [int(m) for m in re.findall(r"^X:\s*(\d+)", text, flags=re.MULTILINE)]


def collection_sources(collection: Collection) -> list[ScoreSource]:
    """Every candidate piece of a collection, in a stable order."""
    root = corpus_root()
    out: list[ScoreSource] = []
    for directory in collection.directories:
        for path in sorted((root / directory).rglob("*")):
            if path.suffix not in collection.suffixes or not path.is_file():
                continue
            # The same piece can ship twice (.xml and .mxl): keep the preferred suffix only.
            preferred = [path.with_suffix(x) for x in collection.suffixes[: collection.suffixes.index(path.suffix)]]
            if any(p.exists() for p in preferred):
                continue
            rel = path.relative_to(root).as_posix()
            composer = "traditional" if directory in TRADITIONAL else directory
            if path.suffix == ".abc":
                numbers = _abc_numbers(path)
                # A one-tune file needs no number; several get one source each.
                if len(numbers) <= 1:
                    out.append(ScoreSource(collection.name, composer, rel, None, rel))
                else:
                    out.extend(
                        ScoreSource(collection.name, composer, rel, n, f"{rel}#{n}")
                        for n in dict.fromkeys(numbers)
                    )
            else:
                # Quartet movements live in one folder per work; other files are works.
                nested = path.parent.name != directory
                work = path.parent.relative_to(root).as_posix() if nested else rel
                out.append(ScoreSource(collection.name, composer, rel, None, work))
    return out


def candidate_order(seed: int) -> list[ScoreSource]:
    """All candidates, shuffled per collection and interleaved by collection weight.

    Deterministic for a seed: taking the first N gives a stratified sample whose mix of
    collections follows the weights for any N.
    """
    queues = []
    for c in COLLECTIONS:
        items = collection_sources(c)
        rng = np.random.default_rng([seed, zlib.crc32(c.name.encode())])
        queues.append([items[i] for i in rng.permutation(len(items))])
    taken = [0] * len(COLLECTIONS)
    order: list[ScoreSource] = []
    while True:
        live = [i for i, q in enumerate(queues) if taken[i] < len(q)]
        if not live:
            return order
        # Smooth weighted round robin: the collection furthest below its share goes next.
        i = min(live, key=lambda j: ((taken[j] + 1) / COLLECTIONS[j].weight, j))
        order.append(queues[i][taken[i]])
        taken[i] += 1


def _mir_eval_key(k) -> str:
    tonic = k.tonic.name.replace("-", "b")
    return f"{tonic} {k.mode}"


def _repair(score) -> None:
    """Fix what makes music21's MIDI export fail: badly formed repeats (drop the repeat
    marks) and one object placed in two measures (ABC files do this with time signatures;
    keep the first placement)."""
    from music21 import bar, meter, repeat

    for el in list(score.recurse().getElementsByClass((bar.Repeat, repeat.RepeatMark))):
        el.activeSite.remove(el)
    seen = set()
    for measure_or_part in list(score.recurse(streamsOnly=True)):
        for el in list(measure_or_part.getElementsByClass(meter.TimeSignature)):
            if id(el) in seen:
                measure_or_part.remove(el)
            seen.add(id(el))


def _to_midi(score):
    import pretty_midi
    from music21 import defaults
    from music21.midi import translate

    # music21 writes 10080 ticks per quarter; 480 is what every MIDI reader expects.
    defaults.ticksPerQuarter = 480
    mf = translate.streamToMidiFile(score, addEndDelay=False)
    return pretty_midi.PrettyMIDI(io.BytesIO(mf.writestr()))


def load_score(source: ScoreSource, tempo: float, max_seconds: float | None) -> Score:
    """Parse a corpus piece and time its notes at a constant ``tempo`` (quarter BPM).

    Existing tempo marks are replaced so the tempo label is exact. Only the first
    ``max_seconds`` are kept (notes that start later are dropped, later ends clipped).

    Raises:
        ValueError: the piece parses but has nothing to render.
        Exception: whatever music21 raises for a piece it cannot read; the caller logs it.
    """
    from music21 import corpus, key, meter, stream
    from music21 import tempo as m21tempo

    parsed = corpus.parse(source.path, number=source.number) if source.number else corpus.parse(source.path)
    if isinstance(parsed, stream.Opus):
        parsed = parsed.scores[0]
    score = parsed
    parts = list(score.parts) if score.parts else [score]

    sigs = list(score.flatten().getElementsByClass(meter.TimeSignature))
    # The most frequent signature, not the first: ABC pickups often open with e.g. 1/4.
    pairs = [(t.numerator, t.denominator) for t in sigs]
    ts = max(pairs, key=pairs.count) if pairs else (4, 4)
    if max_seconds is not None:
        # Crop in measures first (with room for tempo slack) so long movements stay cheap.
        quarters = max_seconds * tempo / 60.0
        bar_quarters = ts[0] * 4.0 / ts[1]
        last = int(np.ceil(quarters / bar_quarters)) + 2
        if parts[0].getElementsByClass(stream.Measure):
            score = score.measures(0, last)
            parts = list(score.parts) if score.parts else [score]

    keys = [k for k in score.flatten().getElementsByClass(key.Key)]
    key_label = _mir_eval_key(keys[0] if keys else score.analyze("key"))

    for mm in list(score.recurse().getElementsByClass(m21tempo.MetronomeMark)):
        mm.activeSite.remove(mm)
    for p in parts:
        p.insert(0, m21tempo.MetronomeMark(number=tempo))
    try:
        pm = _to_midi(score)
    except Exception:
        _repair(score)
        pm = _to_midi(score)

    names = [p.partName or "" for p in parts]
    out = []
    for i, inst in enumerate(pm.instruments):
        if inst.is_drum or not inst.notes:
            continue
        notes = np.array([[n.start, n.end, n.pitch, n.velocity] for n in inst.notes], dtype=np.float64)
        notes = notes[np.lexsort((notes[:, 2], notes[:, 0]))]
        if max_seconds is not None:
            notes = notes[notes[:, 0] < max_seconds]
            notes[:, 1] = np.minimum(notes[:, 1], max_seconds)
        notes = notes[notes[:, 1] - notes[:, 0] > 1e-3]
        if len(notes):
            name = names[i] if i < len(names) and names[i] and "MusicXML" not in names[i] else inst.name
            out.append(Part(name=name or f"part{i}", notes=notes))
    if not out:
        raise ValueError("no notes to render")
    title = (score.metadata.title if score.metadata and score.metadata.title else "") or source.id
    end = max(float(p.notes[:, 1].max()) for p in out)
    return Score(title=title, parts=tuple(out), tempo=float(tempo), time_signature=ts, key=key_label, end=end)

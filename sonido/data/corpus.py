"""The embedded multitrack corpus: a Slakh-like dataset rendered from music21's corpus.

``build_corpus(OUT, CorpusConfig(size="tiny"))`` renders pieces in parallel, resumes
where an earlier run stopped (a finished piece is a folder with ``piece.json``; pieces
are staged in a hidden folder and renamed when complete), logs and skips pieces that
music21 cannot read, and writes ``manifest.json`` (labels, paths, a seeded split by
work) and ``annotations_final.csv`` (an MTAT-like binary tag matrix).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from sonido.data.palette import TAGS, instrument_named
from sonido.data.piece import PieceSettings, build_piece
from sonido.data.render import get_renderer
from sonido.data.score import COLLECTIONS, ScoreSource, candidate_order
from sonido.fileio import atomic_write_json, atomic_write_text

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
SPLITS = ("train", "valid", "test")
MAX_LEADING_FAILURES = 16


@dataclass(frozen=True)
class CorpusConfig:
    """How to build the corpus; ``size`` presets fill ``pieces`` and ``max_seconds``.

    Attributes:
        size: ``tiny`` (~40 pieces, ≤20 s each), ``small`` (≥400 pieces, ≥2 h), ``full``.
        pieces: number of pieces (``None``: every usable one).
        max_seconds: pieces are cut to their first ``max_seconds`` (``None``: whole).
        sample_rate: rendering rate in Hz.
        seed: drives the piece selection, instruments, drums, gains and pans, the split.
        renderer: ``auto``, ``fluidsynth`` or ``tinysoundfont``.
        drum_share: probability that a piece gets a drum part.
        tail_seconds: silence after the last note-off, for releases.
        split: train/valid/test fractions, assigned by work.
        instrument: render every part with this palette instrument and add no drums
            (``piano``: the MAESTRO-like piano-only corpus for transcription); ``None`` draws
            instruments per part.
    """

    size: str = "tiny"
    pieces: int | None = 40
    max_seconds: float | None = 20.0
    sample_rate: int = 22050
    seed: int = 0
    renderer: str = "auto"
    drum_share: float = 0.35
    tail_seconds: float = 1.0
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)
    instrument: str | None = None

    def __post_init__(self):
        if not 4000 <= self.sample_rate <= 192000:
            raise ValueError(f"sample_rate must be within 4000..192000 Hz, got {self.sample_rate}")
        if self.pieces is not None and self.pieces < 1:
            raise ValueError(f"pieces must be at least 1, got {self.pieces}")
        if self.max_seconds is not None and self.max_seconds <= 0:
            raise ValueError(f"max_seconds must be positive, got {self.max_seconds}")
        if not 0 <= self.drum_share <= 1 or self.tail_seconds < 0:
            raise ValueError("drum_share must be in [0, 1] and tail_seconds >= 0")
        if self.instrument is not None:
            instrument_named(self.instrument)
        if len(self.split) != 3 or min(self.split) < 0 or abs(sum(self.split) - 1) > 1e-6:
            raise ValueError(f"split fractions must be three non-negative numbers summing to 1, got {self.split}")

    @classmethod
    def preset(cls, size: str, **overrides: Any) -> CorpusConfig:
        presets = {
            "tiny": dict(pieces=40, max_seconds=20.0),
            "small": dict(pieces=420, max_seconds=40.0),
            "full": dict(pieces=None, max_seconds=180.0),
        }
        if size not in presets:
            raise ValueError(f"unknown corpus size {size!r}; choose from {sorted(presets)}")
        return replace(cls(size=size, **presets[size]), **{k: v for k, v in overrides.items() if v is not None})


def _settings(config: CorpusConfig) -> PieceSettings:
    return PieceSettings(config.sample_rate, config.seed, config.max_seconds, config.drum_share, config.tail_seconds,
                         config.instrument)  # fmt: skip


def _render_one(source: ScoreSource, config: CorpusConfig, root: Path) -> tuple[str, dict | str]:
    """Worker: render one piece into a staging folder, then rename it into place.

    Returns ``("ok", record)`` or ``("skip", reason)``; never raises for a bad piece.
    """
    import warnings

    warnings.filterwarnings("ignore")  # music21 warns about every overfull measure
    final = root / "pieces" / source.id
    if (final / "piece.json").exists():
        return "ok", json.loads((final / "piece.json").read_text())
    stage = root / "pieces" / f".partial-{source.id}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    try:
        record = build_piece(source, _settings(config), get_renderer(config.renderer), stage)
    except Exception as err:  # a piece music21 or the renderer cannot handle is skipped
        shutil.rmtree(stage, ignore_errors=True)
        return "skip", f"{type(err).__name__}: {err}"[:300]
    shutil.rmtree(final, ignore_errors=True)  # a folder without piece.json is incomplete
    os.replace(stage, final)
    return "ok", record


def assign_splits(works: list[str], seed: int, fractions: tuple[float, float, float]) -> dict[str, str]:
    """Map each work to a split by a seeded shuffle; every split gets a work when ≥3 exist.

    Splitting by work (not by piece) keeps movements of one quartet together: no leakage.
    """
    unique = sorted(set(works))
    order = [unique[i] for i in np.random.default_rng([seed, 7]).permutation(len(unique))]
    n = len(order)
    n_test = max(1, round(fractions[2] * n)) if n >= 3 else 0
    n_valid = max(1, round(fractions[1] * n)) if n >= 3 else 0
    out = {}
    for i, w in enumerate(order):
        out[w] = "test" if i < n_test else "valid" if i < n_test + n_valid else "train"
    return out


def _tag_matrix_csv(pieces: list[dict]) -> str:
    """MagnaTagATune's ``annotations_final.csv`` layout: tab-separated, clip_id, tags, path."""
    lines = ["\t".join(["clip_id", *TAGS, "mp3_path"])]
    for i, p in enumerate(pieces):
        row = ["1" if t in p["tags"] else "0" for t in TAGS]
        lines.append("\t".join([str(i), *row, p["mix"]]))
    return "\n".join(lines) + "\n"


def build_corpus(out: str | os.PathLike, config: CorpusConfig, jobs: int | None = None, progress: bool = True) -> Path:
    """Render the corpus into ``out`` and return the manifest path. Resumable.

    Args:
        out: output folder (created; earlier finished pieces are reused).
        config: what to build.
        jobs: worker processes (default: every core).
        progress: show a progress bar.
    """
    root = Path(out)
    (root / "pieces").mkdir(parents=True, exist_ok=True)
    renderer = get_renderer(config.renderer)  # fail early, before any work, if unavailable
    config = replace(config, renderer=renderer.name)
    candidates = candidate_order(config.seed)
    target = len(candidates) if config.pieces is None else config.pieces
    skipped_path = root / "skipped.json"
    skipped: dict[str, str] = {}  # failures are retried on resume: a fixed bug should count

    results: dict[int, tuple[str, Any]] = {}
    jobs = jobs or os.cpu_count() or 1
    from rich.progress import Progress

    with Progress(disable=not progress, transient=False) as bar, ProcessPoolExecutor(jobs) as pool:
        task = bar.add_task("rendering corpus", total=target)
        pending: dict[Future, int] = {}
        nxt, done_ok = 0, 0

        def ok_prefix() -> int:
            """Successes among the leading run of finished candidates: the ones we keep."""
            n, i = 0, 0
            while i in results and n < target:
                n += results[i][0] == "ok"
                i += 1
            return n

        while done_ok < target and (nxt < len(candidates) or pending):
            while nxt < len(candidates) and len(pending) < 2 * jobs and ok_prefix() + len(pending) < target + jobs:
                pending[pool.submit(_render_one, candidates[nxt], config, root)] = nxt
                nxt += 1
            if not pending:
                done_ok = ok_prefix()
                continue
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                i = pending.pop(fut)
                results[i] = fut.result()
                if results[i][0] == "skip":
                    skipped[candidates[i].id] = results[i][1]
                    log.warning("skipped %s: %s", candidates[i].id, results[i][1])
                    atomic_write_json(skipped_path, skipped)
            done_ok = ok_prefix()
            bar.update(task, completed=done_ok)
            if len(results) >= MAX_LEADING_FAILURES and not any(st == "ok" for st, _ in results.values()):
                # A broken renderer or environment, not a bad piece: stop instead of trying them all.
                for fut in pending:
                    fut.cancel()
                raise RuntimeError(f"the first {len(results)} pieces all failed; last: {results[max(results)][1]}")
        for fut, i in pending.items():  # started past the target: let them finish, then drop
            if not fut.cancel():
                results[i] = fut.result()

    kept: list[dict] = []
    for i in sorted(results):
        if len(kept) == target:
            break
        if results[i][0] == "ok":
            kept.append(results[i][1])
    # Pieces rendered past the target (in flight when it was reached) are not part of it.
    keep_ids = {p["id"] for p in kept}
    for i, (status, _) in results.items():
        if status == "ok" and candidates[i].id not in keep_ids:
            shutil.rmtree(root / "pieces" / candidates[i].id, ignore_errors=True)

    splits = assign_splits([p["work"] for p in kept], config.seed, config.split)
    pieces = [dict(p, split=splits[p["work"]]) for p in kept]
    tried = {c.id for c in candidates[: max(results) + 1]} if results else set()
    manifest = {
        "version": MANIFEST_VERSION,
        "name": "sonido-embedded-corpus",
        "config": asdict(config),
        "sample_rate": config.sample_rate,
        "soundfont": Path(renderer.soundfont).name,
        "tags": list(TAGS),
        "collections": [c.name for c in COLLECTIONS],
        "num_pieces": len(pieces),
        "total_seconds": round(sum(p["duration"] for p in pieces), 3),
        "splits": {s: sum(p["split"] == s for p in pieces) for s in SPLITS},
        "pieces": pieces,
        "skipped": [{"id": k, "reason": v} for k, v in sorted(skipped.items()) if k in tried],
    }
    atomic_write_text(root / "annotations_final.csv", _tag_matrix_csv(pieces))
    path = atomic_write_json(root / "manifest.json", manifest)
    if len(pieces) < target and config.pieces is not None:
        log.warning("only %d of %d pieces could be rendered", len(pieces), target)
    return path


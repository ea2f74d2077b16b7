"""Batch extraction: a file or a folder of audio -> one feature file per input.

For ``IN/a/b.wav`` it writes ``OUT/a/b.safetensors`` (one tensor per level, ``[frames, D]``
or ``[D]`` when pooled) and ``OUT/a/b.json`` (model, levels, layers, frame rates,
source). Both are written atomically, the JSON last: an input whose JSON exists is done
and skipped on re-run. Unreadable inputs are skipped with their reason logged and counted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sonido.audio import AUDIO_SUFFIXES, AudioError, load
from sonido.fileio import atomic_write_bytes, atomic_write_json
from sonido.model import SoniDo

log = logging.getLogger(__name__)


@dataclass
class ExtractionSummary:
    """What a batch extraction did."""

    written: int = 0
    skipped_done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def list_inputs(source: Path) -> list[tuple[Path, Path]]:
    """``(audio file, path relative to the source)`` for a file or every audio file in a folder."""
    if source.is_file():
        return [(source, Path(source.name))]
    if not source.is_dir():
        raise FileNotFoundError(f"no such file or folder: {source}")
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    return [(p, p.relative_to(source)) for p in files]


def extract_files(
    model: SoniDo,
    source: str | Path,
    out: str | Path,
    levels: tuple[str, ...] = ("top", "mid"),
    layers: tuple[int, ...] | None = None,
    pool: str = "mean",
    progress: bool = True,
) -> ExtractionSummary:
    """Extract features of every audio file under ``source`` into ``out`` (resumable)."""
    from rich.progress import Progress
    from safetensors.torch import save as st_save

    if pool not in ("mean", "none"):
        raise ValueError(f"pool must be 'mean' or 'none', got {pool!r}")
    inputs = list_inputs(Path(source))
    summary = ExtractionSummary()
    with Progress(disable=not progress) as bar:
        task = bar.add_task("extracting", total=len(inputs))
        for path, rel in inputs:
            target = Path(out) / rel.with_suffix("")
            sidecar = target.with_suffix(".json")
            if sidecar.exists():
                summary.skipped_done += 1
            else:
                try:
                    audio, rate = load(path)
                    feats = model.extract(audio, rate, levels=levels, layers=layers)
                except AudioError as err:
                    log.warning("skipping %s", err)
                    summary.failed.append((str(path), err.problem))
                else:
                    tensors = {lv: (f.pooled() if pool == "mean" else f.data)[0].contiguous() for lv, f in feats.items()}
                    atomic_write_bytes(target.with_suffix(".safetensors"), st_save(tensors))
                    atomic_write_json(sidecar, {
                        "model": model.name, "source": str(path), "pool": pool,
                        "levels": {lv: {"layers": list(f.layers), "frame_rate": f.frame_rate,
                                        "shape": list(tensors[lv].shape)} for lv, f in feats.items()},
                    })  # fmt: skip
                    summary.written += 1
            bar.advance(task)
    return summary

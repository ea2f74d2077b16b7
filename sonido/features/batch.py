"""Batch extraction: a file or a folder of audio -> one feature file per input.

For ``IN/a/b.wav`` it writes ``OUT/a/b.safetensors`` (one tensor per level, ``[frames, D]``
or ``[D]`` when pooled; ``[frames, L, D]`` / ``[L, D]`` with ``layers="all"``) and
``OUT/a/b.json`` (the settings, frame rates, shapes, source).
Audio is streamed from disk in blocks (:class:`~sonido.audio_reader.AudioReader`) through
:class:`~sonido.features.stream.FeatureStream`, so memory does not grow with the input's
length: ``pool="mean"`` keeps a running mean, ``pool="none"`` appends frames to disk
(:mod:`sonido.features.sinks`). Both files are written atomically, the JSON last: an
input whose JSON exists with the same settings is done and skipped on re-run; one made
with other settings (model weights, levels, layers, pool, max_seconds, windows) is never
silently kept: the run refuses, naming the differences, unless ``overwrite``.
Unreadable inputs are skipped with their reason logged and counted. SIGTERM and SIGINT
stop the run within one window's computation, leaving no partial output.

The work runs in Lightning's predict loop, so ``devices``/``strategy`` spread the files
over GPUs or hosts (each rank writes the files of its shard; the summary counts this rank's).
"""

from __future__ import annotations

import fnmatch
import json
import logging
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset

from sonido.audio import AUDIO_SUFFIXES, AudioError
from sonido.audio_reader import AudioReader
from sonido.fileio import atomic_write_json
from sonido.model import ALL_LAYERS, SoniDo, warn_if_shorter_than_a_frame
from sonido.progress import AudioTask, audio_progress
from sonido.signals import stop_on_signals
from sonido.train.runtime import quiet_lightning

log = logging.getLogger(__name__)


class StaleFeatures(ValueError):
    """The output folder holds features made with other settings."""


@dataclass(frozen=True)
class ExtractionSettings:
    """Everything that changes the numbers in a feature file (recorded in each sidecar)."""

    model: str
    model_sha1: str
    levels: tuple[str, ...]
    layers: dict[str, tuple[int, ...]]
    pool: str
    max_seconds: float | None
    codec_window: int = 1024
    codec_overlap: int = 64
    prior_overlap: int | None = None
    stack_layers: bool = False

    def record(self) -> dict[str, Any]:
        """JSON form (tuples as lists), as stored in and compared with sidecars;
        ``stack_layers`` only when set, so sidecars written before it existed still match."""
        out = json.loads(json.dumps(asdict(self)))
        if not self.stack_layers:
            del out["stack_layers"]
        return out


@dataclass
class BatchSummary:
    """What a job over a file or folder did: files written, already done, failed (path, why)."""

    written: int = 0
    skipped_done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def list_inputs(source: Path, pattern: str | None = None, only: Collection[str] | None = None) -> list[tuple[Path, Path]]:
    """``(audio file, path relative to the source)`` for a file or every audio file in a folder.

    Args:
        pattern: keep only files whose relative path matches this glob (e.g. ``*/mix.wav``).
        only: keep only these relative paths (POSIX form).
    """
    if source.is_file():
        return [(source, Path(source.name))]
    if not source.is_dir():
        raise FileNotFoundError(f"no such file or folder: {source}")
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    pairs = [(p, p.relative_to(source)) for p in files]
    if pattern:
        pairs = [(p, r) for p, r in pairs if fnmatch.fnmatch(r.as_posix(), pattern)]
    if only is not None:
        wanted = set(only)
        pairs = [(p, r) for p, r in pairs if r.as_posix() in wanted]
    return pairs


def _differences(old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    if old is None:
        return "no settings recorded (made by an older sonido)"
    keys = sorted(set(old) | set(new))
    return "; ".join(f"{k}: {old.get(k)} -> {new.get(k)}" for k in keys if old.get(k) != new.get(k))


class _Inputs(Dataset):
    """One input per index: paths only, the audio is streamed in the predict step."""

    def __init__(self, inputs: list[tuple[Path, Path]]):
        self.inputs = inputs

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> tuple[Path, Path]:
        return self.inputs[index]


class _Extractor(L.LightningModule):
    """Streams one input per predict step through the model into its sinks."""

    def __init__(self, model: SoniDo, settings: ExtractionSettings, out: Path, summary: BatchSummary, bar, files):
        super().__init__()
        self.codec, self.priors = model.codec, torch.nn.ModuleDict(model.priors)
        self.model, self.settings, self.out, self.summary = model, settings, out, summary
        self.bar, self.files = bar, files  # rich progress and its files task

    def predict_step(self, item: tuple[Path, Path], batch_idx: int) -> str:
        """Extract one input to disk; returns ``written`` or ``failed``."""
        from sonido.features.sinks import FrameSink, MeanSink

        path, rel = item
        target = self.out / rel.with_suffix("")
        s = self.settings
        sink = (MeanSink if s.pool == "mean" else FrameSink)(target.with_suffix(".safetensors"))
        task = None
        try:
            reader = AudioReader(path, self.model.sample_rate, s.max_seconds)
            stream = self.model.stream(s.levels, ALL_LAYERS if s.stack_layers else s.layers, s.prior_overlap,
                                       s.codec_window, s.codec_overlap)  # fmt: skip
            task = AudioTask(self.bar, str(rel), reader.seconds)
            samples = 0
            for block in reader.blocks():
                sink.add({lv: f[0] for lv, f in stream.push(block[None].to(self.device)).items()})
                samples += block.shape[-1]
                task.advance(block.shape[-1] / self.model.sample_rate)
            warn_if_shorter_than_a_frame(samples, self.model.codec.hop_length("top"), self.model.sample_rate, str(path))
            sink.add({lv: f[0] for lv, f in stream.finish().items()})
        except AudioError as err:
            sink.discard()
            log.warning("skipping %s: %s", path, err.problem)
            self.summary.failed.append((str(path), err.problem))
            return "failed"
        except BaseException:
            sink.discard()
            raise
        finally:
            if task is not None:
                task.close()
            self.bar.advance(self.files)
        shapes = sink.shapes()
        target.with_suffix(".json").unlink(missing_ok=True)  # an --overwrite cut short leaves no stale sidecar
        sink.commit()
        atomic_write_json(target.with_suffix(".json"), {
            "settings": s.record(), "source": str(path), "seconds": samples / self.model.sample_rate,
            "levels": {lv: {"layers": list(s.layers[lv]), "frame_rate": self.model.frame_rate(lv), "shape": shapes[lv]}
                       for lv in s.levels},
        })  # fmt: skip
        self.summary.written += 1
        return "written"


def extract_files(
    model: SoniDo,
    source: str | Path,
    out: str | Path,
    levels: tuple[str, ...] = ("top", "mid"),
    layers: tuple[int, ...] | str | None = None,
    pool: str = "mean",
    progress: bool = True,
    pattern: str | None = None,
    only: Collection[str] | None = None,
    max_seconds: float | None = None,
    overwrite: bool = False,
    accelerator: str = "cpu",
    devices: int | str = 1,
    strategy: str = "auto",
) -> BatchSummary:
    """Extract features of every audio file under ``source`` into ``out`` (resumable).

    Args:
        layers: tapped layers (averaged), ``None`` for the model's defaults, or ``"all"``
            to store every layer apart (``[frames, L, D]``).
        pool: ``mean`` stores ``[D]`` per level, ``none`` the frames ``[frames, D]``.
        pattern: glob on paths relative to ``source`` selecting the inputs.
        only: relative paths (POSIX) selecting the inputs.
        max_seconds: use only the first ``max_seconds`` of every input (recorded in the sidecar).
        overwrite: recompute inputs whose existing features were made with other settings
            (otherwise :class:`StaleFeatures` is raised before any work).
        accelerator, devices, strategy: passed to :class:`lightning.Trainer`.

    Raises:
        StaleFeatures: ``out`` holds features of these inputs made with other settings.
        sonido.signals.Interrupted: SIGTERM/SIGINT arrived; finished inputs are kept, the current one left no file.
    """
    if pool not in ("mean", "none"):
        raise ValueError(f"pool must be 'mean' or 'none', got {pool!r}")
    if max_seconds is not None and max_seconds <= 0:
        raise ValueError(f"max_seconds must be positive, got {max_seconds}")
    out = Path(out)
    stream = model.stream(tuple(levels), layers)
    settings = ExtractionSettings(model.name, model.fingerprint(), tuple(levels), stream.layers, pool, max_seconds,
                                  stack_layers=stream.stack)  # fmt: skip
    wanted = settings.record()
    summary, todo, stale = BatchSummary(), [], []
    for path, rel in list_inputs(Path(source), pattern, only):
        sidecar = out / rel.with_suffix(".json")
        if not sidecar.exists():
            todo.append((path, rel))
            continue
        old = json.loads(sidecar.read_text()).get("settings")
        if old == wanted:
            summary.skipped_done += 1
        else:
            stale.append((rel, _differences(old, wanted)))
            todo.append((path, rel))
    if stale and not overwrite:
        listed = "; ".join(f"{rel}: {why}" for rel, why in stale[:3])
        raise StaleFeatures(f"{out} holds features of {len(stale)} of these inputs made with other settings ({listed}); "
                            "recompute them with --overwrite (overwrite=True) or write to another folder")  # fmt: skip
    if not todo:
        return summary
    loader = DataLoader(_Inputs(todo), batch_size=None, num_workers=0)  # one file per step, whatever its length
    quiet_lightning()
    trainer = L.Trainer(
        accelerator=accelerator, devices=devices, strategy=strategy, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False,
    )  # fmt: skip
    with audio_progress(progress) as bar, stop_on_signals():
        files = bar.add_task("files", total=len(todo), rt="", unit="")
        extractor = _Extractor(model, settings, out, summary, bar, files)
        trainer.predict(extractor, loader, return_predictions=False)
    return summary

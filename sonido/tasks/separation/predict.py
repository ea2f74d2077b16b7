"""A trained separator as a file: its checkpoint, and stems from audio of any length.

A separator checkpoint (:func:`save_separator`) holds the network, the task config it was
trained with, its targets and channel count, and — for a boosted one — the SoniDo model
whose features it reads. :func:`separate_file` streams the audio in windows of
``window_seconds`` that overlap by ``overlap_seconds``, separates each (computing its
features when the separator reads them) and cross-fades the windows
(:class:`sonido.audio.OverlapAdd`), writing every target block by block: memory is one
window, whatever the file's length.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from sonido.checkpoint import read_module, save_module
from sonido.tasks.inject import FeatureDims
from sonido.tasks.separation.config import SeparationConfig

CLASS = "Separator"


@dataclass
class Separator:
    """A network with what it needs to run: config, targets, channels, feature model (or ``None``)."""

    model: torch.nn.Module
    cfg: SeparationConfig
    targets: tuple[str, ...]
    channels: int
    feature_model: str | None
    feature_dims: FeatureDims | None


def save_separator(s: Separator, folder: str | os.PathLike, **info) -> Path:
    """Write the checkpoint folder (safetensors + config.json)."""
    config = {"task": s.cfg.to_dict(), "targets": list(s.targets), "channels": s.channels,
              "feature_model": s.feature_model, "feature_dims": s.feature_dims}  # fmt: skip
    return save_module(s.model, folder, CLASS, config, **info)


def load_separator(folder: str | os.PathLike) -> Separator:
    """Rebuild a separator from :func:`save_separator`'s folder (or a name shipped in ``sonido/weights``)."""
    from sonido.tasks.separation.models import build_separator

    config, state = read_module(folder, CLASS)
    cfg = SeparationConfig.from_dict(config["task"])
    targets = tuple(config["targets"])
    model = build_separator(cfg, targets, config["channels"], config["feature_dims"])
    model.load_state_dict(state)
    return Separator(model.eval(), cfg, targets, config["channels"], config["feature_model"], config["feature_dims"])


@torch.no_grad()
def separate_file(s: Separator, path: str | os.PathLike, out_dir: str | os.PathLike, window_seconds: float = 10.0,
                  overlap_seconds: float = 1.0, progress=None) -> dict[str, Path]:  # fmt: skip
    """Write ``OUT_DIR/<target>.wav`` (float WAV at the separator's rate, its channel count)
    for an audio file of any length; each file appears complete or not at all.

    ``progress``: an optional object with ``advance(seconds)`` (see :mod:`sonido.progress`).
    """
    from sonido.audio import OverlapAdd, atomic_audio_writer
    from sonido.audio_reader import AudioReader
    from sonido.tasks.inject import align, extraction_layers

    sr = s.cfg.sample_rate
    sonido_model = None
    if s.feature_model is not None:
        from sonido.model import load_model

        sonido_model = load_model(s.feature_model)
    size = max(1, int(window_seconds * sr))
    hop = size - min(int(overlap_seconds * sr), size - 1)
    ola = OverlapAdd(size, hop)
    out_dir = Path(out_dir)
    paths = {t: out_dir / f"{t}.wav" for t in s.targets}

    def separate(window: torch.Tensor) -> torch.Tensor:  # [C, n] -> [S, C, n]
        feats = None
        if sonido_model is not None:  # aligned to the feature-hop frames the separator was trained on
            f = sonido_model.extract(window.mean(0), sr, layers=extraction_layers(s.model))
            feats = {lv: align(lf.data, window.shape[-1] // s.cfg.feature_hop) for lv, lf in f.items()}
        return s.model(window[None], feats)[0]

    with ExitStack() as stack:
        writers = {t: stack.enter_context(atomic_audio_writer(p, sr, s.channels, "FLOAT")) for t, p in paths.items()}
        buf, total, written, ended = torch.zeros(s.channels, 0), 0, 0, False

        def write(block: torch.Tensor) -> None:  # [S, C, n]; nothing past the file's end (the last window's padding)
            nonlocal written
            n = block.shape[-1] if not ended else max(0, min(block.shape[-1], total - written))
            for i, t in enumerate(s.targets):
                writers[t].write(np.ascontiguousarray(block[i, :, :n].T.numpy()))
            written += n

        blocks = AudioReader(path, sr, channels=s.channels).blocks()
        while True:
            while not ended and buf.shape[-1] < size:
                block = next(blocks, None)
                if block is None:
                    ended = True
                    break
                buf, total = torch.cat([buf, block], -1), total + block.shape[-1]
                if progress is not None:
                    progress.advance(block.shape[-1] / sr)
            last = ended and buf.shape[-1] <= size  # this window reaches the end of the file
            write(ola.push(separate(torch.nn.functional.pad(buf[:, :size], (0, max(0, size - buf.shape[-1]))))))
            if last:
                break
            buf = buf[:, hop:]
        tail = ola.finish()
        if tail is not None:
            write(tail)
    return paths


def separate_files(s: Separator, source: str | os.PathLike, out: str | os.PathLike, progress: bool = True):
    """Stems of an audio file (into ``OUT/``) or of every audio file under a folder (into
    ``OUT/<relative path without extension>/``; a file whose stems all exist is skipped, so
    re-running resumes). Unreadable inputs are skipped and counted. SIGTERM/SIGINT stop
    between windows, leaving no partial file.

    Returns:
        :class:`sonido.features.batch.BatchSummary` (written, already done, failed).
    """
    from sonido.audio import AudioError
    from sonido.audio_reader import AudioReader
    from sonido.features.batch import BatchSummary, list_inputs
    from sonido.progress import AudioTask, audio_progress
    from sonido.signals import stop_on_signals

    source, out = Path(source), Path(out)
    inputs, single, summary = list_inputs(source), source.is_file(), BatchSummary()
    with audio_progress(progress) as bar, stop_on_signals():
        files = bar.add_task("files", total=len(inputs), rt="", unit="")
        for path, rel in inputs:
            target = out if single else out / rel.with_suffix("")
            if not single and all((target / f"{t}.wav").exists() for t in s.targets):
                summary.skipped_done += 1
            else:
                task = None
                try:
                    task = AudioTask(bar, str(rel), AudioReader(path, s.cfg.sample_rate).seconds)
                    separate_file(s, path, target, progress=task)
                    summary.written += 1
                except AudioError as err:
                    summary.failed.append((str(path), err.problem))
                finally:
                    if task is not None:
                        task.close()
            bar.advance(files)
    return summary

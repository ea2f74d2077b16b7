"""A trained mixer as a file: its checkpoint, and a stereo mix of a folder of stems.

:func:`mix_folder` reads every audio file of a folder as one stem (resampled to the
mixer's rate, downmixed to mono, zero-padded to the longest), runs the network over
windows of ``window_seconds`` overlapping by ``overlap_seconds`` (cross-faded with
:class:`sonido.audio.OverlapAdd`; for a boosted mixer the features of each window's
stem downmix are computed on the fly) and writes the mix atomically as float WAV.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from sonido.checkpoint import read_module, save_module
from sonido.tasks.inject import FeatureDims
from sonido.tasks.mixing.config import MixingConfig

CLASS = "Mixer"


@dataclass
class Mixer:
    """A network with what it needs to run: config and feature model (or ``None``)."""

    model: torch.nn.Module
    cfg: MixingConfig
    feature_model: str | None
    feature_dims: FeatureDims | None


def save_mixer(m: Mixer, folder: str | os.PathLike, **info) -> Path:
    config = {"task": m.cfg.to_dict(), "feature_model": m.feature_model, "feature_dims": m.feature_dims}
    return save_module(m.model, folder, CLASS, config, **info)


def load_mixer(folder: str | os.PathLike) -> Mixer:
    """Rebuild a mixer from :func:`save_mixer`'s folder (or a name shipped in ``sonido/weights``)."""
    from sonido.tasks.mixing.models import build_mixer

    config, state = read_module(folder, CLASS)
    cfg = MixingConfig.from_dict(config["task"])
    model = build_mixer(cfg, config["feature_dims"])
    model.load_state_dict(state)
    return Mixer(model.eval(), cfg, config["feature_model"], config["feature_dims"])


@torch.no_grad()
def mix_folder(m: Mixer, stems_dir: str | os.PathLike, out: str | os.PathLike, window_seconds: float = 10.0,
               overlap_seconds: float = 1.0) -> Path:  # fmt: skip
    """Mix every audio file under ``stems_dir`` into ``out`` (stereo float WAV at the mixer's rate).

    Raises:
        AudioError: an unreadable stem (named), or a folder with no audio files.
    """
    from sonido.audio import AudioError, OverlapAdd, atomic_audio_writer, load
    from sonido.features.batch import list_inputs
    from sonido.tasks.inject import align, extraction_layers
    from sonido.tasks.mixing.task import stack_stems

    stems_dir, sr = Path(stems_dir), m.cfg.sample_rate
    if not stems_dir.is_dir():
        raise AudioError(stems_dir, "is not a folder of stems")
    files = [p for p, _ in list_inputs(stems_dir)]
    if not files:
        raise AudioError(stems_dir, "holds no audio files to mix")
    stems = stack_stems([load(p, sr, mono=True)[0][0] for p in files], m.model.size.max_stems)
    sonido_model = None
    if m.feature_model is not None:
        from sonido.model import load_model

        sonido_model = load_model(m.feature_model)
    total = stems.shape[-1]
    size = max(1, int(window_seconds * sr))
    hop = size - min(int(overlap_seconds * sr), size - 1)
    ola, written = OverlapAdd(size, hop), 0
    with atomic_audio_writer(out, sr, 2, "FLOAT") as writer:

        def write(block: torch.Tensor) -> None:
            nonlocal written
            n = max(0, min(block.shape[-1], total - written))
            writer.write(np.ascontiguousarray(block[:, :n].T.numpy()))
            written += n

        for start in range(0, max(1, total - (size - hop)), hop):
            window = torch.nn.functional.pad(stems[:, start : start + size], (0, max(0, start + size - total)))
            feats = None
            if sonido_model is not None:
                f = sonido_model.extract(window.sum(0), sr, layers=extraction_layers(m.model))
                feats = {lv: align(lf.data, size // m.cfg.feature_hop) for lv, lf in f.items()}
            write(ola.push(m.model(window[None], feats)[0]))
        tail = ola.finish()
        if tail is not None:
            write(tail)
    return Path(out)

"""Self-describing checkpoints shared by every model family.

A checkpoint is a folder: ``model.safetensors`` (weights, never pickle) and
``config.json`` ``{"class", "version", "config", "info"}``; both written atomically.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from sonido.fileio import atomic_write_bytes, atomic_write_json

FORMAT_VERSION = 1
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
SHIPPED = ("sonido-small", "sonido-small-gpu", "sonido-tiny")
"""Pretrained models shipped in ``WEIGHTS_DIR/<name>/`` (codec/, prior-top/, prior-mid/)."""
DEFAULT_MODEL = "sonido-small"
"""What ``load_model()``, the CLI and the HEAR API use when no model is named."""
DEFAULT_CONTROL = "small-random"
"""The random-weight control of the default model's architecture (the tasks' control variant)."""
RANDOM = {"tiny-random": "tiny", "small-random": "small"}
"""Random-weight controls (seeded): name -> the codec and prior preset whose architecture they have
(``tiny-random`` is sonido-tiny's, ``small-random`` sonido-small's)."""


def save_module(model: torch.nn.Module, folder: str | os.PathLike, cls: str, config: dict, **info: Any) -> Path:
    """Write ``model``'s state and ``config`` (plus model-card ``info``) to ``folder``."""
    from safetensors.torch import save as st_save

    folder = Path(folder)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    atomic_write_bytes(folder / "model.safetensors", st_save(state))
    atomic_write_json(folder / "config.json", {"class": cls, "version": FORMAT_VERSION, "config": config, "info": info})
    return folder


def read_module(folder: str | os.PathLike, cls: str, map_location: str = "cpu") -> tuple[dict, dict[str, torch.Tensor]]:
    """``(config, state)`` of a checkpoint folder written by :func:`save_module` for ``cls``;
    a name that is not a folder here is looked up among the shipped weights (``sonido/weights/NAME``)."""
    folder = Path(folder)
    shipped = Path(__file__).resolve().parent / "weights" / str(folder)
    if not folder.exists() and shipped.is_dir():
        folder = shipped
    meta_path = folder / "config.json"
    if not meta_path.exists():
        raise FileNotFoundError(f"no {cls} checkpoint at {folder} (expected config.json + model.safetensors)")
    meta = json.loads(meta_path.read_text())
    if meta.get("class") != cls or meta.get("version", 0) > FORMAT_VERSION:
        raise ValueError(f"{meta_path}: not a {cls} checkpoint this sonido can read ({meta.get('class')}, v{meta.get('version')})")
    from safetensors.torch import load_file

    return meta["config"], load_file(str(folder / "model.safetensors"), device=map_location)


def read_info(folder: str | os.PathLike) -> dict[str, Any]:
    """The model-card ``info`` block of a checkpoint folder."""
    return json.loads((Path(folder) / "config.json").read_text()).get("info", {})

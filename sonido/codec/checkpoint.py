"""Self-describing codec checkpoints: ``model.safetensors`` + ``config.json``.

A checkpoint folder loads without the training code. Registered names:
``"sonido-tiny"`` (the pretrained tiny codec shipped in ``sonido/weights/``) and
``"tiny-random"`` (the tiny architecture with seeded random weights, for offline tests).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from sonido.codec.config import HQVAEConfig
from sonido.codec.hqvae import HQVAE
from sonido.fileio import atomic_write_bytes, atomic_write_json

FORMAT_VERSION = 1
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
REGISTRY = {"sonido-tiny": WEIGHTS_DIR / "codec-tiny"}


def save(model: HQVAE, folder: str | os.PathLike, **info: Any) -> Path:
    """Write ``folder/model.safetensors`` and ``folder/config.json`` (both atomically).

    ``info`` (training steps, data, losses...) is stored in the JSON for the model card.
    """
    from safetensors.torch import save as st_save

    folder = Path(folder)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    atomic_write_bytes(folder / "model.safetensors", st_save(state))
    atomic_write_json(
        folder / "config.json",
        {"class": "HQVAE", "version": FORMAT_VERSION, "config": model.config.to_dict(), "info": info},
    )
    return folder


def load(path_or_name: str | os.PathLike, map_location: str = "cpu") -> HQVAE:
    """Rebuild a codec from a checkpoint folder or a registered name, in eval mode."""
    if str(path_or_name) == "tiny-random":
        torch.manual_seed(0)
        return HQVAE(HQVAEConfig.preset("tiny")).eval()
    folder = REGISTRY.get(str(path_or_name), Path(path_or_name))
    meta_path = folder / "config.json"
    if not meta_path.exists():
        known = ", ".join(["tiny-random", *REGISTRY])
        raise FileNotFoundError(f"no codec checkpoint at {folder} (expected config.json + model.safetensors; names: {known})")
    meta = json.loads(meta_path.read_text())
    if meta.get("class") != "HQVAE" or meta.get("version", 0) > FORMAT_VERSION:
        raise ValueError(f"{meta_path}: not a codec checkpoint this sonido can read ({meta.get('class')}, v{meta.get('version')})")
    from safetensors.torch import load_file

    model = HQVAE(HQVAEConfig.from_dict(meta["config"]))
    model.load_state_dict(load_file(str(folder / "model.safetensors"), device=map_location))
    return model.eval()


def info(path_or_name: str | os.PathLike) -> dict[str, Any]:
    """The ``info`` block of a checkpoint (training data, steps, figures)."""
    folder = REGISTRY.get(str(path_or_name), Path(path_or_name))
    return json.loads((folder / "config.json").read_text()).get("info", {})

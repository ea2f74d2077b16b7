"""Codec checkpoints (see :mod:`sonido.checkpoint`) and registered codec names: the
shipped models' codecs (``"sonido-small"``, ``"sonido-tiny"``, in ``sonido/weights/``) and
``"tiny-random"`` / ``"small-random"`` (those architectures with seeded random weights: controls, offline tests).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from sonido.checkpoint import RANDOM, SHIPPED, WEIGHTS_DIR, read_info, read_module, save_module
from sonido.codec.config import HQVAEConfig
from sonido.codec.hqvae import HQVAE

REGISTRY = {name: WEIGHTS_DIR / name / "codec" for name in SHIPPED}


def save(model: HQVAE, folder: str | os.PathLike, **info: Any) -> Path:
    """Write ``folder/model.safetensors`` and ``folder/config.json``; ``info`` feeds the model card."""
    return save_module(model, folder, "HQVAE", model.config.to_dict(), **info)


def _folder(path_or_name: str | os.PathLike) -> Path:
    return REGISTRY.get(str(path_or_name), Path(path_or_name))


def load(path_or_name: str | os.PathLike, map_location: str = "cpu") -> HQVAE:
    """Rebuild a codec from a checkpoint folder or a registered name, in eval mode."""
    if str(path_or_name) in RANDOM:
        torch.manual_seed(0)
        return HQVAE(HQVAEConfig.preset(RANDOM[str(path_or_name)])).eval()
    try:
        config, state = read_module(_folder(path_or_name), "HQVAE", map_location)
    except FileNotFoundError as err:
        raise FileNotFoundError(f"{err}; registered names: {', '.join([*RANDOM, *REGISTRY])}") from None
    model = HQVAE(HQVAEConfig.from_dict(config))
    model.load_state_dict(state)
    return model.eval()


def info(path_or_name: str | os.PathLike) -> dict[str, Any]:
    """The ``info`` block of a checkpoint (training data, steps, figures)."""
    return read_info(_folder(path_or_name))

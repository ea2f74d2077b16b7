"""Prior checkpoints (see :mod:`sonido.checkpoint`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sonido.checkpoint import read_module, save_module
from sonido.prior.prior import Prior, PriorConfig


def save(model: Prior, folder: str | os.PathLike, **info: Any) -> Path:
    return save_module(model, folder, "Prior", model.config.to_dict(), **info)


def load(folder: str | os.PathLike, map_location: str = "cpu") -> Prior:
    config, state = read_module(folder, "Prior", map_location)
    model = Prior(PriorConfig.from_dict(config))
    model.load_state_dict(state)
    return model.eval()

"""Boosted automatic mixing (see :mod:`sonido.tasks.mixing.task`)."""

from sonido.tasks.mixing.config import MixingConfig
from sonido.tasks.mixing.task import Mixing

__all__ = ["Mixing", "MixingConfig"]

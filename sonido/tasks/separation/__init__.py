"""Boosted source separation (see :mod:`sonido.tasks.separation.task`)."""

from sonido.tasks.separation.config import SeparationConfig
from sonido.tasks.separation.targets import TARGETS, group_parts
from sonido.tasks.separation.task import Separation

__all__ = ["TARGETS", "Separation", "SeparationConfig", "group_parts"]

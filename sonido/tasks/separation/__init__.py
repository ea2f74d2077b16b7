"""Boosted source separation (in progress): MUSDB-like targets of the embedded corpus."""

from sonido.tasks.separation.targets import TARGETS, group_parts

__all__ = ["TARGETS", "group_parts"]

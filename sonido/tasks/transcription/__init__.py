"""Boosted music transcription (see :mod:`sonido.tasks.transcription.task`)."""

from sonido.tasks.transcription.config import TranscriptionConfig
from sonido.tasks.transcription.task import Transcription

__all__ = ["Transcription", "TranscriptionConfig"]

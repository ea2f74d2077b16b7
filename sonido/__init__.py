"""sonido: an open music foundation model whose features boost downstream music tasks.

The core import is light (torch, numpy, soundfile, soxr); training, tasks and plotting
import their dependencies lazily.
"""

from sonido.audio import AudioError
from sonido.codec.tokenizer import Tokens
from sonido.features.types import Features, LevelFeatures
from sonido.model import SoniDo, load_model
from sonido.threads import set_threads

__version__ = "0.1.0"
__all__ = ["AudioError", "Features", "LevelFeatures", "SoniDo", "Tokens", "__version__", "load_model", "set_threads"]

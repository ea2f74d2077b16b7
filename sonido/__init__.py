"""sonido: an open music foundation model whose features boost downstream music tasks.

The core import is light (torch, numpy, soundfile, soxr); training, tasks and plotting
import their dependencies lazily.
"""

from sonido.audio import AudioError

__version__ = "0.1.0"
__all__ = ["AudioError", "__version__"]

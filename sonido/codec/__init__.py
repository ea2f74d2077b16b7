"""The HQ-VAE codec: audio <-> three token streams (top 128x, mid 32x, bottom 8x)."""

from sonido.codec.checkpoint import load, save
from sonido.codec.config import HQVAEConfig
from sonido.codec.hqvae import HQVAE, HQVAEOutput
from sonido.codec.tokenizer import LEVELS, Tokenizer, Tokens

__all__ = ["HQVAE", "LEVELS", "HQVAEConfig", "HQVAEOutput", "Tokenizer", "Tokens", "load", "save"]

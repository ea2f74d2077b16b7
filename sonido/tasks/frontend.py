"""What every task reads of an item's audio: its first seconds, mono, and their log-mel."""

from __future__ import annotations

import numpy as np

from sonido.data.datasets.base import Dataset, Item


def first_seconds(dataset: Dataset, item: Item, sample_rate: int, seconds: float, pad: bool = False) -> np.ndarray:
    """The item's first ``seconds`` as mono float32 ``[T]`` at ``sample_rate`` (zero-padded to
    exactly ``seconds`` with ``pad``); raises :class:`sonido.AudioError` for unreadable audio."""
    audio, _ = dataset.load(item, sample_rate=sample_rate, mono=True)
    n = int(round(seconds * sample_rate))
    x = audio[0, :n].numpy()
    return np.pad(x, (0, n - x.size)) if pad else x


def log_mel(x: np.ndarray, sample_rate: int, n_mels: int = 128, n_fft: int = 2048, hop: int = 512) -> np.ndarray:
    """Power mel spectrogram in dB (librosa): ``[T]`` -> ``[n_mels, 1 + T // hop]``."""
    import librosa

    mel = librosa.feature.melspectrogram(y=x, sr=sample_rate, n_fft=n_fft, hop_length=hop, n_mels=n_mels)
    return 10 * np.log10(mel + 1e-8)

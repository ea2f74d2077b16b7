import numpy as np

from sonido.data.datasets import open_dataset
from sonido.tasks.frontend import first_seconds, log_mel


def test_first_seconds_crops_and_pads(mini_corpus):
    ds = open_dataset("embedded-corpus", mini_corpus)
    item = ds[0]  # 2 s at 22.05 kHz
    assert first_seconds(ds, item, 22050, 1.0).shape == (22050,)
    assert first_seconds(ds, item, 22050, 5.0).shape == (44100,)
    padded = first_seconds(ds, item, 22050, 5.0, pad=True)
    assert padded.shape == (110250,) and padded.dtype == np.float32 and not padded[44100:].any()


def test_log_mel_frames_and_scale():
    t = np.arange(22050) / 22050
    mel = log_mel((0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050, n_mels=64, n_fft=1024, hop=512)
    assert mel.shape == (64, 1 + 22050 // 512)
    assert mel.max() > 0 > mel.min() >= -80.001  # dB, floored at a power of 1e-8

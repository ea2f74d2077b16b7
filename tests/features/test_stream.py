import numpy as np
import pytest
import soundfile as sf
import torch

import sonido
from sonido.audio import load
from sonido.audio_reader import AudioReader


@pytest.fixture(scope="module")
def model():
    return sonido.load_model("tiny-random")


def test_streamed_features_equal_in_memory_ones(tmp_path, model):
    """Blocks much smaller than a codec window, a file longer than a prior context."""
    rng = np.random.default_rng(0)
    t = np.arange(14 * 22050) / 22050
    x = 0.2 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(t)) + 0.02 * rng.standard_normal(t.size)
    sf.write(str(tmp_path / "long.wav"), x.astype(np.float32), 22050, subtype="FLOAT")
    stream = model.stream(("top", "mid"), layers=(1, 3))
    blocks = AudioReader(tmp_path / "long.wav", 22050, block_seconds=0.7).blocks()
    parts = [stream.push(b[None]) for b in blocks] + [stream.finish()]
    whole = model.extract(*load(tmp_path / "long.wav"), layers=(1, 3))
    for lv in ("top", "mid"):
        got = torch.cat([p[lv] for p in parts if lv in p], dim=1)
        assert got.shape == whole[lv].data.shape and got.shape[1] > model.priors[lv].config.context
        torch.testing.assert_close(got, whole[lv].data)
    assert stream.layers == {"top": (1, 3), "mid": (1, 3)}

import numpy as np
import pytest
import soundfile as sf
import torch

from sonido.audio import AudioError, load
from sonido.audio_reader import AudioReader


def _stereo(path, seconds, rate):
    t = np.arange(int(seconds * rate)) / rate
    x = np.stack([0.3 * np.sin(2 * np.pi * 330 * t), 0.2 * np.sin(2 * np.pi * 550 * t)], axis=1)
    sf.write(str(path), x.astype(np.float32), rate)
    return path


def test_blocks_equal_loading_resampled_and_downmixed(tmp_path):
    path = _stereo(tmp_path / "s.flac", 5.0, 44100)
    streamed = torch.cat(list(AudioReader(path, 22050, block_seconds=0.3).blocks()), dim=-1)
    loaded, _ = load(path, sample_rate=22050, mono=True)
    assert abs(streamed.shape[-1] - loaded.shape[-1]) <= 1
    n = min(streamed.shape[-1], loaded.shape[-1])
    assert (streamed[:, :n] - loaded[:, :n]).abs().max() < 1e-3


def test_same_rate_blocks_are_exact_and_capped(tmp_path):
    path = _stereo(tmp_path / "s.wav", 3.0, 22050)
    reader = AudioReader(path, 22050, max_seconds=1.0, block_seconds=0.25)
    assert reader.seconds == pytest.approx(1.0)
    streamed = torch.cat(list(reader.blocks()), dim=-1)
    torch.testing.assert_close(streamed, load(path, mono=True)[0][:, :22050])


def test_bad_input_is_an_audio_error(tmp_path):
    with pytest.raises(AudioError, match="empty file"):
        AudioReader(tmp_path.joinpath("e.wav").touch() or tmp_path / "e.wav", 22050)
    x = np.zeros((22050, 1), dtype=np.float32)
    x[15000] = np.nan
    sf.write(str(tmp_path / "n.wav"), x, 22050, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN"):
        list(AudioReader(tmp_path / "n.wav", 22050, block_seconds=0.5).blocks())

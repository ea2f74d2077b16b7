import struct

import numpy as np
import pytest
import soundfile as sf
import torch

from sonido import AudioError
from sonido.audio import chunk, downmix, load, overlap_add, resample, save


def test_load_shape_rate_and_dtype(tmp_path, tone):
    audio, rate = load(tone(tmp_path / "a.wav", seconds=0.5, rate=16000, channels=2))
    assert audio.shape == (2, 8000) and rate == 16000 and audio.dtype == torch.float32


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
def test_load_formats(tmp_path, tone, ext):
    audio, rate = load(tone(tmp_path / f"a.{ext}", seconds=1.0, rate=22050, channels=2))
    assert audio.shape[0] == 2 and rate == 22050
    assert abs(audio.shape[1] - 22050) < 2400  # mp3 adds encoder padding


def test_load_mono_and_resample(tmp_path, tone):
    audio, rate = load(tone(tmp_path / "a.wav", seconds=1.0, rate=44100, channels=2), sample_rate=22050, mono=True)
    assert audio.shape == (1, 22050) and rate == 22050
    # The two channels (440 Hz and 880 Hz tones) both survive the downmix and resampling.
    spectrum = np.abs(np.fft.rfft(audio[0].numpy()))  # 1 Hz bins
    assert set(np.argsort(spectrum)[-2:]) == {440, 880}

def test_resample_preserves_frequency():
    t = torch.arange(48000) / 48000
    x = torch.sin(2 * np.pi * 1000 * t)[None]
    y = resample(x, 48000, 16000)
    assert y.shape == (1, 16000)
    assert np.argmax(np.abs(np.fft.rfft(y[0].numpy()))) == 1000


def test_downmix_shapes():
    assert downmix(torch.ones(2, 10)).shape == (1, 10)
    assert downmix(torch.ones(3, 2, 10)).shape == (3, 1, 10)
    with pytest.raises(AudioError):
        downmix(torch.ones(10))


def test_save_roundtrip_and_atomic(tmp_path):
    x = (torch.rand(2, 1000) - 0.5) * 0.5
    path = save(tmp_path / "out" / "x.wav", x, 8000, subtype="FLOAT")
    y, rate = load(path)
    assert rate == 8000 and torch.equal(x, y)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["x.wav"]  # no temp left


def test_save_rejects_nan_and_keeps_old_file(tmp_path):
    path = save(tmp_path / "x.wav", torch.zeros(1, 100), 8000)
    before = path.read_bytes()
    with pytest.raises(AudioError, match="NaN"):
        save(path, torch.full((1, 100), float("nan")), 8000)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.wav"]


def test_save_rejects_bad_shapes(tmp_path):
    with pytest.raises(AudioError, match="channels"):
        save(tmp_path / "x.wav", torch.zeros(1000, 2), 8000)
    with pytest.raises(AudioError, match="sample rate"):
        save(tmp_path / "x.wav", torch.zeros(1, 10), 0)


# --- every AudioError case, on files written here ---------------------------------


def _wav_header(rate: int, channels: int, frames: int, declared_bytes: int | None = None) -> bytes:
    data_bytes = frames * channels * 2
    declared = data_bytes if declared_bytes is None else declared_bytes
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * 2, channels * 2, 16)
    return (
        b"RIFF" + struct.pack("<I", 36 + declared) + b"WAVE"
        + b"fmt " + struct.pack("<I", 16) + fmt
        + b"data" + struct.pack("<I", declared)
    )  # fmt: skip


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="no such file") as err:
        load(tmp_path / "nope.wav")
    assert "nope.wav" in str(err.value)


def test_empty_file(tmp_path):
    (tmp_path / "e.wav").write_bytes(b"")
    with pytest.raises(AudioError, match="empty file"):
        load(tmp_path / "e.wav")


def test_zero_length_audio(tmp_path):
    (tmp_path / "z.wav").write_bytes(_wav_header(8000, 1, 0))
    with pytest.raises(AudioError, match="no samples"):
        load(tmp_path / "z.wav")


def test_corrupt_header(tmp_path):
    (tmp_path / "c.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunkjunk" + bytes(100))
    with pytest.raises(AudioError, match="corrupt header|unsupported") as err:
        load(tmp_path / "c.wav")
    assert "c.wav" in str(err.value)


def test_truncated_data(tmp_path):
    body = np.zeros(1000, dtype=np.int16).tobytes()
    (tmp_path / "t.wav").write_bytes(_wav_header(8000, 1, 1000, declared_bytes=8000) + body)
    with pytest.raises(AudioError, match="truncated"):
        load(tmp_path / "t.wav")


def test_truncated_flac(tmp_path, tone):
    path = tone(tmp_path / "t.flac", seconds=2.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioError, match="truncated|decode"):
        load(path)


def test_nan_samples(tmp_path):
    x = np.zeros((100, 1), dtype=np.float32)
    x[50] = np.nan
    sf.write(str(tmp_path / "n.wav"), x, 8000, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN"):
        load(tmp_path / "n.wav")


def test_inf_samples(tmp_path):
    x = np.zeros((100, 1), dtype=np.float32)
    x[3] = np.inf
    sf.write(str(tmp_path / "i.wav"), x, 8000, subtype="FLOAT")
    with pytest.raises(AudioError, match="Inf"):
        load(tmp_path / "i.wav")


def test_too_many_channels(tmp_path):
    sf.write(str(tmp_path / "m.wav"), np.zeros((100, 9), dtype=np.float32), 8000)
    with pytest.raises(AudioError, match="9 channels"):
        load(tmp_path / "m.wav")


@pytest.mark.parametrize("name", ["x.wav", "x.mp3", "x.flac"])
def test_text_named_as_audio_says_so_quietly(tmp_path, capfd, name):
    (tmp_path / name).write_text("this is not audio at all, just some text " * 10)
    with pytest.raises(AudioError, match="not an audio file: it holds text"):
        load(tmp_path / name)
    assert capfd.readouterr().err == ""  # no decoder notes on the terminal


def test_binary_junk_is_not_audio(tmp_path):
    (tmp_path / "x.ogg").write_bytes(bytes(range(200, 256)) * 4)
    with pytest.raises(AudioError, match="no audio format begins with"):
        load(tmp_path / "x.ogg")


def test_unsupported_format(tmp_path):
    (tmp_path / "x.wav").write_bytes(b"RIFF" + b"\x00" * 60)  # a RIFF that is no WAVE
    with pytest.raises(AudioError, match="unsupported format"):
        load(tmp_path / "x.wav")


def test_sample_rate_zero(tmp_path):
    body = np.zeros(100, dtype=np.int16).tobytes()
    (tmp_path / "r.wav").write_bytes(_wav_header(0, 1, 100) + body)
    with pytest.raises(AudioError, match="sample rate|corrupt header"):
        load(tmp_path / "r.wav")


def test_directory_is_not_audio(tmp_path):
    with pytest.raises(AudioError, match="directory"):
        load(tmp_path)


# --- chunking ---------------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 99, 100, 101, 1000, 1234])
@pytest.mark.parametrize("size,overlap", [(100, 0), (100, 25), (64, 63)])
def test_chunk_overlap_add_is_exact(length, size, overlap):
    x = torch.randn(2, 3, length)
    c = chunk(x, size, overlap)
    assert c.frames.shape[:2] == (2, 3) and c.frames.shape[-1] == size
    assert (c.frames.shape[-2] - 1) * c.hop + size >= length
    y = overlap_add(c.frames, c.hop, c.length)
    assert y.shape == x.shape
    torch.testing.assert_close(y, x)  # float32 rounding only


def test_overlap_add_blends_seams():
    # Windows that disagree (0 then 1) cross-fade monotonically across the overlap.
    frames = torch.stack([torch.zeros(8), torch.ones(8)])[None]  # [1, 2, 8]
    y = overlap_add(frames, hop=4, length=12)[0]
    assert torch.all(y[:4] == 0) and torch.all(y[8:] == 1)
    assert torch.all(torch.diff(y[3:9]) > 0)


def test_chunk_rejects_bad_arguments():
    with pytest.raises(ValueError):
        chunk(torch.zeros(10), 10, 10)
    with pytest.raises(AudioError):
        chunk(torch.zeros(0), 10, 2)

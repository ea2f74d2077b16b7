"""Reading audio of any length from disk in blocks: mono, resampled, checked, bounded memory.

:func:`sonido.audio.load` reads a whole file; :class:`AudioReader` gives the same signal
(downmixed, resampled with soxr's streaming resampler at the same quality) one block at
a time, so hours-long files cost the memory of one block. The checks of ``load`` apply:
the header is validated before the first block, non-finite samples and a FLAC/AIFF file
shorter than its header raise :class:`~sonido.audio.AudioError` when reached.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch

from sonido.audio import AudioError, _wav_truncation, decoder_quiet, info


class AudioReader:
    """Blocks of one audio file as ``[channels, n]`` float32 tensors at ``sample_rate``.

    Args:
        path: the file.
        sample_rate: output rate (resampled with soxr VHQ, as :func:`sonido.audio.load`).
        max_seconds: stop after this much audio (of the file's own time).
        block_seconds: audio read per block (of the file's own time).
        channels: 1 downmixes to mono; 2 gives stereo (a mono file duplicated; a file with
            more channels is refused).
    """

    def __init__(self, path: str | os.PathLike, sample_rate: int, max_seconds: float | None = None,
                 block_seconds: float = 30.0, channels: int = 1):  # fmt: skip
        self.path = Path(path)
        meta = info(self.path)
        if meta.frames == 0:
            raise AudioError(self.path, "contains no samples (zero-length audio)")
        if meta.format in ("WAV", "WAVEX"):
            problem = _wav_truncation(self.path)
            if problem:
                raise AudioError(self.path, problem)
        if channels not in (1, 2):
            raise ValueError(f"channels must be 1 or 2, got {channels}")
        if channels == 2 and meta.channels > 2:
            raise AudioError(self.path, f"{meta.channels} channels; expected mono or stereo")
        self.meta, self.sample_rate, self.channels = meta, int(sample_rate), channels
        self.in_frames = meta.frames if max_seconds is None else min(meta.frames, int(round(max_seconds * meta.samplerate)))
        self.block = max(1, int(block_seconds * meta.samplerate))

    @property
    def seconds(self) -> float:
        """Length of the audio that will be read (an estimate for mp3/ogg, whose headers estimate)."""
        return self.in_frames / self.meta.samplerate

    def blocks(self) -> Iterator[torch.Tensor]:
        """Yield consecutive ``[channels, n]`` blocks at ``sample_rate`` until the (capped) end."""
        rate = self.meta.samplerate
        stream = None if rate == self.sample_rate else soxr.ResampleStream(rate, self.sample_rate, self.channels,
                                                                            dtype="float32", quality="VHQ")  # fmt: skip
        read = 0
        try:
            with decoder_quiet(self.path):
                f = sf.SoundFile(str(self.path))
            with f:
                while read < self.in_frames:
                    want = min(self.block, self.in_frames - read)
                    with decoder_quiet(self.path):
                        data = f.read(want, dtype="float32", always_2d=True)  # [n, C]
                    if data.shape[0] == 0 and read == 0:
                        raise AudioError(self.path, "contains no samples (zero-length audio)")
                    if not np.isfinite(data).all():
                        raise AudioError(self.path, f"contains NaN or Inf samples (near {read / rate:.1f} s)")
                    last = data.shape[0] < want or read + data.shape[0] >= self.in_frames
                    read += data.shape[0]
                    if self.channels == 1:
                        data = data.mean(axis=1, keepdims=True)
                    elif data.shape[1] == 1:
                        data = np.repeat(data, 2, axis=1)
                    if stream is not None:
                        data = stream.resample_chunk(np.ascontiguousarray(data), last=last).reshape(-1, self.channels)
                    if len(data):
                        yield torch.from_numpy(np.ascontiguousarray(data.T, dtype=np.float32))
                    if last:
                        break
        except (sf.LibsndfileError, RuntimeError) as err:
            raise AudioError(self.path, f"cannot decode samples ({err})") from None
        if self.meta.format in ("FLAC", "AIFF") and read < self.in_frames:
            raise AudioError(self.path, f"truncated data: {read} of {self.meta.frames} frames readable")

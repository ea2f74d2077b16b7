"""Audio I/O: load, save, resample, downmix, and windowed chunking with overlap-add.

Shapes: a waveform is ``[C, T]`` (channels, samples); batched audio is ``[B, C, T]``.
Every failure to read or write audio raises :class:`AudioError`, whose message names the
file and the problem, never a bare error from libsndfile.
"""

from __future__ import annotations

import os
import struct
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch

from sonido.fileio import default_file_mode

MAX_CHANNELS = 8
"""More channels than this is treated as a mistake (e.g. a transposed array)."""
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff"}
"""File suffixes treated as audio when a folder is scanned."""


class AudioError(Exception):
    """Audio that cannot be read, written or used; the message names the file and why."""

    def __init__(self, path: str | os.PathLike | None, problem: str):
        self.path = None if path is None else str(path)
        self.problem = problem
        super().__init__(problem if path is None else f"{path}: {problem}")


def _wav_truncation(path: Path) -> str | None:
    """Return a message if a RIFF/WAVE file's data chunk is shorter than its header says.

    libsndfile silently reads what is there, so a cut-off download would otherwise load
    as a shorter clip.
    """
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        size = path.stat().st_size
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return None
            cid, clen = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"data":
                have = size - f.tell()
                # 0 and 0xFFFFFFFF mark streamed files whose size was never filled in.
                if clen not in (0, 0xFFFFFFFF) and have < clen:
                    return f"truncated data: header declares {clen} bytes of samples, file holds {have}"
                return None
            f.seek(clen + (clen & 1), os.SEEK_CUR)


_MAGIC = (b"RIFF", b"RIFX", b"RF64", b"fLaC", b"OggS", b"FORM", b"ID3", b"caff", b".snd", b"wvpk")


def _not_audio(path: Path) -> str | None:
    """A message if the file's first bytes match no audio container (e.g. text named ``.mp3``)."""
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(_MAGIC) or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):  # MPEG frame sync
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return f"not an audio file: its content starts with bytes {head[:8]!r}, which no audio format begins with"
    if text.isprintable() or all(c.isprintable() or c.isspace() for c in text):
        return f"not an audio file: it holds text ({text[:24]!r}...) despite its {path.suffix or 'missing'} extension"
    return f"not an audio file: its content starts with {head[:8]!r}, which no audio format begins with"


@contextmanager
def decoder_quiet(path: str | os.PathLike) -> Iterator[None]:
    """Keep libmpg123's notes (printed by the C library on stderr) off the terminal while
    an mp3 is opened or read; other formats are left alone."""
    if Path(path).suffix.lower() != ".mp3":
        yield
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def info(path: str | os.PathLike) -> sf._SoundFileInfo:
    """Header information (rate, channels, frames) of an audio file, with clear errors."""
    path = Path(path)
    if not path.exists():
        raise AudioError(path, "no such file")
    if path.is_dir():
        raise AudioError(path, "is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")
    problem = _not_audio(path)
    if problem:
        raise AudioError(path, problem)
    try:
        with decoder_quiet(path):
            meta = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError) as err:
        raise AudioError(path, f"unsupported format or corrupt header ({err})") from None
    if meta.samplerate <= 0:
        raise AudioError(path, f"invalid sample rate {meta.samplerate}")
    if meta.channels <= 0:
        raise AudioError(path, "header declares no channels")
    if meta.channels > MAX_CHANNELS:
        raise AudioError(path, f"{meta.channels} channels; at most {MAX_CHANNELS} are supported")
    return meta


def load(
    path: str | os.PathLike, sample_rate: int | None = None, mono: bool = False
) -> tuple[torch.Tensor, int]:
    """Read an audio file (wav, flac, ogg, mp3, ... whatever libsndfile reads).

    Args:
        path: the file.
        sample_rate: resample to this rate (soxr, high quality); ``None`` keeps the file's.
        mono: average the channels into one.

    Returns:
        ``(audio, rate)``: float32 tensor ``[C, T]`` (``C == 1`` if ``mono``) and its rate.

    Raises:
        AudioError: missing, empty, corrupt, truncated, non-finite or >8-channel audio.
    """
    path = Path(path)
    meta = info(path)
    if meta.frames == 0:
        raise AudioError(path, "contains no samples (zero-length audio)")
    if meta.format == "WAV" or meta.format == "WAVEX":
        problem = _wav_truncation(path)
        if problem:
            raise AudioError(path, problem)
    try:
        with decoder_quiet(path):
            data, rate = sf.read(str(path), dtype="float32", always_2d=True)  # [T, C]
    except (sf.LibsndfileError, RuntimeError) as err:
        raise AudioError(path, f"cannot decode samples ({err})") from None
    if data.shape[0] == 0:
        raise AudioError(path, "contains no samples (zero-length audio)")
    # Some containers (mp3, ogg) only estimate their length: only a WAV/FLAC shortfall counts.
    if meta.format in ("FLAC", "AIFF") and 0 < meta.frames and data.shape[0] < meta.frames:
        raise AudioError(path, f"truncated data: {data.shape[0]} of {meta.frames} frames readable")
    if not np.isfinite(data).all():
        raise AudioError(path, "contains NaN or Inf samples")
    audio = torch.from_numpy(np.ascontiguousarray(data.T))  # [C, T]
    if mono:
        audio = downmix(audio)
    if sample_rate is not None and sample_rate != rate:
        audio = resample(audio, rate, sample_rate)
        rate = sample_rate
    return audio, int(rate)


class _AudioWriter:
    """Blocks ``[T]`` or ``[T, C]`` written to an open sound file, refusing NaN/Inf."""

    def __init__(self, handle: sf.SoundFile, path: Path):
        self.handle, self.path = handle, path

    def write(self, block: np.ndarray) -> None:
        if not np.isfinite(block).all():
            raise AudioError(self.path, "refusing to write NaN or Inf samples")
        self.handle.write(block)


@contextmanager
def atomic_audio_writer(path: str | os.PathLike, sample_rate: int, channels: int = 1,
                        subtype: str | None = None) -> Iterator[_AudioWriter]:  # fmt: skip
    """Write audio block by block into a temp file that is renamed to ``path`` when the
    block ends without error; on an error or interruption nothing is left behind.

    ``subtype`` is a libsndfile subtype (``"PCM_16"``, ``"FLOAT"``, ...); the default is
    the format's default (16-bit PCM for WAV).
    """
    path = Path(path)
    if sample_rate <= 0:
        raise AudioError(path, f"invalid sample rate {sample_rate}")
    if not 0 < channels <= MAX_CHANNELS:
        raise AudioError(path, f"{channels} channels; expected 1 to {MAX_CHANNELS}")
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temp name keeps the extension: soundfile picks the format from it.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    os.chmod(tmp, default_file_mode())
    try:
        try:
            handle = sf.SoundFile(tmp, "w", sample_rate, channels, subtype=subtype)
        except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as err:
            raise AudioError(path, f"cannot write ({err})") from None
        with handle:
            yield _AudioWriter(handle, path)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save(
    path: str | os.PathLike,
    audio: torch.Tensor | np.ndarray,
    sample_rate: int,
    subtype: str | None = None,
) -> Path:
    """Write ``audio`` ``[C, T]`` (or ``[T]``) atomically: a temp file, then a rename.

    A reader never sees a half-written file, and an interrupted write leaves any earlier
    file in place. ``subtype`` is a libsndfile subtype (``"PCM_16"``, ``"FLOAT"``, ...);
    the default is the format's default (16-bit PCM for WAV).
    """
    path = Path(path)
    data = audio.detach().cpu().numpy() if isinstance(audio, torch.Tensor) else np.asarray(audio)
    if data.ndim == 1:
        data = data[None]
    if data.ndim != 2:
        raise AudioError(path, f"expected audio [C, T] or [T], got shape {tuple(data.shape)}")
    if data.shape[0] > MAX_CHANNELS:
        raise AudioError(path, f"{data.shape[0]} channels; expected [C, T] with C <= {MAX_CHANNELS}")
    with atomic_audio_writer(path, sample_rate, data.shape[0], subtype) as out:
        out.write(data.T)
    return path


def resample(audio: torch.Tensor, orig_rate: int, target_rate: int) -> torch.Tensor:
    """Resample ``[..., T]`` from ``orig_rate`` to ``target_rate`` with soxr (VHQ)."""
    if orig_rate <= 0 or target_rate <= 0:
        raise AudioError(None, f"invalid sample rates {orig_rate} -> {target_rate}")
    if orig_rate == target_rate:
        return audio
    lead = audio.shape[:-1]
    flat = audio.reshape(-1, audio.shape[-1]).detach().cpu().numpy().astype(np.float32)  # [N, T]
    out = soxr.resample(flat.T, orig_rate, target_rate, quality="VHQ")  # [T', N]
    out = np.ascontiguousarray(np.asarray(out, dtype=np.float32).reshape(-1, flat.shape[0]).T)
    return torch.from_numpy(out).reshape(*lead, -1).to(audio.device)


def downmix(audio: torch.Tensor) -> torch.Tensor:
    """Average channels: ``[C, T] -> [1, T]`` or ``[B, C, T] -> [B, 1, T]``."""
    if audio.dim() not in (2, 3):
        raise AudioError(None, f"downmix expects [C, T] or [B, C, T], got shape {tuple(audio.shape)}")
    return audio.mean(dim=-2, keepdim=True)


@dataclass(frozen=True)
class Chunks:
    """Overlapping windows cut from a signal by :func:`chunk`.

    Attributes:
        frames: ``[..., N, size]`` the windows (the last one zero-padded).
        hop: distance between window starts, in samples.
        length: the original signal length ``T``.
    """

    frames: torch.Tensor
    hop: int
    length: int

    @property
    def size(self) -> int:
        return self.frames.shape[-1]


def chunk(audio: torch.Tensor, size: int, overlap: int) -> Chunks:
    """Cut ``audio [..., T]`` into windows of ``size`` samples overlapping by ``overlap``.

    Windows start at ``0, hop, 2·hop, ...`` with ``hop = size - overlap``, and cover the
    whole signal (the tail is zero-padded). A signal of at most ``size`` samples gives
    one window.
    """
    if size <= 0 or overlap < 0 or overlap >= size:
        raise ValueError(f"need size > overlap >= 0, got size={size}, overlap={overlap}")
    length = audio.shape[-1]
    if length == 0:
        raise AudioError(None, "cannot chunk zero-length audio")
    hop = size - overlap
    n = max(1, -(-(length - overlap) // hop)) if length > size else 1
    padded = torch.nn.functional.pad(audio, (0, (n - 1) * hop + size - length))
    frames = padded.unfold(-1, size, hop)  # [..., N, size]
    return Chunks(frames=frames.contiguous(), hop=hop, length=length)


class OverlapAdd:
    """:func:`overlap_add` for windows that arrive one at a time: each :meth:`push` returns
    the samples no later window can change, so memory holds one window.

    Args:
        size: window length in samples.
        hop: distance between window starts (``size - hop`` samples are cross-faded).
    """

    def __init__(self, size: int, hop: int):
        if not 0 < hop <= size:
            raise ValueError(f"need 0 < hop <= size, got hop={hop}, size={size}")
        self.size, self.hop = size, hop
        overlap = size - hop
        self.ramp = torch.ones(size)
        if overlap > 0:
            fade = torch.arange(1, overlap + 1, dtype=torch.float32) / (overlap + 1)
            self.ramp[:overlap] = fade
            self.ramp[-overlap:] = torch.minimum(self.ramp[-overlap:], fade.flip(0))
        self._acc: torch.Tensor | None = None  # [..., size - hop] weighted sum of what is pending
        self._weight = torch.zeros(overlap)

    def push(self, frame: torch.Tensor) -> torch.Tensor:
        """Add window ``[..., size]``; returns the ``hop`` samples it completes ``[..., hop]``."""
        ramp = self.ramp.to(frame.dtype).to(frame.device)
        acc = frame.new_zeros(frame.shape)
        weight = self._weight.to(frame.dtype).to(frame.device)
        if self._acc is not None:
            acc[..., : self._acc.shape[-1]] += self._acc
        acc += frame * ramp
        weight = torch.cat([weight, weight.new_zeros(self.hop)]) + ramp
        self._acc, self._weight = acc[..., self.hop :], weight[self.hop :]
        return acc[..., : self.hop] / weight[: self.hop]

    def finish(self) -> torch.Tensor | None:
        """The cross-faded tail after the last window, ``[..., size - hop]`` (``None`` if none)."""
        if self._acc is None or self._acc.shape[-1] == 0:
            return None
        return self._acc / self._weight.to(self._acc.dtype).to(self._acc.device)


def overlap_add(frames: torch.Tensor, hop: int, length: int) -> torch.Tensor:
    """Inverse of :func:`chunk`: cross-fade windows ``[..., N, size]`` back into ``[..., T]``.

    Overlaps are blended with linear cross-fades whose weights are normalised to sum to
    one at every sample, so chunking then overlap-adding unprocessed windows returns
    the signal exactly; processed windows are blended smoothly across the seams.
    """
    ola = OverlapAdd(frames.shape[-1], hop)
    parts = [ola.push(frames[..., i, :]) for i in range(frames.shape[-2])]
    tail = ola.finish()
    return torch.cat(parts + ([tail] if tail is not None else []), dim=-1)[..., :length]

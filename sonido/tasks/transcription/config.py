"""The transcription task's typed config (set from the CLI with ``--set key=value``)."""

from __future__ import annotations

from dataclasses import dataclass

from sonido.configbase import ConfigBase


@dataclass(frozen=True)
class TranscriptionConfig(ConfigBase):
    """Front end, model, training budget and note decoding.

    Attributes:
        sample_rate, n_fft, hop, n_mels: the log-mel front end (librosa); hop 256 at
            22.05 kHz is 86.1 frames/s (11.6 ms, finer than mir_eval's 50 ms onset window).
        pitches: ``all`` (128 MIDI pitches, multi-instrument) or ``piano`` (88 keys).
        arch: ``probe`` (the paper's one-layer back end) or ``crnn`` (small Onsets and Frames).
        probe: ``linear`` or ``bigru`` (see :class:`~sonido.tasks.transcription.models.ProbeTranscriber`).
        feature_dim: width the features are projected to before fusion.
        hidden, channels, width: recurrent and convolutional sizes.
        chunk_frames: training chunk length in frames (256 ≈ 3 s).
        samples_per_epoch, batch_size, lr, weight_decay, max_epochs, patience: training.
        pos_weight: weight of the positive frames in the BCE: a sounding note fills well under
            1 % of a 128-pitch roll, and with minutes (not days) of training an unweighted loss
            settles on silence; the decoding thresholds are chosen on validation anyway.
        thresholds: onset and frame thresholds searched on the validation split.
    """

    sample_rate: int = 22050
    n_fft: int = 2048
    hop: int = 256
    n_mels: int = 128
    pitches: str = "all"
    arch: str = "probe"
    probe: str = "linear"
    feature_dim: int = 64
    hidden: int = 64
    channels: int = 16
    width: int = 128
    chunk_frames: int = 256
    samples_per_epoch: int = 256
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 1e-4
    max_epochs: int = 30
    patience: int = 4
    pos_weight: float = 10.0
    thresholds: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / self.hop

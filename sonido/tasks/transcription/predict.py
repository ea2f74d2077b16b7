"""A trained transcriber as a file: its checkpoint, and MIDI from audio of any length.

A transcriber checkpoint (:func:`save_transcriber`) holds the network, the task config it
was trained with, the decoding thresholds chosen on validation, and — for a boosted one —
the SoniDo model whose features it reads. :func:`transcribe_file` streams the audio in
windows (``window_seconds`` plus ``margin_seconds`` of context on each side), computes the
log-mel (and the features) of each window, keeps the centre frames' probabilities and feeds
them to the streaming :class:`~sonido.tasks.transcription.notes.NoteDecoder`: memory is one
window, whatever the file's length.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from sonido.checkpoint import read_module, save_module
from sonido.tasks.inject import FeatureDims
from sonido.tasks.transcription.config import TranscriptionConfig
from sonido.tasks.transcription.notes import NoteDecoder, PitchRange

CLASS = "Transcriber"


@dataclass
class Transcriber:
    """A network with what it needs to run: config, thresholds, feature model (or ``None``)."""

    model: torch.nn.Module
    cfg: TranscriptionConfig
    onset_threshold: float
    frame_threshold: float
    feature_model: str | None
    feature_dims: FeatureDims | None
    use_mel: bool


def save_transcriber(t: Transcriber, folder: str | os.PathLike, **info) -> Path:
    """Write the checkpoint folder (safetensors + config.json)."""
    config = {"task": t.cfg.to_dict(), "onset_threshold": t.onset_threshold, "frame_threshold": t.frame_threshold,
              "feature_model": t.feature_model, "feature_dims": t.feature_dims, "use_mel": t.use_mel}  # fmt: skip
    return save_module(t.model, folder, CLASS, config, **info)


def load_transcriber(folder: str | os.PathLike) -> Transcriber:
    """Rebuild a transcriber from :func:`save_transcriber`'s folder (or a shipped name)."""
    from sonido.tasks.transcription.task import Transcription

    config, state = read_module(folder, CLASS)
    cfg = TranscriptionConfig.from_dict({k: tuple(v) if isinstance(v, list) else v for k, v in config["task"].items()})
    model = Transcription(cfg).build(config["feature_dims"], config["use_mel"])
    model.load_state_dict(state)
    return Transcriber(model.eval(), cfg, config["onset_threshold"], config["frame_threshold"], config["feature_model"],
                       config["feature_dims"], config["use_mel"])  # fmt: skip


@torch.no_grad()
def transcribe_file(t: Transcriber, path: str | os.PathLike, window_seconds: float = 30.0, margin_seconds: float = 4.0,
                    progress=None) -> np.ndarray:  # fmt: skip
    """Notes ``[N, 3]`` (onset, offset s, MIDI pitch) of an audio file of any length.

    The file is first read once for its peak and scaled so the peak sits where the embedded
    corpus puts its mixes' (``MIX_PEAK``): the log-mel front end is not level-invariant and
    the shipped transcribers were trained on peak-normalised mixes (a quiet file would
    otherwise come out near-empty).

    ``progress``: an optional object with ``advance(seconds)`` (see :mod:`sonido.progress`).
    """
    from sonido.audio_reader import AudioReader
    from sonido.data.piece import MIX_PEAK
    from sonido.tasks.frontend import log_mel
    from sonido.tasks.inject import align, extraction_layers

    cfg, sr, hop = t.cfg, t.cfg.sample_rate, t.cfg.hop
    sonido_model = None
    if t.feature_model is not None:
        from sonido.model import load_model

        sonido_model = load_model(t.feature_model)
    decoder = NoteDecoder(cfg.frame_rate, PitchRange.named(cfg.pitches), t.onset_threshold, t.frame_threshold)
    win, margin = max(1, int(window_seconds * sr) // hop) * hop, int(margin_seconds * sr) // hop * hop
    buf = np.zeros(margin, dtype=np.float32)  # audio from `margin` samples before the window on (zeros before the file)
    peak = max(float(np.abs(b.numpy()).max()) for b in AudioReader(path, sr).blocks())
    gain = np.float32(MIX_PEAK / peak) if peak > 0 else np.float32(1.0)
    blocks, ended, notes = AudioReader(path, sr).blocks(), False, []
    while True:
        while not ended and len(buf) < 2 * margin + win:
            block = next(blocks, None)
            if block is None:
                ended = True
                break
            buf = np.concatenate([buf, block[0].numpy() * gain])
            if progress is not None:
                progress.advance(block.shape[-1] / sr)
        seg = buf[: 2 * margin + win]
        mel = torch.from_numpy(log_mel(seg, sr, cfg.n_mels, cfg.n_fft, hop)).float()[None]  # (1, n_mels, F)
        feats = None
        if sonido_model is not None:
            f = sonido_model.extract(torch.from_numpy(seg), sr, layers=extraction_layers(t.model))
            feats = {lv: align(lf.data, mel.shape[-1]) for lv, lf in f.items()}
        probs = torch.sigmoid(t.model(mel, feats))[0].numpy()  # (3, F, P)
        real = min(win, len(buf) - margin)  # samples of this window that are audio
        lo = margin // hop
        notes += decoder.push(probs[0, lo : lo + -(-real // hop)], probs[1, lo : lo + -(-real // hop)])
        if ended and len(buf) - margin <= win:
            break
        buf = buf[win:]
    notes += decoder.finish()
    return np.array(sorted(notes), dtype=np.float64).reshape(-1, 3)


def transcribe_files(t: Transcriber, source: str | os.PathLike, out: str | os.PathLike, progress: bool = True):
    """MIDI of an audio file (``out`` is the ``.mid``) or of every audio file under a folder
    (``out`` mirrors it; existing ``.mid`` files are kept: re-running resumes). Unreadable
    inputs are skipped and counted. SIGTERM/SIGINT stop between windows (no partial file).

    Returns:
        :class:`sonido.features.batch.BatchSummary` (written, already done, failed).
    """
    from sonido.audio import AudioError
    from sonido.audio_reader import AudioReader
    from sonido.features.batch import BatchSummary, list_inputs
    from sonido.progress import AudioTask, audio_progress
    from sonido.signals import stop_on_signals
    from sonido.tasks.transcription.notes import write_midi

    source, out = Path(source), Path(out)
    inputs, single, summary = list_inputs(source), source.is_file(), BatchSummary()
    with audio_progress(progress) as bar, stop_on_signals():
        files = bar.add_task("files", total=len(inputs), rt="", unit="")
        for path, rel in inputs:
            target = out if single else out / rel.with_suffix(".mid")
            if not single and target.exists():
                summary.skipped_done += 1
            else:
                task = None
                try:
                    task = AudioTask(bar, str(rel), AudioReader(path, t.cfg.sample_rate).seconds)
                    write_midi(transcribe_file(t, path, progress=task), target)
                    summary.written += 1
                except AudioError as err:
                    summary.failed.append((str(path), err.problem))
                finally:
                    if task is not None:
                        task.close()
            bar.advance(files)
    return summary

"""Peer embeddings of audio clips, run inside the peers' own environment (``bench/peers/env.py``).

    .venv-peers/bin/python bench/peers/embed.py CLIPS.json OUT.npz
    .venv-peers/bin/python bench/peers/embed.py --time CLIP.wav OUT.json   # seconds per clip of each peer

``CLIPS.json``: ``{"ids": [...], "paths": [...]}``, mono 44.1 kHz WAV clips. ``OUT.npz`` holds
per clip (``[N, 2D]``, mean and std over time, concatenated):

- ``musicnn``: musicnn's ``MTT_musicnn`` penultimate layer (Pons & Serra 2019, trained on
  MagnaTagATune; 200-d, one vector per 3-s patch);
- ``madmom-deepchroma``: madmom's deep chroma, the chroma its chord recogniser reads
  (Korzeniowski & Widmer 2016; 12-d, 10 fps).

madmom's CNN chord features are left out: their convolutions run through scipy.ndimage and
cost two orders of magnitude more than deep chroma (``--time`` measures all three).

The graph and the processors are built once; rows are saved every 50 clips and a re-run
resumes (:func:`bench.rowcache.cached_rows`, numpy only, shared with sonido's environment).
Needs TensorFlow 2.15 and numpy < 2, which is why it never runs in sonido's own
environment.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script in the peers' environment

import numpy as np  # noqa: E402

from bench.rowcache import cached_rows  # noqa: E402

PEERS = ("musicnn", "madmom-deepchroma")


class Musicnn:
    """``MTT_musicnn``'s penultimate layer on 3-s patches (no overlap), as musicnn's extractor."""

    def __init__(self, model: str = "MTT_musicnn"):
        import librosa
        import tensorflow as tf
        from musicnn import configuration as config
        from musicnn import models

        tf.compat.v1.disable_eager_execution()
        self.config, self.librosa = config, librosa
        self.n_frames = librosa.time_to_frames(3, sr=config.SR, n_fft=config.FFT_SIZE, hop_length=config.FFT_HOP) + 1
        tf.compat.v1.reset_default_graph()
        with tf.name_scope("model"):
            self.x = tf.compat.v1.placeholder(tf.float32, [None, self.n_frames, config.N_MELS])
            self.is_training = tf.compat.v1.placeholder(tf.bool)
            self.penultimate = models.define_model(self.x, self.is_training, model, len(config.MTT_LABELS))[-1]
        threads = int(os.environ.get("OMP_NUM_THREADS", "0"))  # 0: TensorFlow's own choice
        self.sess = tf.compat.v1.Session(config=tf.compat.v1.ConfigProto(
            intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads))  # fmt: skip
        self.sess.run(tf.compat.v1.global_variables_initializer())
        import musicnn

        tf.compat.v1.train.Saver().restore(self.sess, str(Path(musicnn.__file__).parent / model) + "/")

    def __call__(self, audio: np.ndarray, sr: int) -> np.ndarray:
        """Mono ``audio`` -> ``[patches, 200]`` (zero-padded to one whole patch)."""
        c, lr = self.config, self.librosa
        y = lr.resample(audio, orig_sr=sr, target_sr=c.SR)
        mel = lr.feature.melspectrogram(y=y, sr=c.SR, hop_length=c.FFT_HOP, n_fft=c.FFT_SIZE, n_mels=c.N_MELS).T
        mel = np.log10(10000 * mel.astype(np.float16) + 1)
        if mel.shape[0] < self.n_frames:
            mel = np.pad(mel, ((0, self.n_frames - mel.shape[0]), (0, 0)))
        patches = np.stack(
            [mel[t : t + self.n_frames] for t in range(0, mel.shape[0] - self.n_frames + 1, self.n_frames)]
        )
        return self.sess.run(self.penultimate, feed_dict={self.x: patches, self.is_training: False})


class DeepChroma:
    """madmom's deep chroma (its bundled models) at 10 fps."""

    def __init__(self):
        from madmom.audio.chroma import DeepChromaProcessor

        self.processor = DeepChromaProcessor()

    def __call__(self, audio: np.ndarray, sr: int) -> np.ndarray:
        """Mono ``audio`` at 44.1 kHz -> ``[frames, 12]``."""
        from madmom.audio.signal import Signal

        if audio.size < sr:  # the processor's frames need a second of signal
            audio = np.pad(audio, (0, sr - audio.size))
        return np.asarray(self.processor(Signal(audio.astype(np.float32), sample_rate=sr, num_channels=1)))


class CNNChordFeatures(DeepChroma):
    """madmom's CNN chord features (Korzeniowski & Widmer 2016), read like deep chroma: only
    timed, not embedded."""

    def __init__(self):
        from madmom.features.chords import CNNChordFeatureProcessor

        self.processor = CNNChordFeatureProcessor()


def time_peers(path: str) -> dict[str, float]:
    """Seconds each peer takes on the clip at ``path`` after one warm-up call: the best of
    three for musicnn and deep chroma, one call for the CNN chord features."""
    import time

    import soundfile as sf

    audio, sr = sf.read(path, dtype="float32")
    out = {}
    for name, peer, repeats in (("musicnn", Musicnn(), 3), ("madmom-deepchroma", DeepChroma(), 3),
                                ("madmom-cnn-chord (left out)", CNNChordFeatures(), 1)):  # fmt: skip
        peer(audio, sr)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            peer(audio, sr)
            times.append(time.perf_counter() - start)
        out[name] = round(min(times), 3)
    return out


def _pool(frames: np.ndarray) -> np.ndarray:
    frames = np.atleast_2d(frames)
    return np.concatenate([frames.mean(0), frames.std(0)]).astype(np.float32)


def main() -> None:
    import soundfile as sf

    if sys.argv[1] == "--time":
        Path(sys.argv[3]).write_text(json.dumps(time_peers(sys.argv[2])))
        return
    clips, out = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])
    peers = {}  # built at the first missing clip: a complete cache needs no TensorFlow

    def row(k: int) -> dict[str, np.ndarray]:
        if not peers:
            peers.update({"musicnn": Musicnn(), "madmom-deepchroma": DeepChroma()})
        audio, sr = sf.read(clips["paths"][k], dtype="float32")
        return {name: _pool(peer(audio, sr)) for name, peer in peers.items()}

    cached_rows(out, clips["ids"], "", row, "peers")


if __name__ == "__main__":
    main()

"""A real peer in the same table: Spotify's basic-pitch (Bittner et al., ICASSP 2022).

Its ONNX model ships inside its wheel; ``./run setup`` installs it ``--no-deps`` with
onnxruntime and resampy (its TensorFlow dependency is never installed). It transcribes
22.05 kHz audio into notes with its own default thresholds; we score those notes exactly
like our models' (same clips, same pitch range, same ``mir_eval`` metrics).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np


def basic_pitch_available() -> bool:
    with _quiet_import():
        try:
            import basic_pitch  # noqa: F401
            import onnxruntime  # noqa: F401
        except ImportError:
            return False
    return True


@contextlib.contextmanager
def _quiet_import():
    """basic-pitch logs a warning per backend it does not find (TF, TFLite, CoreML) when imported."""
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # resampy's pkg_resources deprecation notice
            yield
    finally:
        logging.disable(logging.NOTSET)


class BasicPitch:
    """basic-pitch's ICASSP 2022 model through onnxruntime: ``notes(audio, rate)`` -> ``[N, 3]``."""

    def __init__(self):
        if not basic_pitch_available():
            raise RuntimeError("basic-pitch is not installed: `./run setup` installs it (--no-deps, with onnxruntime)")
        with _quiet_import():
            from basic_pitch import ICASSP_2022_MODEL_PATH
            from basic_pitch.inference import Model, predict
        path = Path(ICASSP_2022_MODEL_PATH)
        self.model = Model(path if path.suffix == ".onnx" else path.parent / f"{path.name}.onnx")
        self._predict = predict

    def notes(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """Notes of mono ``audio [T]``: ``[N, 3]`` onset, offset (s), MIDI pitch, sorted."""
        import io

        import soundfile as sf

        fd, tmp = tempfile.mkstemp(suffix=".wav")
        os.close(fd)
        try:
            sf.write(tmp, audio, sample_rate, subtype="FLOAT")
            with contextlib.redirect_stdout(io.StringIO()):  # it prints a line per file
                _, _, events = self._predict(tmp, self.model)
        finally:
            os.unlink(tmp)
        return np.array(sorted((float(a), float(b), int(p)) for a, b, p, *_ in events), dtype=np.float64).reshape(-1, 3)

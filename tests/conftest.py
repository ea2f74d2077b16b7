import os

import numpy as np
import pytest
import soundfile as sf


def pytest_configure(config):
    """Each xdist worker gets its share of the free cores (sonido's thread policy divided by
    the workers): two workers with a thread per core each would spin against each other."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        from sonido.threads import default_threads, set_threads

        set_threads(max(1, default_threads() // workers))


@pytest.fixture
def tone():
    """A function writing a sine clip: (path, seconds, rate, channels) -> path."""

    def write(path, seconds=0.5, rate=22050, channels=1, freq=440.0):
        t = np.arange(int(seconds * rate)) / rate
        data = np.stack([0.3 * np.sin(2 * np.pi * freq * (c + 1) * t) for c in range(channels)], axis=1)
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), data.astype(np.float32), rate)
        return path

    return write


@pytest.fixture
def rendered_part(tmp_path):
    """A function rendering one instrument's notes with the corpus' soundfont renderer:
    (program, pitches, seconds, step) -> mono float32 ``[seconds * 22050]`` at 22.05 kHz,
    one 0.45 s note every ``step`` seconds from 0.2 s."""

    def render(program: int, pitches: list[int], seconds: float = 4.2, step: float = 0.5) -> np.ndarray:
        import pretty_midi

        from sonido.data.render import get_renderer

        pm = pretty_midi.PrettyMIDI()
        ins = pretty_midi.Instrument(program=program)
        ins.notes += [pretty_midi.Note(velocity=90, pitch=p, start=0.2 + step * i, end=0.65 + step * i)
                      for i, p in enumerate(pitches)]  # fmt: skip
        pm.instruments.append(ins)
        pm.write(str(tmp_path / "part.mid"))
        return get_renderer("auto").render((tmp_path / "part.mid").read_bytes(), 22050, int(seconds * 22050))

    return render

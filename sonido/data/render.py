"""Synthesis of one part's notes with a General-MIDI soundfont.

Two renderers behind one interface: FluidSynth (Debian's ``fluidsynth`` with the
FluidR3_GM soundfont) and tinysoundfont (pip-only, with the TimGM6mb soundfont that
pretty_midi ships). Both are deterministic: reverb and chorus are off, output is float.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

import numpy as np

FLUID_SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


class Renderer(Protocol):
    """Renders a one-track MIDI file to mono float32 audio ``[T]``."""

    name: str
    soundfont: str

    def render(self, midi_bytes: bytes, sample_rate: int, length: int) -> np.ndarray:
        """Render a one-track MIDI file to exactly ``length`` mono samples."""
        ...


def _fit(audio: np.ndarray, length: int) -> np.ndarray:
    out = np.zeros(length, dtype=np.float32)
    n = min(length, len(audio))
    out[:n] = audio[:n]
    return out


class FluidSynthRenderer:
    """Debian's FluidSynth command-line renderer with FluidR3_GM."""

    name = "fluidsynth"

    def __init__(self, soundfont: Path = FLUID_SOUNDFONT):
        if shutil.which("fluidsynth") is None or not Path(soundfont).exists():
            raise RuntimeError(
                "FluidSynth renderer needs the Debian packages fluidsynth and fluid-soundfont-gm "
                "(./run setup installs them as root); use --renderer tinysoundfont otherwise"
            )
        self.soundfont = str(soundfont)

    def render(self, midi_bytes: bytes, sample_rate: int, length: int) -> np.ndarray:
        import soundfile as sf

        with tempfile.TemporaryDirectory(prefix="sonido-fs-") as tmp:
            mid, wav = Path(tmp) / "in.mid", Path(tmp) / "out.wav"
            mid.write_bytes(midi_bytes)
            cmd = [
                "fluidsynth", "-ni", "-q", "-g", "0.5", "-R", "0", "-C", "0",
                "-r", str(sample_rate), "-T", "wav", "-O", "float",
                "-F", str(wav), self.soundfont, str(mid),
            ]  # fmt: skip
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0 or not wav.exists():
                raise RuntimeError(f"fluidsynth failed: {proc.stderr.strip()[-300:]}")
            audio, _ = sf.read(str(wav), dtype="float32", always_2d=True)
        return _fit(audio.mean(axis=1), length)


class TinySoundFontRenderer:
    """Pip-only renderer: tinysoundfont with pretty_midi's TimGM6mb soundfont."""

    name = "tinysoundfont"

    def __init__(self, soundfont: Path | None = None):
        try:
            import tinysoundfont  # noqa: F401
        except ImportError as err:
            raise RuntimeError("tinysoundfont is not installed: ./run setup installs it") from err
        if soundfont is None:
            import pretty_midi

            soundfont = Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"
        self.soundfont = str(soundfont)

    def render(self, midi_bytes: bytes, sample_rate: int, length: int) -> np.ndarray:
        import io

        import pretty_midi
        import tinysoundfont

        pm = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes))
        synth = tinysoundfont.Synth(samplerate=sample_rate)
        sfid = synth.sfload(self.soundfont)
        events = []  # (sample, order, kind, channel, pitch, velocity); note-offs first on ties
        for inst in pm.instruments:
            chan = 9 if inst.is_drum else 0
            synth.program_select(chan, sfid, 128 if inst.is_drum else 0, 0 if inst.is_drum else inst.program, inst.is_drum)
            for n in inst.notes:
                events.append((round(n.start * sample_rate), 1, chan, n.pitch, n.velocity))
                events.append((round(n.end * sample_rate), 0, chan, n.pitch, 0))
        events.sort()
        out = np.zeros((length, 2), dtype=np.float32)
        pos = 0
        for when, on, chan, pitch, vel in events:
            when = min(when, length)
            if when > pos:
                out[pos:when] = np.frombuffer(synth.generate(when - pos), dtype=np.float32).reshape(-1, 2)
                pos = when
            if on:
                synth.noteon(chan, pitch, vel)
            else:
                synth.noteoff(chan, pitch)
        if pos < length:
            out[pos:] = np.frombuffer(synth.generate(length - pos), dtype=np.float32).reshape(-1, 2)
        return out.mean(axis=1)


RENDERERS = {"fluidsynth": FluidSynthRenderer, "tinysoundfont": TinySoundFontRenderer}


def get_renderer(name: str = "auto") -> Renderer:
    """``"auto"`` picks FluidSynth when it and FluidR3_GM are installed, else tinysoundfont."""
    if name == "auto":
        try:
            return FluidSynthRenderer()
        except RuntimeError:
            return TinySoundFontRenderer()
    if name not in RENDERERS:
        raise ValueError(f"unknown renderer {name!r}; choose auto, fluidsynth or tinysoundfont")
    return RENDERERS[name]()

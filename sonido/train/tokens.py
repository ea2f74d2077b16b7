"""Token caches for prior training: each audio file encoded once by the codec, on disk.

``encode_dataset(codec, DATA, CACHE)`` writes ``CACHE/<split>/<name>.npz`` per file
(atomically; finished files are skipped on re-run, unreadable ones logged and counted)
and ``CACHE/codec.json`` naming the codec, so a cache is never reused with another.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from sonido.audio import AudioError
from sonido.codec.stream import encode_windowed
from sonido.codec.tokenizer import LEVELS, Tokens, check_levels
from sonido.fileio import atomic_write_json
from sonido.train.audio_data import DataRoots, collect_audio, describe_roots

log = logging.getLogger(__name__)


def codec_fingerprint(codec) -> str:
    """sha256 of the codec's weights and config: what the tokens depend on."""
    h = hashlib.sha256(json.dumps(codec.config.to_dict(), sort_keys=True).encode())
    for k, v in sorted(codec.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


def centre_excerpt(audio: torch.Tensor, sample_rate: int, seconds: float | None) -> torch.Tensor:
    """The centre ``seconds`` of ``audio [1, T]`` (all of it when shorter or ``None``): the
    middle of a track, past intros and before fade-outs."""
    if seconds is None:
        return audio
    n = int(seconds * sample_rate)
    start = max(0, (audio.shape[-1] - n) // 2)
    return audio[..., start : start + n]


def _encode_one(codec, path: Path, out: Path, excerpt_seconds: float | None, levels: tuple[str, ...]) -> str | None:
    """Encode one file into ``out``; returns the reason when it cannot be read."""
    from sonido.audio import load

    try:
        audio, _ = load(path, sample_rate=codec.sample_rate, mono=True)  # [1, T]
    except AudioError as err:
        return str(err)
    tokens = encode_windowed(codec, centre_excerpt(audio, codec.sample_rate, excerpt_seconds)[None], levels=levels)
    tokens.save(out, source=str(path))
    return None


def _worker_init() -> None:
    torch.set_num_threads(1)  # one torch thread per worker process: workers x 1 = the cores asked for


def encode_dataset(codec, data: DataRoots, cache: str | Path, progress: bool = True, excerpt_seconds: float | None = None,
                   jobs: int = 1, levels: tuple[str, ...] | None = None) -> Path:  # fmt: skip
    """Encode every train/valid file of ``data`` into ``cache``; returns ``cache``.

    Args:
        levels: the levels to cache (a coarse-to-fine prefix: ``("top", "mid")`` skips the
            bottom level, a quarter of the encoding time, when no bottom prior is trained).
            An existing cache serves any subset of its levels; ``None``: the existing
            cache's levels, or all three for a new cache.
        excerpt_seconds: encode only the centre ``excerpt_seconds`` of each file (more
            pieces per hour of encoding; ``None``: whole files). Recorded in the cache:
            a cache is never reused with another setting.
        jobs: worker processes (each with one torch thread).
    """
    cache = Path(cache)
    fp = codec_fingerprint(codec)
    meta = cache / "codec.json"
    levels = check_levels(levels) if levels is not None else None
    if meta.exists():
        old = json.loads(meta.read_text())
        if old["fingerprint"] != fp:
            raise ValueError(f"{cache} holds tokens of another codec: use a new cache folder")
        if old.get("excerpt_seconds") != excerpt_seconds:
            raise ValueError(f"{cache} holds excerpts of {old.get('excerpt_seconds')} s, not {excerpt_seconds}: "
                             "use a new cache folder")  # fmt: skip
        cached = tuple(old.get("levels", LEVELS))
        if levels is not None and not set(levels) <= set(cached):
            raise ValueError(f"{cache} holds the levels {cached}, not {levels}: use a new cache folder")
        levels = cached  # finish the cache as it was started
    levels = levels or LEVELS
    atomic_write_json(meta, {"fingerprint": fp, "config": codec.config.to_dict(), "data": describe_roots(data),
                             "excerpt_seconds": excerpt_seconds, "levels": list(levels)})  # fmt: skip
    files = collect_audio(data)
    from concurrent.futures import ProcessPoolExecutor

    from rich.progress import Progress

    jobs_todo = []
    for split in ("train", "valid"):
        for f in getattr(files, split):
            name = hashlib.sha1(str(f.resolve()).encode()).hexdigest()[:10] + "-" + f.stem
            out = cache / split / f"{name}.npz"
            if not out.exists():
                jobs_todo.append((f, out))
    total = len(files.train) + len(files.valid)
    failed = []
    with Progress(disable=not progress) as bar:
        task = bar.add_task("encoding tokens", total=total, completed=total - len(jobs_todo))
        if jobs <= 1:
            for f, out in jobs_todo:
                failed.append(_encode_one(codec, f, out, excerpt_seconds, levels))
                bar.advance(task)
        else:
            # spawn, not fork: a forked child of a process whose OpenMP threads are up can hang.
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init) as pool:
                futures = [pool.submit(_encode_one, codec, f, out, excerpt_seconds, levels) for f, out in jobs_todo]
                for fut in futures:
                    failed.append(fut.result())
                    bar.advance(task)
    bad = [r for r in failed if r is not None]
    for reason in bad:
        log.warning("skipping %s", reason)
    if bad:
        log.warning("%d of %d files could not be read", len(bad), total)
    return cache


def _cache_meta(cache: str | Path) -> dict:
    path = Path(cache) / "codec.json"
    if not path.exists():
        raise FileNotFoundError(f"no token cache at {cache} (expected {path}): run `sonido prior tokens` first")
    return json.loads(path.read_text())


def cached_levels(cache: str | Path) -> tuple[str, ...]:
    """The levels a token cache holds."""
    return tuple(_cache_meta(cache).get("levels", LEVELS))


def cache_fingerprint(cache: str | Path) -> str:
    """The fingerprint of the codec whose tokens a cache holds."""
    return _cache_meta(cache)["fingerprint"]


def load_tokens(cache: str | Path, split: str) -> tuple[list[Tokens], list[str]]:
    """Every cached clip of a split (each level ``[1, frames]``) and the audio file each came from."""
    paths = sorted((Path(cache) / split).glob("*.npz"))
    if not paths:
        raise FileNotFoundError(f"no cached tokens in {Path(cache) / split}: run the encoding first")
    loaded = [Tokens.load(p) for p in paths]
    return [t for t, _ in loaded], [str(meta.get("source", "")) for _, meta in loaded]


def corpus_labels(data: DataRoots, key: str) -> tuple[tuple[str, ...], dict[str, int]]:
    """Label conditioning from an embedded corpus: ``(names, {resolved mix path: label id})``.

    Args:
        key: a per-piece manifest field with one value per piece, e.g. ``collection``.
    """
    if not isinstance(data, (str, Path)):
        if len(data) != 1:
            raise ValueError("label conditioning reads one corpus manifest: give a single data folder")
        data = data[0]
    manifest = Path(data) / "manifest.json"
    if not manifest.exists():
        raise ValueError(f"label conditioning needs an embedded corpus (manifest.json) at {data}")
    pieces = json.loads(manifest.read_text())["pieces"]
    if any(key not in p or not isinstance(p[key], (str, int)) for p in pieces):
        raise ValueError(f"manifest pieces have no single-valued {key!r} field to condition on")
    names = tuple(sorted({str(p[key]) for p in pieces}))
    return names, {str((Path(data) / p["mix"]).resolve()): names.index(str(p[key])) for p in pieces}


class TokenWindows(Dataset):
    """Random windows of ``context`` tokens at ``level`` (and the time-aligned upper tokens).

    Windows start on multiples of the upsampling ratio so the upper window aligns exactly.
    Item ``i`` of epoch ``e`` is a function of ``(seed, e, i)``. Returns
    ``(tokens [context], upper [context / ratio], label [])`` (``upper`` empty for the top
    level; ``label`` the clip's label id, or -1 without ``labels``).
    """

    def __init__(self, clips: list[Tokens], level: str, context: int, length: int, ratio: int = 4, seed: int = 0,
                 labels: list[int] | None = None):  # fmt: skip
        self.level, self.context, self.ratio, self.length, self.seed, self.epoch = level, context, ratio, length, seed, 0
        self.upper_level = None if level == "top" else LEVELS[LEVELS.index(level) - 1]
        if labels is not None and len(labels) != len(clips):
            raise ValueError(f"{len(labels)} labels for {len(clips)} clips")
        long_enough = [i for i, c in enumerate(clips) if c[level].shape[-1] >= context]
        self.clips = [clips[i] for i in long_enough]
        self.labels = [labels[i] if labels is not None else -1 for i in long_enough]
        if not self.clips:
            raise ValueError(f"no clip has {context} {level} tokens: lower the context")
        sizes = np.array([c[level].shape[-1] - context + 1 for c in self.clips], dtype=np.float64)
        self.weights = sizes / sizes.sum()

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        which = rng.choice(len(self.clips), p=self.weights)
        clip, label = self.clips[which], torch.tensor(self.labels[which])
        n = clip[self.level].shape[-1]
        start = int(rng.integers(0, (n - self.context) // self.ratio + 1)) * self.ratio
        tokens = clip[self.level][0, start : start + self.context]
        if self.upper_level is None:
            return tokens, torch.zeros(0, dtype=torch.long), label
        up = start // self.ratio
        return tokens, clip[self.upper_level][0, up : up + self.context // self.ratio], label

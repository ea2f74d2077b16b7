"""Per-item rows of a bench computed once: cached in one ``.npz``, resumed after an interruption.

numpy only, so the peers' own environment (``bench/peers/embed.py``) uses it as well as
sonido's (``bench/layer_study.py``). The file holds ``ids`` (every item's id), ``count``
(how many rows are in), ``taps`` (what the rows were computed with) and one stacked array
per key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

_META = ("ids", "count", "taps")


def _done(cache: Path, ids: list[str], meta: str) -> dict[str, list[np.ndarray]]:
    """The rows already in ``cache`` for a prefix of ``ids`` made with ``meta`` (else none)."""
    if not cache.exists():
        return {}
    with np.load(cache, allow_pickle=False) as f:
        n = int(f["count"])
        made_with = str(f["taps"]) if "taps" in f.files else ""
        if list(f["ids"][:n]) != ids[:n] or made_with != meta:
            return {}
        return {k: list(f[k][:n]) for k in f.files if k not in _META}


def is_complete(cache: Path, ids: list[str], meta: str = "") -> bool:
    """Whether ``cache`` holds the rows of every one of ``ids``, made with ``meta``."""
    done = _done(cache, ids, meta)
    return bool(done) and all(len(v) == len(ids) for v in done.values())


def cached_rows(cache: Path, ids: list[str], meta: str, row: Callable[[int], dict[str, np.ndarray]], label: str,
                every: int = 50) -> dict[str, np.ndarray]:  # fmt: skip
    """``{key: [N, ...]}`` stacked from ``row(k)`` (``{key: array}`` of item ``k``) for every item,
    cached in ``cache`` and resumed from the partial cache written every ``every`` items (one
    whose ids or ``meta`` differ is recomputed). ``row`` is only called for missing items."""
    done = _done(cache, ids, meta)

    def save(count: int) -> None:
        tmp = cache.with_suffix(".tmp.npz")
        np.savez(tmp, ids=np.array(ids), count=count, taps=meta, **{k: np.stack(v) for k, v in done.items()})
        tmp.replace(cache)

    cache.parent.mkdir(parents=True, exist_ok=True)
    for k in range(len(next(iter(done.values()), [])), len(ids)):
        for key, value in row(k).items():
            done.setdefault(key, []).append(value)
        if (k + 1) % every == 0 or k + 1 == len(ids):
            save(k + 1)
            print(f"    {label}: {k + 1}/{len(ids)} items", flush=True)
    return {k: np.stack(v) for k, v in done.items()}

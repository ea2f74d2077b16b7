"""Low-data regimes: seeded, stratified, nested subsets of a training split.

Every item gets one seeded rank; a fraction ``f`` keeps, per stratum, the first
``max(1, round(f * n_stratum))`` items in rank order. Ranks do not depend on ``f``, so for
one seed the 5 % subset lies inside the 10 % subset (nested), and the same seed always
draws the same subset (deterministic).

Multi-label data (tags) is stratified by each item's *rarest* label: an item counts in
the stratum of the label fewest training items carry, the usual greedy approximation of
iterative stratification, which keeps rare tags present at small fractions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

import numpy as np

DEFAULT_FRACTIONS = (0.01, 0.05, 0.1, 0.25, 1.0)


def strata_of(labels: Sequence[Hashable | Sequence[Hashable] | None]) -> list[Hashable]:
    """The stratum of each item: its label, or its rarest label when it has several.

    Args:
        labels: per item a single label, a list of labels (multi-label), or ``None``
            (regression targets: a single stratum).
    """
    multi = [list(v) if isinstance(v, (list, tuple, set, frozenset)) else None for v in labels]
    counts = Counter(t for m in multi if m for t in m)
    out: list[Hashable] = []
    for value, m in zip(labels, multi):
        if m is None:
            out.append(value)
        elif not m:
            out.append(("<none>",))
        else:
            out.append(min(sorted(m, key=str), key=lambda t: counts[t]))
    return out


def fraction_subset(strata: Sequence[Hashable], fraction: float, seed: int) -> list[int]:
    """Indices (sorted) of a stratified ``fraction`` of the items, nested across fractions.

    Args:
        strata: one stratum key per item (see :func:`strata_of`).
        fraction: in ``(0, 1]``; every stratum keeps at least one item.
        seed: the draw; the same seed gives nested subsets for growing fractions.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    if not strata:
        raise ValueError("cannot sample from an empty training split")
    rank = np.random.default_rng([seed, 1234]).permutation(len(strata))  # item i's rank is rank[i]
    groups: dict[Hashable, list[int]] = {}
    for i in np.argsort(rank, kind="stable"):
        groups.setdefault(strata[i], []).append(int(i))
    keep: list[int] = []
    for members in groups.values():
        keep.extend(members[: max(1, int(round(fraction * len(members))))])
    return sorted(keep)


def split_indices(items: Sequence, task: str, keep: Sequence[int] | None = None) -> dict[str, list[int]]:
    """``{"train", "valid", "test"}`` -> indices of ``items`` (restricted to ``keep``) by their
    ``split``; a :class:`~sonido.data.datasets.base.DatasetError` names the empty ones."""
    from sonido.data.datasets.base import DatasetError

    pool = range(len(items)) if keep is None else keep
    split = {s: [i for i in pool if items[i].split == s] for s in ("train", "valid", "test")}
    if not all(split.values()):
        raise DatasetError(f"{task} needs train, valid and test items; got { {k: len(v) for k, v in split.items()} }")
    return split


def training_subset(train: Sequence[int], labels: Sequence, fraction: float, seed: int) -> list[int]:
    """The training items of a low-data run: ``train`` indices kept by :func:`fraction_subset`,
    stratified by ``labels`` (one per training item; see :func:`strata_of`)."""
    return [train[j] for j in fraction_subset(strata_of(labels), fraction, seed)]

"""A summary of the embedded corpus, checked against its own invariants."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from sonido.data.datasets.base import SPLITS
from sonido.data.datasets.embedded import EmbeddedCorpus


@dataclass(frozen=True)
class CorpusSummary:
    """Counts and checks over a built corpus.

    Attributes:
        pieces: per split.
        seconds: audio duration per split.
        collections: pieces per collection.
        tags: pieces per instrument tag.
        modes: pieces per mode.
        drums: pieces with a drum part.
        max_sum_error: largest |mix - sum of stems| over the checked pieces (0 when exact).
        checked: how many pieces had their stems summed.
    """

    pieces: dict[str, int]
    seconds: dict[str, float]
    collections: dict[str, int]
    tags: dict[str, int]
    modes: dict[str, int]
    drums: int
    max_sum_error: float
    checked: int


def summarize(corpus: EmbeddedCorpus, check: int | None = None) -> CorpusSummary:
    """Count labels and verify that each mix equals the sum of its stems.

    Args:
        corpus: the built corpus.
        check: how many pieces to load and sum (``None``: all).
    """
    items = list(corpus)
    err = 0.0
    for item in items[: len(items) if check is None else check]:
        mix, _ = corpus.load(item)
        stems = corpus.load_stems(item)
        err = max(err, float((mix - sum(stems.values())).abs().max()))
    return CorpusSummary(
        pieces={s: len(corpus.split(s)) for s in SPLITS},
        seconds={s: float(np.sum([i.labels["duration"] for i in corpus.split(s)])) for s in SPLITS},
        collections=dict(Counter(i.labels["collection"] for i in items).most_common()),
        tags=dict(Counter(t for i in items for t in i.labels["tags"]).most_common()),
        modes=dict(Counter(i.labels["mode"] for i in items).most_common()),
        drums=sum("drums" in i.labels["tags"] for i in items),
        max_sum_error=err,
        checked=len(items) if check is None else min(check, len(items)),
    )


def print_summary(summary: CorpusSummary) -> None:
    """Render a summary as rich tables on the console."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title="embedded corpus")
    t.add_column("split")
    t.add_column("pieces", justify="right")
    t.add_column("minutes", justify="right")
    for s in SPLITS:
        t.add_row(s, str(summary.pieces[s]), f"{summary.seconds[s] / 60:.1f}")
    console.print(t)
    t = Table(title="labels")
    t.add_column("label")
    t.add_column("counts")
    t.add_row("collection", ", ".join(f"{k} {v}" for k, v in summary.collections.items()))
    t.add_row("tags", ", ".join(f"{k} {v}" for k, v in summary.tags.items()))
    t.add_row("mode", ", ".join(f"{k} {v}" for k, v in summary.modes.items()))
    t.add_row("with drums", str(summary.drums))
    console.print(t)
    console.print(
        f"mix = sum of stems on {summary.checked} pieces: max |error| = {summary.max_sum_error:.2e}"
    )

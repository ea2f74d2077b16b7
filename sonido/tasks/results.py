"""The results schema every task sweep writes, and the table every report reads from it.

``bench/results/<task>.json``::

    {"task": "tagging", "dataset": "...", "model": "sonido-tiny",
     "primary_metric": "roc_auc_macro", "higher_is_better": true,
     "rows": [{"arch": ..., "variant": "baseline"|"boosted"|"features_only"|"control"|"peer"|"oracle"|"reference",
               "fraction": 0.1, "seed": 0, "metrics": {...}, "train_seconds": 12.3,
               "inputs": "..."}]}

``inputs`` (optional) names what a row's model read when one arch/variant pair has
several (the probes' mel statistics vs. MFCC + chroma). Rows are keyed by
``(arch, variant, inputs, fraction, seed)``: re-running a cell replaces its row, so an
interrupted sweep resumes by skipping the cells already present.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sonido.fileio import atomic_write_json

VARIANTS = ("baseline", "boosted", "features_only", "control", "peer", "oracle", "reference")


@dataclass(frozen=True)
class Row:
    """One trained-and-tested model: what it was, how much data, which seed, its test metrics."""

    arch: str
    variant: str
    fraction: float
    seed: int
    metrics: dict[str, float]
    train_seconds: float
    inputs: str = ""

    def __post_init__(self):
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r}; choose from {VARIANTS}")

    @property
    def key(self) -> tuple:
        return (self.arch, self.variant, self.inputs, float(self.fraction), int(self.seed))


@dataclass
class Results:
    """A task's sweep results (see the module docstring for the JSON layout)."""

    task: str
    dataset: str
    model: str
    primary_metric: str
    higher_is_better: bool
    rows: list[Row] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        """Add ``row``, replacing any earlier row of the same cell."""
        self.rows = [r for r in self.rows if r.key != row.key] + [row]

    def has_run(
        self, variant: str, fraction: float, seed: int, arch: str | None = None, inputs: str | None = None
    ) -> bool:
        """Whether a run of ``variant`` at ``fraction`` and ``seed`` left rows (a run may leave several);
        with ``arch``, only rows of that network count (one file can hold sweeps of several);
        with ``inputs``, only rows that read those (tapped vs. mixed layers)."""
        return any((r.variant, r.fraction, r.seed) == (variant, float(fraction), int(seed))
                   and (arch is None or r.arch == arch) and (inputs is None or r.inputs == inputs)
                   for r in self.rows)  # fmt: skip

    def save(self, path: str | Path) -> None:
        atomic_write_json(Path(path), {**asdict(self), "rows": [asdict(r) for r in self.rows]})

    def add_and_save(self, rows: list[Row], path: str | Path) -> None:
        """Add ``rows`` and rewrite ``path``, keeping the rows another process added to the same
        sweep's file meanwhile (sweeps of other seeds or another network on the other core
        can share one file): under an exclusive lock on ``PATH.lock`` the file is re-read,
        its rows this object lacks are taken in, and the union is written atomically."""
        import fcntl

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if path.exists():
                disk = Results.load(path)
                if (disk.task, disk.dataset, disk.model) == (self.task, self.dataset, self.model):
                    have = {r.key for r in self.rows}
                    self.rows += [r for r in disk.rows if r.key not in have]
                    self.notes = {**disk.notes, **self.notes}
            for row in rows:
                self.add(row)
            self.save(path)

    @classmethod
    def load(cls, path: str | Path) -> Results:
        raw = json.loads(Path(path).read_text())
        return cls(**{**raw, "rows": [Row(**r) for r in raw["rows"]]})

    def summary(self, metric: str | None = None) -> dict[tuple[str, str, str], dict[float, tuple[float, float, int]]]:
        """``{(arch, variant, inputs): {fraction: (mean, std, n_seeds)}}`` of ``metric`` (default: primary).

        ``std`` is the sample standard deviation over seeds (0 for a single seed).
        """
        metric = metric or self.primary_metric
        cells: dict[tuple[str, str, str], dict[float, list[float]]] = {}
        for r in self.rows:
            if metric in r.metrics:
                cells.setdefault((r.arch, r.variant, r.inputs), {}).setdefault(r.fraction, []).append(r.metrics[metric])
        out = {}
        for key, by_frac in cells.items():
            out[key] = {}
            for frac, vals in sorted(by_frac.items()):
                mean = sum(vals) / len(vals)
                std = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)) if len(vals) > 1 else 0.0
                out[key][frac] = (mean, std, len(vals))
        return out

    def table(self, metric: str | None = None) -> str:
        """A text table: one line per (arch, variant, inputs), one column per fraction, mean ± std."""
        metric = metric or self.primary_metric
        summary = self.summary(metric)
        fracs = sorted({f for cells in summary.values() for f in cells})
        order = {v: i for i, v in enumerate(VARIANTS)}
        keys = sorted(summary, key=lambda k: (k[0], order[k[1]], k[2]))
        names = [f"{a} / {v}" + (f" [{i}]" if i else "") for a, v, i in keys]
        width = max([len(n) for n in names] + [10])
        arrow = "higher is better" if self.higher_is_better else "lower is better"
        lines = [f"{self.task} on {self.dataset} with {self.model}: {metric} ({arrow}), mean ± std over seeds"]
        lines.append(" " * width + "".join(f"{f'{f:g}':>17}" for f in fracs))
        for name, key in zip(names, keys):
            cells = [summary[key].get(f) for f in fracs]
            lines.append(name.ljust(width) + "".join(
                f"{f'{c[0]:.3f} ± {c[1]:.3f}':>17}" if c else f"{'-':>17}" for c in cells
            ))  # fmt: skip
        return "\n".join(lines)

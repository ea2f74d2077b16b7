"""Plot a task sweep's results: metric against training fraction, mean ± std over seeds."""

from __future__ import annotations

from pathlib import Path

from sonido.tasks.results import Results

STYLE = {"baseline": "-", "boosted": "-", "features_only": "--", "control": ":", "peer": "-.", "oracle": (0, (3, 1, 1, 1, 1, 1)), "reference": (0, (1, 2))}


def plot(results: Results, out: Path, metric: str | None = None) -> Path:
    """A PNG of ``metric`` (default: the primary) against training fraction, mean ± std over seeds:
    one panel per ``arch``, one line per variant and inputs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metric = metric or results.primary_metric
    summary = results.summary(metric)
    if not summary:
        raise ValueError(f"no rows with {metric!r} in the results of {results.task}")
    archs = sorted({a for a, _, _ in summary})
    fig, axes = plt.subplots(1, len(archs), figsize=(5 * len(archs), 4), squeeze=False)
    for ax, arch in zip(axes[0], archs):
        for (a, variant, inputs), cells in sorted(summary.items()):
            if a != arch:
                continue
            fr = sorted(cells)
            mean = [cells[f][0] for f in fr]
            std = [cells[f][1] for f in fr]
            ax.errorbar(fr, mean, yerr=std, ls=STYLE[variant], marker="o", capsize=3,
                        label=variant + (f" [{inputs}]" if inputs else ""))  # fmt: skip
        points = [c for (a, _, _), cells in summary.items() if a == arch for c in cells.values()]
        if metric.startswith("r2") and min(m for m, _, _ in points) < -1:  # R² of a tiny training set: hugely negative
            ax.set_ylim(-1, max(m + s for m, s, _ in points if m >= -1) + 0.05)
            ax.set_title(f"{arch} (axis cut at -1)")
        else:
            ax.set_title(arch)
        ax.set_xscale("log")
        ax.set_xlabel("training fraction")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"{results.task} on {results.dataset} ({results.model})")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    return out

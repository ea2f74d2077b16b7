"""Plot a task sweep's results file: metric against training fraction, mean ± std over seeds.

    python bench/task_plot.py bench/results/tagging.json [--metric pr_auc_macro] [-o bench/results/tagging.png]

It reads only the results file (the schema in ``sonido.tasks.results``): one panel per
``arch`` (per probe sub-task), one line per variant and inputs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sonido.tasks.results import Results  # noqa: E402

STYLE = {"baseline": "-", "boosted": "-", "features_only": "--", "control": ":", "peer": "-."}


def plot(results: Results, out: Path, metric: str | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metric = metric or results.primary_metric
    summary = results.summary(metric)
    if not summary:
        raise SystemExit(f"no rows with {metric!r} in the results file")
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
        if min(m for m, _, _ in points) < -1:  # R² of a near-empty training set can be hugely negative
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", type=Path)
    p.add_argument("--metric", default=None)
    p.add_argument("-o", "--out", type=Path, default=None)
    args = p.parse_args()
    out = args.out or args.results.with_suffix(".png")
    print(f"wrote {plot(Results.load(args.results), out, args.metric)}")


if __name__ == "__main__":
    main()

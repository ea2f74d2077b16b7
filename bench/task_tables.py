"""Print a task sweep's results file as the README shows it: the summary line (baseline,
boosted, control at the smallest and the full fraction, the gain and the paired test over
seeds) and one mean ± std table per metric.

    python bench/task_tables.py bench/results/separation.json [--metrics sdr,si_sdr]
    python bench/task_tables.py bench/results/mixing.json --compact mape_loudness,mape_spectral

``--compact`` adds one table of several metrics side by side: a row per network, variant
and fraction, the mean over seeds in each column.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sonido.boost.report import summarize, summary_table, task_table  # noqa: E402
from sonido.tasks.results import Results  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", type=Path)
    p.add_argument("--metrics", default=None, help="comma-separated (default: the primary metric)")
    p.add_argument("--compact", default=None, help="comma-separated metrics for one side-by-side table of means")
    args = p.parse_args()
    results = Results.load(args.results)
    print("\n".join(summary_table(summarize(results))))
    for metric in (args.metrics or results.primary_metric).split(","):
        print(f"\n{metric}, mean ± std over seeds (n = seeds that finished):\n")
        print("\n".join(task_table(results, metric)))
    if args.compact:
        print("\n" + "\n".join(compact_table(results, args.compact.split(","))))


def compact_table(results: Results, metrics: list[str]) -> list[str]:
    """Markdown: one row per (arch, variant, fraction), the mean over seeds of each metric."""
    means = {m: results.summary(m) for m in metrics}
    keys = sorted({(a, v, f) for m in metrics for (a, v, _), cells in means[m].items() for f in cells})
    lines = ["| model | variant | fraction | " + " | ".join(metrics) + " |", "|---|---|---:|" + "---:|" * len(metrics)]
    for a, v, f in keys:
        cells = [means[m].get((a, v, ""), {}).get(f) for m in metrics]
        lines.append(f"| {a} | {v} | {f:g} | " + " | ".join(f"{c[0]:.4g}" if c else "–" for c in cells) + " |")
    return lines


if __name__ == "__main__":
    main()

"""Print a task sweep's results file as the README shows it: the summary line (baseline,
boosted, control at the smallest and the full fraction, the gain and the paired test over
seeds) and one mean ± std table per metric.

    python bench/task_tables.py bench/results/separation.json [--metrics sdr,si_sdr]
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
    args = p.parse_args()
    results = Results.load(args.results)
    print("\n".join(summary_table(summarize(results))))
    for metric in (args.metrics or results.primary_metric).split(","):
        print(f"\n{metric}, mean ± std over seeds (n = seeds that finished):\n")
        print("\n".join(task_table(results, metric)))


if __name__ == "__main__":
    main()

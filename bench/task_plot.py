"""Plot a task sweep's results file: metric against training fraction, mean ± std over seeds.

    python bench/task_plot.py bench/results/tagging.json [--metric pr_auc_macro] [-o bench/results/tagging.png]

It reads only the results file (the schema in ``sonido.tasks.results``): one panel per
``arch`` (per probe sub-task), one line per variant and inputs (``sonido.tasks.plot``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sonido.tasks.plot import plot  # noqa: E402
from sonido.tasks.results import Results  # noqa: E402


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

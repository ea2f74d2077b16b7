"""Why sonido-tiny's top level collapsed, and whether the fix works: an A/B of codec recipes.

    python bench/codec_topfix.py --run tiny-recipe=runs/codec-ab-tiny --run small-recipe=runs/codec-ab-small \
        [--corpus data/corpus-small] [--real data/real] [--out bench/results/codec-topfix.json]

The runs are codec trainings on the same data for the same wall-clock, side by side (one
thread each), differing only in their preset. For each run the script reads the
validation curves and the per-step SQ variances from its CSV log (the diagnosis: does a
level's ``s²`` anneal, or rise to its cap?), then evaluates the exported model on the
rendered corpus' and the real-music corpus' test splits (first ``--max-seconds`` of at
most ``--limit`` items each): code usage and perplexity per level, and reconstruction from
top, top + mid and all levels. Prints a table and writes a JSON file.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sonido import codec  # noqa: E402
from sonido.codec.evaluate import evaluate_codec  # noqa: E402
from sonido.codec.tokenizer import LEVELS  # noqa: E402
from sonido.data.datasets import EmbeddedCorpus, RealCorpus  # noqa: E402


def read_log(run: Path) -> dict:
    """Validation rows and the SQ variances (first and last logged) from the run's CSV log."""
    path = sorted((run / "logs").glob("version_*/metrics.csv"))[-1]
    rows = list(csv.DictReader(open(path, newline="")))
    val = [{"step": int(r["step"]) + 1, **{k[4:]: round(float(v), 4) for k, v in r.items() if k.startswith("val/") and v}}
           for r in rows if r.get("val/mel_distance")]  # fmt: skip
    train = [r for r in rows if r.get("train/loss")]
    variance = {lv: {"first": float(train[0][f"train/variance/{lv}"]), "last": float(train[-1][f"train/variance/{lv}"])}
                for lv in LEVELS if f"train/variance/{lv}" in train[0]}  # fmt: skip
    return {"steps": int(train[-1]["step"]) + 1, "validation": val, "variance": variance}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", required=True, help="LABEL=RUN_FOLDER (a codec training run)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "data" / "corpus-small")
    parser.add_argument("--real", type=Path, default=ROOT / "data" / "real")
    parser.add_argument("--max-seconds", type=float, default=10.0)
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "codec-topfix.json")
    args = parser.parse_args()

    datasets = {"corpus": EmbeddedCorpus(args.corpus), "real": RealCorpus(args.real)}
    results = {"machine": {"platform": platform.platform(), "torch": torch.__version__, "threads": torch.get_num_threads()},
               "max_seconds": args.max_seconds, "limit": args.limit, "runs": {}}  # fmt: skip
    for spec in args.run:
        label, folder = spec.split("=", 1)
        run = Path(folder)
        model = codec.load(run / "model")
        cfg = model.config
        entry = {"run": str(run), "level_dropout": cfg.level_dropout, "variance_ratio": cfg.variance_ratio,
                 **read_log(run), "test": {}}  # fmt: skip
        for key, ds in datasets.items():
            entry["test"][key] = evaluate_codec(model, ds, "test", args.max_seconds, limit=args.limit)
        results["runs"][label] = entry
        print(f"== {label}: {entry['steps']} steps, level_dropout {cfg.level_dropout}, variance_ratio {cfg.variance_ratio}")
        for lv, v in entry["variance"].items():
            print(f"   s² {lv:6s} {v['first']:.5f} -> {v['last']:.5f} ({v['last'] / v['first']:.2f}x)")
        for key, r in entry["test"].items():
            codes = ", ".join(f"{lv} {c['usage_pct']:.0f}%/{c['perplexity']:.0f}" for lv, c in r["codes"].items())
            rec = ", ".join(f"{d} {m['mel_distance']:.3f}" for d, m in r["reconstruction"].items())
            print(f"   {key:6s} usage/perplexity: {codes}; mel distance: {rec}")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""Re-score a mixing sweep's saved models with the current metrics, without retraining.

Every run folder of a sweep keeps the tested network (``RUN/model``, written by
:func:`sonido.tasks.mixing.predict.save_mixer` with its variant, fraction and seed). This
script loads each, runs it over the same test split of the same data, and replaces the
test metrics of its row in the results file (training figures — epochs, best validation
loss, train seconds — are kept); the ``reference`` rows are recomputed. Used when a metric
is fixed after a sweep (the spectral MAPE's silence defect); the results' notes record it.

    python bench/rescore_mixing.py bench/results/mixing.json runs/mix-mixwaveunet runs/mix-crafx2 \\
        --data data/mixing --features data/features-mixing --clip-seconds 6
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch


def main() -> None:
    from sonido.tasks.base import REFERENCE, RunConfig
    from sonido.tasks.metrics import mixing_metrics
    from sonido.tasks.mixing.predict import load_mixer
    from sonido.tasks.mixing.task import Mixing, mean_scores
    from sonido.tasks.results import Results, Row
    from sonido.tasks.sampling import split_indices

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results")
    ap.add_argument("runs", nargs="+", help="sweep output folders (each holds VARIANT-fFRACTION-sSEED/model)")
    ap.add_argument("--data", required=True)
    ap.add_argument("--dataset", default="medleydb")
    ap.add_argument("--features", required=True)
    ap.add_argument("--clip-seconds", type=float, default=6.0)
    ap.add_argument("--note", default="", help="what changed, recorded in the results' notes")
    args = ap.parse_args()

    results = Results.load(args.results)
    task, start = None, time.perf_counter()
    folders = sorted(p.parent.parent for root in args.runs for p in Path(root).glob("*/model/config.json"))
    for n, folder in enumerate(folders, 1):
        info = json.loads((folder / "model" / "config.json").read_text())["info"]
        mixer = load_mixer(folder / "model")
        arch = f"{mixer.cfg.arch}-{mixer.cfg.size}"
        variant = info["variant"]
        key = (arch, variant, "", float(info["fraction"]), int(info["seed"]))
        old = next((r for r in results.rows if r.key == key), None)
        if old is None:
            print(f"[{n}/{len(folders)}] {folder}: no row {key} in {args.results}, skipped")
            continue
        task = task if task is not None and task.cfg.arch == mixer.cfg.arch else Mixing(mixer.cfg)
        fm = mixer.feature_model or "unused"
        run = RunConfig(data=args.data, dataset=args.dataset, features=args.features, model=fm, control_model=fm,
                        variant=variant, fraction=info["fraction"], seed=info["seed"], clip_seconds=args.clip_seconds)
        data = task.prepare(run)
        scores = []
        with torch.no_grad():
            for i in split_indices(data.items, "mixing")["test"]:
                feats = {k: v[None] for k, v in data.features[fm][i].items()} if mixer.feature_model else None
                est = mixer.model(data.inputs[i][None], feats)[0].numpy()
                scores.append(mixing_metrics(est, data.targets[i].numpy(), mixer.cfg.sample_rate))
        kept = {k: v for k, v in old.metrics.items() if k in ("best_val_loss", "epochs", "train_items")}
        results.add(Row(old.arch, old.variant, old.fraction, old.seed, {**mean_scores(scores), **kept}, old.train_seconds))
        print(f"[{n}/{len(folders)}] {arch} {variant} f{info['fraction']} s{info['seed']}: "
              f"mape_spectral {old.metrics['mape_spectral']:.1f} -> {results.rows[-1].metrics['mape_spectral']:.1f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip
    refs = [r for r in results.rows if r.variant == REFERENCE]
    results.rows = [r for r in results.rows if r.variant != REFERENCE]
    if refs and task is not None:
        for fraction, seed in sorted({(r.fraction, r.seed) for r in refs}):
            run = RunConfig(data=args.data, dataset=args.dataset, variant=REFERENCE, fraction=fraction, seed=seed,
                            clip_seconds=args.clip_seconds)  # fmt: skip
            for row in task.run(run):
                results.add(row)
    if args.note:
        results.notes["rescored"] = args.note
    results.add_and_save([], args.results)
    print(f"re-scored {len(folders)} models and {len(refs)} reference rows in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()

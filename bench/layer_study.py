"""JukeMIR's layer study: probe score of every prior layer, top and mid, mean vs mean+std pooling.

    python bench/layer_study.py --model sonido-tiny \
        --dataset embedded-corpus:data/corpus-small --dataset real-corpus:data/real \
        [--seeds 0,1] [--clip-seconds 10] [--out bench/results/layer-study-sonido-tiny.json]

For every item (its first ``--clip-seconds``, as in the probe task) the codec runs once
and each prior runs once with every layer tapped; each layer's hidden states are pooled
over time (mean, and std). Then, for every probe sub-task the dataset has labels for
(collection, key, tempo on the embedded corpus; source on the real-music corpus), the
probe task's own grid (``sonido.tasks.probing``: logistic/linear and one-hidden-layer MLP,
JukeMIR's hyper-parameters, early stopping, best on validation) is trained on each
(level, layer, pooling) input at full training data, and scored on test. The hand-made
baselines (mel statistics, MFCC + chroma) run in the same script for reference.
Prints a table per sub-task and writes every score to the results file.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sonido  # noqa: E402
from sonido.codec.stream import encode_windowed  # noqa: E402
from sonido.data.datasets import open_dataset  # noqa: E402
from sonido.features.extract import prior_layers  # noqa: E402
from sonido.tasks.frontend import first_seconds  # noqa: E402
from sonido.tasks.probing import Probing  # noqa: E402


@torch.no_grad()
def pooled_layers(model: sonido.SoniDo, dataset, clip_seconds: float) -> dict[str, dict[str, np.ndarray]]:
    """``{level: {"mean": [N, L, D], "std": [N, L, D]}}`` over the dataset's items."""
    out = {lv: {"mean": [], "std": []} for lv in model.priors}
    sr = model.sample_rate
    for k, item in enumerate(dataset):
        x = torch.from_numpy(first_seconds(dataset, item, sr, clip_seconds))[None, None]
        tokens = encode_windowed(model.codec, x)
        for lv, prior in model.priors.items():
            upper = tokens.top if lv != "top" else None
            h = prior_layers(prior, tokens[lv], upper, tuple(range(prior.config.layers)))[:, 0]  # (L, T, D)
            out[lv]["mean"].append(h.mean(1).numpy())
            out[lv]["std"].append(h.std(1).numpy())
        if k % 50 == 0:
            print(f"    {k}/{len(dataset)} items", flush=True)
    return {lv: {p: np.stack(v) for p, v in d.items()} for lv, d in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="sonido-tiny")
    parser.add_argument("--dataset", action="append", required=True, help="NAME:ROOT, e.g. real-corpus:data/real")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--clip-seconds", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    out = args.out or ROOT / "bench" / "results" / f"layer-study-{Path(args.model).name}.json"

    model = sonido.load_model(args.model)
    probing = Probing()
    results = {"machine": {"platform": platform.platform(), "torch": torch.__version__, "threads": torch.get_num_threads()},
               "model": args.model, "clip_seconds": args.clip_seconds, "seeds": seeds, "rows": []}  # fmt: skip
    for spec in args.dataset:
        name, root = spec.split(":", 1)
        dataset = open_dataset(name, root)
        print(f"{name} ({len(dataset)} items): pooling every layer", flush=True)
        start = time.perf_counter()
        pooled = pooled_layers(model, dataset, args.clip_seconds)
        print(f"  features in {time.perf_counter() - start:.0f} s", flush=True)
        inputs = dict(probing._handcrafted(dataset, args.clip_seconds))
        for lv, d in pooled.items():
            # SUPERB: every layer, mixed by weights the probe learns (LayerMix).
            inputs[f"{lv}/all/mean"] = d["mean"]
            inputs[f"{lv}/all/mean+std"] = np.concatenate([d["mean"], d["std"]], 2)
            for layer in range(d["mean"].shape[1]):
                inputs[f"{lv}/L{layer}/mean"] = d["mean"][:, layer]
                inputs[f"{lv}/L{layer}/mean+std"] = np.concatenate([d["mean"][:, layer], d["std"][:, layer]], 1)
        items = list(dataset)
        for sub in probing.subtasks(dataset):
            print(f"  probe {sub.name} ({sub.score})", flush=True)
            for input_name, x in inputs.items():
                scores = [probing.fit(sub, items, x, 1.0, seed)[0]["score"] for seed in seeds]
                row = {"dataset": f"{name}:{Path(root).name}", "subtask": sub.name, "metric": sub.score,
                       "inputs": input_name, "scores": [round(s, 4) for s in scores],
                       "mean": round(statistics.mean(scores), 4)}  # fmt: skip
                results["rows"].append(row)
                print(f"    {input_name:22s} {row['mean']:.3f}  ({', '.join(f'{s:.3f}' for s in scores)})", flush=True)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(results, indent=1) + "\n")
    best = {}
    for r in results["rows"]:
        if "/L" in r["inputs"] or "/all/" in r["inputs"]:
            key = (r["dataset"], r["subtask"], r["inputs"].split("/")[0])
            if key not in best or r["mean"] > best[key]["mean"]:
                best[key] = r
    results["best_layer"] = [{"dataset": k[0], "subtask": k[1], "level": k[2], "inputs": r["inputs"], "mean": r["mean"]}
                             for k, r in sorted(best.items())]  # fmt: skip
    out.write_text(json.dumps(results, indent=1) + "\n")
    for b in results["best_layer"]:
        print(f"best {b['dataset']} {b['subtask']} {b['level']}: {b['inputs']} {b['mean']:.3f}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

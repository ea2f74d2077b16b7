"""Pretrained features against hand-made ones, and JukeMIR's layer study, in one run per dataset.

    python bench/layer_study.py --models sonido-small,sonido-tiny,tiny-random --per-layer sonido-small \
        --dataset real-corpus:data/real --dataset note-probe:data/notes --dataset embedded-corpus:data/corpus-small \
        [--seeds 0,1,2] [--layer-seeds 0] [--clip-seconds 10] [--out bench/results/layer-study.json]

For every item (its first ``--clip-seconds``, as in the probe task) the codec runs once and
each prior once, tapping every layer for the ``--per-layer`` models and the default
(middle) layer for the others; hidden states are pooled over time (mean and std) and
cached in ``runs/layer-study/`` (resumable). Then, for every probe sub-task the dataset has
labels for (source on the real-music corpus; family and pitch on the note set;
collection, key and tempo on the embedded corpus), the probe task's own grid
(``sonido.tasks.probing``: logistic/linear and one-hidden-layer MLP, JukeMIR's
hyper-parameters, early stopping, best on validation) is trained at full training data
and scored on test:

- comparison (``--seeds``): mel statistics, MFCC + chroma, and every model's top+mid
  (default layers, mean-pooled, concatenated: the probe task's ``sonido-top+mid``) and, for
  the ``--codes`` models, their codec's codes (the top and mid codebook vectors the priors
  read, mean+std pooled: what the priors add to their tokens, and what the codec alone passes on);
- peers (``--peers``): what a user would pick instead, among models whose weights ship in a
  registry package: musicnn's penultimate layer (MagnaTagATune) and madmom's deep chroma,
  mean+std pooled (``bench/peers/``: they run in their own environment);
- layer study (``--layer-seeds``, ``--per-layer`` models): each level's every layer, mean
  and mean+std pooled, and all layers mixed by learned softmax weights (SUPERB's LayerMix).

On the real-music corpus the holdout packages (never pretrained on) add a few-shot row:
which of them a track comes from, leave-one-track-out logistic regression (scikit-learn)
on each comparison input. Rows go to ``--out`` as they finish (a re-run skips them).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sonido  # noqa: E402
from bench.peers.env import peer_inputs, peer_seconds  # noqa: E402
from bench.rowcache import cached_rows  # noqa: E402
from sonido.codec.stream import encode_windowed  # noqa: E402
from sonido.data.datasets import open_dataset  # noqa: E402
from sonido.features.extract import prior_layers  # noqa: E402
from sonido.fileio import atomic_write_json  # noqa: E402
from sonido.tasks.frontend import first_seconds  # noqa: E402
from sonido.tasks.probing import Probing  # noqa: E402

CACHE = ROOT / "runs" / "layer-study"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")


@torch.no_grad()
def pooled_layers(model: sonido.SoniDo, dataset, items, clip_seconds: float, every_layer: bool,
                  cache: Path) -> dict[str, dict[str, np.ndarray]]:  # fmt: skip
    """``{level: {"mean": [N, L, D], "std": [N, L, D]}}`` (``L`` = every layer, or the default tap)
    of the priors' hidden states, and ``{"codes": {"mean": [N, 2C], "std": [N, 2C]}}``: the
    top and mid codebook vectors the priors read (what the codec alone passes on)."""
    taps = {
        lv: tuple(range(p.config.layers)) if every_layer else model.default_layers(lv) for lv, p in model.priors.items()
    }

    def row(k: int) -> dict[str, np.ndarray]:
        x = torch.from_numpy(first_seconds(dataset, items[k], model.sample_rate, clip_seconds))[None, None]
        tokens = encode_windowed(model.codec, x, levels=("top", "mid"))
        out = {}
        for lv, prior in model.priors.items():
            h = prior_layers(prior, tokens[lv], tokens.top if lv != "top" else None, taps[lv])[:, 0]  # (L, T, D)
            out[f"{lv}/mean"], out[f"{lv}/std"] = h.mean(1).numpy(), h.std(1).numpy()
        codes = [model.codec.quantizers[lv].lookup(tokens[lv])[0] for lv in ("top", "mid")]  # [C, T] each
        out["codes/mean"] = torch.cat([c.mean(1) for c in codes]).numpy()
        out["codes/std"] = torch.cat([c.std(1) for c in codes]).numpy()
        return out

    meta = json.dumps({**{k: list(v) for k, v in taps.items()}, "codes": True})
    f = cached_rows(cache, [it.id for it in items], meta, row, model.name)
    return {lv: {p: f[f"{lv}/{p}"] for p in ("mean", "std")} for lv in (*taps, "codes")}


def few_shot_holdout(inputs: dict[str, np.ndarray], labels: list[str]) -> dict[str, float]:
    """Leave-one-track-out accuracy of a logistic regression on standardised inputs."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneOut, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    out = {}
    for name, x in inputs.items():
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        out[name] = float(cross_val_score(clf, x, labels, cv=LeaveOneOut()).mean())
    return out


def _rows(paths: list[Path]) -> list[dict]:
    """The rows of several results files; an input scored in several (the hand-made ones are
    in every file) is kept from the first."""
    rows, seen = [], set()
    for p in paths:
        for r in json.loads(p.read_text())["rows"]:
            if (r["dataset"], r["subtask"], r["inputs"]) not in seen:
                seen.add((r["dataset"], r["subtask"], r["inputs"]))
                rows.append(r)
    return rows


def summary(paths: list[Path]) -> str:
    """One markdown table: a row per comparison input, a column per dataset and sub-task, the
    mean score (over seeds) where it was measured; the best of each column in bold."""
    rows = [r for r in _rows(paths) if "/" not in r["inputs"]]
    columns = list(dict.fromkeys((r["dataset"].split(":")[0], r["subtask"]) for r in rows))
    score = {(r["inputs"], r["dataset"].split(":")[0], r["subtask"]): r["mean"] for r in rows}
    best = {c: max(v for (i, *k), v in score.items() if tuple(k) == c) for c in columns}
    lines = ["| inputs | " + " | ".join(f"{sub} ({data})" for data, sub in columns) + " |",
             "|---|" + "---:|" * len(columns)]  # fmt: skip
    for name in dict.fromkeys(r["inputs"] for r in rows):
        cells = []
        for c in columns:
            v = score.get((name, *c))
            cells.append("–" if v is None else f"**{v:.3f}**" if v == best[c] else f"{v:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def layer_table(paths: list[Path], pooling: str = "mean") -> str:
    """One markdown table per model: a row per level and layer (plus the learned mix), a
    column per probe with that layer's score at ``pooling``, and the layer's mean rank among
    its level's layers over the probes that scored every one of them (1 = best, ties share
    their mean rank) — what the default taps are chosen from."""
    rows = [r for r in _rows(paths) if r["inputs"].endswith(f"/{pooling}")]
    lines = []
    for model in dict.fromkeys(r["inputs"].split(":")[0] for r in rows):
        mine = [r for r in rows if r["inputs"].startswith(model + ":")]
        columns = list(dict.fromkeys((r["dataset"].split(":")[0], r["subtask"]) for r in mine))
        score = {(r["inputs"].split(":", 1)[1].rsplit("/", 1)[0], r["dataset"].split(":")[0], r["subtask"]): r["mean"]
                 for r in mine}  # fmt: skip
        names = list(dict.fromkeys(k[0] for k in score))  # "top/L0", ..., "top/all"
        ranks: dict[str, list[float]] = {}
        for level in dict.fromkeys(n.split("/")[0] for n in names):
            layers = [n for n in names if n.startswith(level + "/L")]
            for c in columns:
                if all((n, *c) in score for n in layers):
                    got = [score[(n, *c)] for n in layers]
                    for n, s in zip(layers, got):
                        ranks.setdefault(n, []).append(sum(g > s for g in got) + (sum(g == s for g in got) + 1) / 2)
        lines += [f"{model}, {pooling} pooling", "",
                  "| layer | " + " | ".join(f"{sub} ({data})" for data, sub in columns) + " | mean rank |",
                  "|---|" + "---:|" * (len(columns) + 1)]  # fmt: skip
        for n in names:
            cells = ["–" if (n, *c) not in score else f"{score[(n, *c)]:.3f}" for c in columns]
            rank = f"{sum(ranks[n]) / len(ranks[n]):.1f}" if n in ranks else "–"
            lines.append(f"| {n.replace('/all', '/mix')} | " + " | ".join(cells) + f" | {rank} |")
        lines.append("")
    return "\n".join(lines)


def report(paths: list[Path]) -> str:
    """Markdown tables from one or more results files: per dataset and sub-task the comparison
    inputs (mean ± std over seeds), then per model and level the best single layer, the
    default layer and the all-layer mix (one seed)."""
    rows = _rows(paths)
    lines = []
    for tag in dict.fromkeys(r["dataset"] for r in rows):
        for sub in dict.fromkeys(r["subtask"] for r in rows if r["dataset"] == tag):
            these = [r for r in rows if r["dataset"] == tag and r["subtask"] == sub]
            lines += [f"{tag} — {sub} ({these[0]['metric']})", "", "| inputs | score |", "|---|---:|"]
            for r in these:
                if "/" not in r["inputs"]:
                    spread = f" ± {r['std']:.3f}" if len(r["scores"]) > 1 else ""
                    lines.append(f"| {r['inputs']} | {r['mean']:.3f}{spread} |")
            layered = [r for r in these if "/" in r["inputs"]]
            for key in dict.fromkeys(r["inputs"].split("/")[0] for r in layered):
                group = [r for r in layered if r["inputs"].startswith(key + "/")]
                single = [r for r in group if "/all/" not in r["inputs"]]
                mix = next((r for r in group if "/all/" in r["inputs"]), None)
                if single:
                    best, worst = max(single, key=lambda r: r["mean"]), min(single, key=lambda r: r["mean"])
                    lines.append(f"| {key}: best layer {best['inputs'].split('/', 1)[1]} | {best['mean']:.3f} |")
                    lines.append(f"| {key}: worst layer {worst['inputs'].split('/', 1)[1]} | {worst['mean']:.3f} |")
                if mix:
                    lines.append(f"| {key}: all layers mixed (LayerMix) | {mix['mean']:.3f} |")
            lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models",
        default="sonido-small,sonido-tiny,tiny-random",
        help="comma-separated models: names, or LABEL=FOLDER for a model folder",
    )
    parser.add_argument("--per-layer", default="", help="comma-separated models whose every layer is probed")
    parser.add_argument("--dataset", action="append", default=[], help="NAME:ROOT, e.g. real-corpus:data/real")
    parser.add_argument("--codes", default="", help="comma-separated models whose codec's codes are probed too")
    parser.add_argument(
        "--peers",
        action="store_true",
        help="add musicnn's and madmom's embeddings (their own environment, bench/peers/env.py)",
    )
    parser.add_argument(
        "--report", type=Path, nargs="+", default=None, help="only print the tables of these results files"
    )
    parser.add_argument("--summary", action="store_true", help="with --report: one table of inputs x probes")
    parser.add_argument("--layers", action="store_true", help="with --report: every layer x probes, with mean ranks")
    parser.add_argument("--seeds", default="0,1,2", help="seeds of the comparison rows")
    parser.add_argument("--layer-seeds", default="0", help="seeds of the per-layer rows (none: skip them)")
    parser.add_argument("--clip-seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "layer-study.json")
    args = parser.parse_args()
    if args.report:
        print(summary(args.report) if args.summary else layer_table(args.report) if args.layers else report(args.report))
        return
    sonido.set_threads(args.threads)
    models = dict(m.split("=", 1) if "=" in m else (m, m) for m in args.models.split(",") if m)
    per_layer = {m for m in args.per_layer.split(",") if m}
    with_codes = {m for m in args.codes.split(",") if m}
    seeds = [int(s) for s in args.seeds.split(",")]
    layer_seeds = [] if args.layer_seeds == "none" else [int(s) for s in args.layer_seeds.split(",")]
    results = json.loads(args.out.read_text()) if args.out.exists() else {"rows": []}
    results.update({"machine": {"platform": platform.platform(), "torch": torch.__version__,
                                "threads": torch.get_num_threads()},
                    "clip_seconds": args.clip_seconds})  # fmt: skip
    before = results.get("models", [])  # every run's models, label -> folder or name
    results["models"] = {**(before if isinstance(before, dict) else {m: m for m in before}), **models}
    results["per_layer"] = sorted({*results.get("per_layer", []), *per_layer})
    results["peers"] = results.get("peers", False) or args.peers
    have = {(r["dataset"], r["subtask"], r["inputs"], tuple(r["seeds"])) for r in results["rows"]}

    def record(row: dict) -> None:
        results["rows"].append(row)
        atomic_write_json(args.out, results)
        scores = ", ".join(f"{s:.3f}" for s in row["scores"])
        print(f"    {row['subtask']:15s} {row['inputs']:34s} {row['mean']:.3f}  ({scores})", flush=True)

    probing = Probing()
    for spec in args.dataset:
        name, root = spec.split(":", 1)
        dataset = open_dataset(name, root)
        tag = f"{name}:{Path(root).name}"
        items = list(dataset)
        holdout = list(getattr(dataset, "holdout", []))
        print(f"{tag}: {len(items)} items (+{len(holdout)} holdout)", flush=True)
        comparison = dict(probing._handcrafted(dataset, args.clip_seconds))
        layered: dict[str, np.ndarray] = {}
        held = dict(probing._handcrafted(dataset, args.clip_seconds, holdout)) if holdout else {}
        if args.peers:
            peers = peer_inputs(
                dataset, items + holdout, args.clip_seconds, CACHE / f"peers-{_slug(tag)}-{args.clip_seconds:g}s.npz"
            )
            for name, x in peers.items():
                comparison[name] = x[: len(items)]
                if holdout:
                    held[name] = x[len(items) :]
            timing = results.setdefault("peers_seconds_per_clip", {})
            if tag not in timing:  # one clip (the dataset's first item, up to clip_seconds) per dataset
                timing[tag] = {"threads": torch.get_num_threads(), **peer_seconds(dataset, items[0], args.clip_seconds, CACHE)}
        for m, path in models.items():
            model = sonido.load_model(path)
            start = time.perf_counter()
            every = m in per_layer
            p = pooled_layers(
                model,
                dataset,
                items + holdout,
                args.clip_seconds,
                every,
                CACHE / f"{_slug(m)}-{_slug(tag)}-{args.clip_seconds:g}s-{'all' if every else 'default'}.npz",
            )
            codes = p.pop("codes")
            print(f"  {m}: features in {time.perf_counter() - start:.0f} s", flush=True)
            n = len(items)
            default = {lv: [model.default_layers(lv).index(t) if not every else t for t in model.default_layers(lv)]
                       for lv in p}  # fmt: skip
            top_mid = np.concatenate([p[lv]["mean"][:, default[lv]].mean(1) for lv in ("top", "mid")], 1)
            comparison[f"{m}:top+mid"] = top_mid[:n]
            if m in with_codes:
                comparison[f"{m}:codes"] = np.concatenate([codes["mean"], codes["std"]], 1)[:n]
            if holdout:
                held[f"{m}:top+mid"] = top_mid[n:]
            if every:
                for lv, d in p.items():
                    layered[f"{m}:{lv}/all/mean"] = d["mean"][:n]
                    for layer in range(d["mean"].shape[1]):
                        layered[f"{m}:{lv}/L{layer}/mean"] = d["mean"][:n, layer]
                        layered[f"{m}:{lv}/L{layer}/mean+std"] = np.concatenate(
                            [d["mean"][:n, layer], d["std"][:n, layer]], 1
                        )
        for sub in probing.subtasks(dataset):
            print(f"  probe {sub.name} ({sub.score})", flush=True)
            for inputs, use_seeds in ((comparison, seeds), (layered if layer_seeds else {}, layer_seeds)):
                for input_name, x in inputs.items():
                    if (tag, sub.name, input_name, tuple(use_seeds)) in have:
                        continue
                    scores = [probing.fit(sub, items, x, 1.0, seed)[0]["score"] for seed in use_seeds]
                    record({"dataset": tag, "subtask": sub.name, "metric": sub.score, "inputs": input_name,
                            "seeds": use_seeds, "scores": [round(s, 4) for s in scores],
                            "mean": round(statistics.mean(scores), 4),
                            "std": round(statistics.pstdev(scores), 4)})  # fmt: skip
        held = {k: v for k, v in held.items() if (tag, "source-holdout", k, ()) not in have}
        if held:
            labels = [it.labels["source"] for it in holdout]
            for input_name, acc in few_shot_holdout(held, labels).items():
                record({"dataset": tag, "subtask": "source-holdout", "metric": "accuracy (leave-one-track-out, "
                        f"{len(holdout)} tracks of {len(set(labels))} unseen packages)", "inputs": input_name,
                        "seeds": [], "scores": [round(acc, 4)], "mean": round(acc, 4), "std": 0.0})  # fmt: skip
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

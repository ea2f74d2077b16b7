"""Prior sizing by compute: which width × depth to train in a given number of CPU hours.

    python bench/prior_sizing.py [--hours 2] [--threads 1] [--out bench/results/prior-sizing.json]

For each candidate size the script measures training throughput (tokens/s of full
AdamW steps, batch 4 × context 1024, this machine, ``--threads`` torch threads) and
counts parameters; from those it derives the tokens the candidate sees in ``--hours``
and its tokens-per-parameter ratio D/N. Hoffmann et al. (2022, "Chinchilla") find the
compute-optimal ratio near 20 tokens per parameter; the candidate closest to it is the
compute-optimal choice for the budget, and that is usually smaller than intuition says
(on two CPU cores, about a million parameters for two hours).

FLOPs per token are estimated as ``6 N`` (forward + backward of the weights, Kaplan et
al. 2020) plus the attention scores, ``6 · layers · attended · width`` (``attended``: the
mean number of keys a query sees in the row / column / previous-row cycle); the measured
throughput over that estimate is the machine utilisation.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sonido.prior.prior import Prior, PriorConfig  # noqa: E402

CANDIDATES = ((96, 4), (128, 4), (128, 6), (192, 4), (192, 6), (256, 6), (384, 8))
CHINCHILLA_TOKENS_PER_PARAM = 20.0


def attended_keys(context: int, block: int, patterns: tuple[str, ...]) -> float:
    """Mean number of keys a query attends to, averaged over the pattern cycle and positions."""
    blocks = context // block
    per = {"row": (block + 1) / 2, "column": (blocks + 1) / 2, "prev_row": block + (block + 1) / 2,
           "dense": (context + 1) / 2}  # fmt: skip
    return sum(per[p] for p in patterns) / len(patterns)


def measure(width: int, layers: int, context: int, steps: int, batch: int = 4) -> dict:
    """Parameters and training tokens/s of a top prior of this size on random tokens."""
    torch.manual_seed(0)
    cfg = PriorConfig(level="top", vocab_size=512, context=context, width=width, layers=layers,
                      heads=max(1, width // 64), block=32)  # fmt: skip
    prior = Prior(cfg).train()
    opt = torch.optim.AdamW(prior.parameters(), lr=1e-4)
    tokens = torch.randint(0, cfg.vocab_size, (batch, context))

    def step():
        loss = prior.loss(tokens)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()  # warm-up
    t = time.perf_counter()
    for _ in range(steps):
        step()
    tps = steps * batch * context / (time.perf_counter() - t)
    total = sum(p.numel() for p in prior.parameters())
    embedding = prior.embed.weight.numel() + prior.pos.numel()
    non_embedding = total - embedding
    flops = 6 * non_embedding + 6 * layers * attended_keys(context, cfg.block, cfg.patterns) * width
    return {"width": width, "layers": layers, "heads": cfg.heads, "parameters": total,
            "non_embedding_parameters": non_embedding, "flops_per_token": round(flops),
            "tokens_per_second": round(tps, 1), "achieved_gflops": round(tps * flops / 1e9, 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0, help="training budget per prior")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: the other core stays free)")
    parser.add_argument("--context", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "prior-sizing.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    rows = []
    for width, layers in CANDIDATES:
        r = measure(width, layers, args.context, args.steps)
        r["tokens_in_budget"] = round(r["tokens_per_second"] * args.hours * 3600)
        r["tokens_per_parameter"] = round(r["tokens_in_budget"] / r["non_embedding_parameters"], 2)
        rows.append(r)
        print(f"  width {width:4d} x {layers} layers: {r['parameters'] / 1e6:5.2f} M params, "
              f"{r['tokens_per_second']:7.0f} tok/s ({r['achieved_gflops']:.1f} GFLOP/s), "
              f"{r['tokens_in_budget'] / 1e6:6.1f} M tokens in {args.hours:g} h = {r['tokens_per_parameter']:6.1f} per param",
              flush=True)  # fmt: skip
    best = min(rows, key=lambda r: abs(math.log(r["tokens_per_parameter"] / CHINCHILLA_TOKENS_PER_PARAM)))
    print(f"compute-optimal at {args.hours:g} h (D/N closest to {CHINCHILLA_TOKENS_PER_PARAM:g}): "
          f"width {best['width']} x {best['layers']} layers")  # fmt: skip
    results = {
        "machine": {"platform": platform.platform(), "torch": torch.__version__, "threads": args.threads},
        "hours": args.hours, "context": args.context, "batch": 4,
        "chinchilla_tokens_per_parameter": CHINCHILLA_TOKENS_PER_PARAM,
        "candidates": rows, "compute_optimal": {"width": best["width"], "layers": best["layers"]},
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

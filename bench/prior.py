"""Prior benchmark: sparse vs dense attention, training and extraction speed, bits per token.

    python bench/prior.py --corpus data/corpus-small [--real data/real] [--model sonido-tiny] [--out bench/results/prior.json]

Every figure is measured in this run, on this machine (CPU). Peak memory is the growth of
a fresh process's peak RSS while doing only the measured thing.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sonido  # noqa: E402
from bench._measure import peak_extra_mb  # noqa: E402
from sonido.codec.stream import encode_windowed  # noqa: E402
from sonido.data.datasets import EmbeddedCorpus, RealCorpus  # noqa: E402
from sonido.fileio import atomic_write_json  # noqa: E402
from sonido.prior.attention import reference_attention, sparse_attention  # noqa: E402

CONTEXTS = (1024, 2048, 4096, 8192)


def _attention_child(pattern: str, n: int, queue) -> None:
    torch.manual_seed(0)
    block = int(math.sqrt(n))  # L ≈ √n, e.g. 64 at 4096 (Jukebox: 64 at 8192)
    q, k, v = (torch.randn(1, 4, n, 64) for _ in range(3))
    if pattern == "dense (masked reference)":
        fn = lambda: reference_attention(q, k, v, "dense", block)  # noqa: E731
    elif pattern == "dense (SDPA causal)":
        fn = lambda: sparse_attention(q, k, v, "dense", block)  # noqa: E731
    else:
        fn = lambda: sparse_attention(q, k, v, pattern, block)  # noqa: E731
    with torch.no_grad():
        _, _, peak = peak_extra_mb(fn)  # the first call, from a fresh allocator, shows the memory
        times = [peak_extra_mb(fn)[1] for _ in range(3)]
    queue.put({"ms": round(1000 * statistics.median(times), 2), "peak_extra_mb": round(peak, 1), "block": block})


def _in_child(target, *args):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def attention_table(contexts: tuple[int, ...]) -> list[dict]:
    """Forward time and peak memory of one attention layer (B=1, 4 heads of 64) per context."""
    rows = []
    for n in contexts:
        for pattern in ("row", "column", "prev_row", "dense (SDPA causal)", "dense (masked reference)"):
            r = _in_child(_attention_child, pattern, n)
            rows.append({"context": n, "pattern": pattern, **r})
            print(f"  attention n={n:5d} {pattern:26s} {r['ms']:9.2f} ms  +{r['peak_extra_mb']:8.1f} MB", flush=True)
    return rows


def training_speed(model: sonido.SoniDo, level: str, steps: int = 8) -> dict:
    """Tokens per second of full training steps (forward, backward, AdamW) at the preset's size."""
    prior = model.priors[level].train()
    cfg = prior.config
    opt = torch.optim.AdamW(prior.parameters(), lr=1e-4)
    batch = 4
    tokens = torch.randint(0, cfg.vocab_size, (batch, cfg.context))
    upper = torch.randint(0, cfg.upper_vocab, (batch, cfg.context // cfg.upsample_ratio)) if cfg.upper_vocab else None
    state = {k: v.clone() for k, v in prior.state_dict().items()}

    def step():
        loss = prior.loss(tokens, upper)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    elapsed = time.perf_counter() - t
    prior.load_state_dict(state)  # leave the benchmarked model as loaded
    prior.eval()
    return {"tokens_per_second": round(steps * batch * cfg.context / elapsed, 1), "batch": batch, "context": cfg.context,
            "parameters": sum(p.numel() for p in prior.parameters())}  # fmt: skip


def _extract_child(name: str, seconds: float, queue) -> None:
    model = sonido.load_model(name)
    torch.manual_seed(0)
    x = 0.1 * torch.randn(1, 1, int(seconds * model.sample_rate))
    feats, elapsed, peak = peak_extra_mb(lambda: model.extract(x, model.sample_rate))
    queue.put({"audio_seconds": seconds, "wall_seconds": round(elapsed, 2), "x_realtime": round(seconds / elapsed, 2),
               "peak_extra_mb": round(peak, 1), "frames": {lv: f.num_frames for lv, f in feats.items()},
               "output_mb": round(sum(f.data.numel() * 4 for f in feats.values()) / 2**20, 1)})  # fmt: skip


def bits_per_token(model: sonido.SoniDo, corpus, max_seconds: float) -> dict:
    """Cross-entropy (bits/token) of each prior on the test split (non-overlapping
    context-long windows), beside the unigram entropy of the train split's tokens: a prior
    that learned nothing beyond token frequencies scores the unigram entropy."""
    codec = model.codec
    test, train = [], []
    for split, store in (("test", test), ("train", train)):
        for item in corpus.split(split)[: 40 if split == "train" else None]:
            audio, _ = corpus.load(item, sample_rate=codec.sample_rate, mono=True)
            store.append(encode_windowed(codec, audio[None, :, : int(max_seconds * codec.sample_rate)], levels=("top", "mid")))
    out = {}
    for lv, prior in model.priors.items():
        ctx, nll, count = prior.config.context, 0.0, 0
        for tok in test:
            seq = tok[lv]
            for s in range(0, seq.shape[1] - ctx + 1, ctx):
                up = tok.top[:, s // 4 : (s + ctx) // 4] if lv != "top" else None
                with torch.no_grad():
                    nll += prior.loss(seq[:, s : s + ctx], up).item() * ctx
                count += ctx
        hist = torch.bincount(torch.cat([t[lv].reshape(-1) for t in train]), minlength=codec.codebook_size(lv)).float()
        p = hist / hist.sum()
        unigram = max(0.0, float(-(p[p > 0] * p[p > 0].log2()).sum()))
        out[lv] = {"bits_per_token": round(nll / max(count, 1) / math.log(2), 4), "tokens": count,
                   "unigram_entropy_bits": round(unigram, 4), "uniform_bits": round(math.log2(codec.codebook_size(lv)), 4)}  # fmt: skip
        print(f"  {lv}: {out[lv]}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "data" / "corpus-small")
    parser.add_argument("--model", default="sonido-tiny")
    parser.add_argument("--real", type=Path, default=None, help="also score the real-music corpus' test split")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "prior.json")
    parser.add_argument("--long-seconds", type=float, default=600.0)
    parser.add_argument("--max-seconds", type=float, default=40.0, help="seconds of each test piece scored")
    parser.add_argument("--contexts", default=",".join(map(str, CONTEXTS)), help="attention contexts to time")
    parser.add_argument("--note", default="", help="what else ran on the machine meanwhile (stored with the figures)")
    args = parser.parse_args()

    model = sonido.load_model(args.model)
    results = {"machine": {"platform": platform.platform(), "torch": torch.__version__, "threads": torch.get_num_threads()},
               "model": args.model, "note": args.note}  # fmt: skip
    print("attention (forward, one layer)", flush=True)
    results["attention"] = attention_table(tuple(int(n) for n in args.contexts.split(",")))
    print("training speed", flush=True)
    results["training"] = {lv: training_speed(model, lv) for lv in model.priors}
    print(f"  {results['training']}", flush=True)
    print(f"extraction of a {args.long_seconds:.0f} s file (top + mid, default layers)", flush=True)
    results["extraction"] = _in_child(_extract_child, args.model, args.long_seconds)
    print(f"  {results['extraction']}", flush=True)
    print("bits per token on the test split", flush=True)
    results["bits_per_token"] = bits_per_token(model, EmbeddedCorpus(args.corpus), args.max_seconds)
    if args.real is not None:
        print("bits per token on the real-music corpus' test split", flush=True)
        results["bits_per_token_real"] = bits_per_token(model, RealCorpus(args.real), args.max_seconds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out, results)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

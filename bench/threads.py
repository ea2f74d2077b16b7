"""Threads on an idle and on a loaded machine: bench/prior.py's extraction, side by side.

    python bench/threads.py [--model sonido-small] [--seconds 120]
    # -> bench/results/threads.json

For each machine state — idle, and loaded by one other single-threaded torch job that
keeps a core busy (what a background training run is here) — it times the extraction of
``--seconds`` of audio (``bench/prior.py``'s measurement, each in a fresh process) with 1
thread, with one thread per core, and with sonido's default policy
(:mod:`sonido.threads`: one thread per free core). Run it on an otherwise idle machine
with ``OMP_NUM_THREADS`` unset; before each idle measurement it waits for the load average
to settle (the policy reads the one-minute load average, which lags a job that just ended).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.prior import _extract_child, _in_child  # noqa: E402


def _extract_with_threads(name: str, seconds: float, threads: int | None, queue) -> None:
    import sonido

    chosen = sonido.set_threads(threads)
    inner: list[dict] = []
    _extract_child(name, seconds, type("Box", (), {"put": lambda self, v: inner.append(v)})())
    queue.put({"threads": chosen, "asked": threads if threads is not None else "default", **inner[0]})


def _busy(stop) -> None:
    """One torch thread doing matmuls until told to stop: a background training run's load."""
    import torch

    torch.set_num_threads(1)
    a = torch.randn(512, 512)
    while not stop.is_set():
        a = torch.tanh(a @ a * 1e-3)


def _wait_for_load(target: float, above: bool, limit: float = 180.0) -> float:
    """Wait (at most ``limit`` s) until the 1-minute load average is above / below ``target``."""
    start = time.time()
    while (os.getloadavg()[0] < target if above else os.getloadavg()[0] > target) and time.time() - start < limit:
        time.sleep(2)
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="sonido-small")
    parser.add_argument("--seconds", type=float, default=120.0, help="audio extracted per measurement")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "threads.json")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    rows = []
    ctx = mp.get_context("spawn")
    for state in ("idle", "loaded"):
        stop, load = ctx.Event(), None
        if state == "loaded":
            load = ctx.Process(target=_busy, args=(stop,))
            load.start()
            print(f"waiting for the load average to show the busy core: {_wait_for_load(0.9, above=True):.2f}", flush=True)
        for threads in (1, cores, None):
            if state == "idle":  # each idle row waits: the previous measurement lifts the 1-minute average
                print(f"waiting for the load average to settle: {_wait_for_load(0.3, above=False):.2f}", flush=True)
            before = os.getloadavg()[0]
            row = {"machine": state, "loadavg_before": round(before, 2),
                   **_in_child(_extract_with_threads, args.model, args.seconds, threads)}  # fmt: skip
            rows.append(row)
            print(f"{state:6s} threads {row['asked']!s:>7s} -> {row['threads']}: {row['x_realtime']:6.2f}x real time "
                  f"(load average before {before:.2f})", flush=True)  # fmt: skip
        if load is not None:
            stop.set()
            load.join()
            time.sleep(1)
    results = {
        "model": args.model, "audio_seconds": args.seconds, "rows": rows,
        "machine": {"usable_cores": cores, "platform": platform.platform(), "torch": __import__("torch").__version__},
        "note": "loaded = one other process running single-threaded torch matmuls on one core; "
                "default = sonido's policy (one thread per free core)",
    }  # fmt: skip
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

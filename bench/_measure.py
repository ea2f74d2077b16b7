"""Peak memory of one operation, for the benchmark scripts.

``ru_maxrss`` is a high-water mark over the process' whole life, so it hides anything
smaller than what came before. Instead a thread samples the resident set size
(``/proc/self/statm``) every millisecond while the operation runs; the figure is the
peak minus the RSS just before it started.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE / 2**20


def peak_extra_mb(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``fn``; return ``(result, seconds, peak RSS growth in MB)``."""
    base = rss_mb()
    peak = [base]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.001)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    start = time.perf_counter()
    try:
        result = fn()
    finally:
        elapsed = time.perf_counter() - start
        done.set()
        t.join()
    return result, elapsed, max(0.0, max(peak[0], rss_mb()) - base)

"""How many torch threads a sonido process uses: one policy for the CLI and the API.

On a machine that other jobs also use, torch's default (one OpenMP thread per core)
makes every job slower: threads of two processes spin against each other on the same
cores. sonido therefore starts at most one torch thread per *free* core, where free =
cores this process may run on minus the machine's one-minute load average (rounded),
at least one. ``SONIDO_THREADS`` or an explicit ``--threads N`` / :func:`set_threads`
overrides the guess; ``OMP_NUM_THREADS`` set in the environment is respected as well.
"""

from __future__ import annotations

import logging
import os

import torch

log = logging.getLogger(__name__)

_chosen: int | None = None


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, else ``os.cpu_count()``)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def free_cores() -> int:
    """Usable cores minus the one-minute load average (rounded), at least one."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return max(1, min(usable_cores(), usable_cores() - int(round(load))))


def default_threads() -> int:
    """``SONIDO_THREADS``, else ``OMP_NUM_THREADS``, else :func:`free_cores` (never above the usable cores)."""
    for var in ("SONIDO_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value:
            try:
                n = int(value)
            except ValueError:
                raise ValueError(f"{var}={value!r} is not a whole number of threads") from None
            if n < 1:
                raise ValueError(f"{var} must be at least 1, got {n}")
            return min(n, usable_cores())
    return free_cores()


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads to ``n`` (``None``: :func:`default_threads`); returns the number.

    Later calls of :func:`ensure_threads` keep this choice.
    """
    global _chosen
    if n is not None and n < 1:
        raise ValueError(f"threads must be at least 1, got {n}")
    chosen = default_threads() if n is None else n
    torch.set_num_threads(chosen)
    _chosen = chosen
    log.info("torch threads: %d (usable cores %d, free %d)", chosen, usable_cores(), free_cores())
    return chosen


def ensure_threads() -> int:
    """Apply the policy once per process unless :func:`set_threads` chose already (what
    :func:`sonido.load_model` calls, so API users get the policy without asking)."""
    return set_threads(None) if _chosen is None else _chosen

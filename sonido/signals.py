"""Stopping long jobs cleanly: SIGTERM and SIGINT become an exception the job can clean up after.

Lightning's trainer swallows SIGTERM ("bypassing") and turns KeyboardInterrupt into
``sys.exit(1)``; :class:`Interrupted` is neither, so it reaches the job's ``finally``
blocks (which remove partial outputs) and the CLI, which exits with status 130.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Interrupted(BaseException):
    """SIGTERM or SIGINT arrived (a BaseException, like KeyboardInterrupt)."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Raise :class:`Interrupted` on SIGTERM/SIGINT while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Interrupted(signum)

    saved = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)

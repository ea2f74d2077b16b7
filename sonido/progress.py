"""One progress display for jobs that walk through audio: files done, and seconds of audio
inside the current file with the speed in times real time and the time left."""

from __future__ import annotations

import time

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn


def audio_progress(enabled: bool = True) -> Progress:
    """A rich :class:`Progress` whose tasks carry ``unit`` and ``rt`` fields (see :class:`AudioTask`)."""
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed:.0f}/{task.total:.0f} {task.fields[unit]}"),
                    TextColumn("{task.fields[rt]}"), TimeRemainingColumn(), disable=not enabled)  # fmt: skip


class AudioTask:
    """Seconds of one file's audio done, shown with the speed in × real time."""

    def __init__(self, bar: Progress, name: str, seconds: float):
        self.bar, self.start, self.done = bar, time.perf_counter(), 0.0
        self.task = bar.add_task(name, total=seconds, rt="", unit="s")

    def advance(self, seconds: float) -> None:
        self.done += seconds
        speed = self.done / max(1e-9, time.perf_counter() - self.start)
        self.bar.update(self.task, completed=self.done, rt=f"{speed:.1f}x real time")

    def close(self) -> None:
        self.bar.remove_task(self.task)

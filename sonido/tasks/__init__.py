"""Downstream tasks boosted by SoniDo features, behind one :class:`~sonido.tasks.base.Task` interface."""

from __future__ import annotations

from sonido.tasks.base import TASK_VARIANTS, RunConfig, Task

TASKS = {"tagging": "sonido.tasks.tagging:Tagging", "probe": "sonido.tasks.probing:Probing"}


def get_task(name: str) -> Task:
    """A task object by name (see ``TASKS``); its module is imported on demand."""
    import importlib

    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose from {sorted(TASKS)}")
    module, cls = TASKS[name].split(":")
    return getattr(importlib.import_module(module), cls)()


__all__ = ["TASKS", "TASK_VARIANTS", "RunConfig", "Task", "get_task"]

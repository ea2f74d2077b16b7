"""Downstream tasks boosted by SoniDo features, behind one :class:`~sonido.tasks.base.Task` interface."""

from __future__ import annotations

from sonido.tasks.base import TASK_VARIANTS, RunConfig, Task

TASKS = {"tagging": "sonido.tasks.tagging:Tagging", "probe": "sonido.tasks.probing:Probing",
         "transcription": "sonido.tasks.transcription:Transcription", "separation": "sonido.tasks.separation:Separation",
         "mixing": "sonido.tasks.mixing:Mixing"}


def get_task(name: str, **overrides) -> Task:
    """A task object by name (see ``TASKS``; its module is imported on demand), its typed
    config (``Task.config_class``) changed by ``overrides`` (field -> value; strings are
    converted to the field's type, as ``sonido task NAME --set key=value`` passes them)."""
    import importlib

    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose from {sorted(TASKS)}")
    module, cls_name = TASKS[name].split(":")
    cls = getattr(importlib.import_module(module), cls_name)
    return cls(cls.config_class().with_overrides(overrides))


__all__ = ["TASKS", "TASK_VARIANTS", "RunConfig", "Task", "get_task"]

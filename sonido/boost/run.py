"""`sonido boost`: from the embedded corpus to a report that answers "does sonido help my task?".

It builds the corpus if missing, then for every task of the plan runs the sweep (baseline,
boosted, control and the task's peer or oracle rows over fractions x seeds; features
extracted once per dataset and model into ``OUT/features``, on first use), and writes the
report (:mod:`sonido.boost.report`). Every task's results file is rewritten after each
cell, so a re-run after an interruption redoes nothing that finished; a task that fails
is reported with its error and the others still run. One progress display covers the
whole grid.

On several cores the tasks run in *lanes*, one process each with one torch thread (two
torch jobs with a thread per core each would spin against each other): the tasks that
read the corpus itself (and so share its feature cache) in one lane, the tasks that build
sets of their own (separation, mixing) in another. ``jobs`` caps the lanes (0: the free
cores); with one, everything runs in this process, in order.
"""

from __future__ import annotations

import logging
import os
import platform
import time
from pathlib import Path

from sonido.boost.plan import ALL_TASKS, PLANS, BoostConfig, task_data

log = logging.getLogger(__name__)


def _corpus(cfg: BoostConfig, progress: bool) -> Path:
    from sonido.data.corpus import CorpusConfig, build_corpus

    root = cfg.corpus
    if not (root / "manifest.json").exists():
        preset = CorpusConfig.preset("tiny") if cfg.quick else CorpusConfig.preset("small", pieces=cfg.corpus_pieces,
                                                                                 max_seconds=cfg.piece_seconds)
        build_corpus(root, preset, progress=progress)
    return root


def _machine() -> dict:
    import torch

    from sonido.threads import usable_cores

    return {"cores": usable_cores(), "torch": torch.__version__, "torch threads": torch.get_num_threads(),
            "platform": platform.platform(), "python": platform.python_version(),
            "load average at start": round(os.getloadavg()[0], 2)}  # fmt: skip


def _card(model: str) -> str:
    card = Path(__file__).resolve().parents[1] / "weights" / model / "README.md"
    return card.read_text() if card.exists() else f"(no shipped card for {model})"


def lanes(tasks: tuple[str, ...], jobs: int) -> list[tuple[str, ...]]:
    """``tasks`` (in order) split into at most ``jobs`` lanes that share no feature cache:
    those that read the corpus, then those that build their own set (see the module docstring)."""
    corpus = tuple(t for t in tasks if PLANS[t].dataset == "embedded-corpus")
    own = tuple(t for t in tasks if PLANS[t].dataset != "embedded-corpus")
    split = [lane for lane in (corpus, own) if lane]
    return split if jobs > 1 and len(split) > 1 else [tasks] if tasks else []


def _run_task(name: str, cfg: BoostConfig, corpus: Path, progress: bool, on_cell) -> str | None:
    """One task's sweep into ``OUT/results/NAME.json``; returns its error (``None`` when it finished)."""
    from sonido.tasks import get_task
    from sonido.tasks.base import RunConfig

    plan, out = PLANS[name], Path(cfg.out)
    fractions, seeds = cfg.grid()
    try:
        data = task_data(plan, corpus, out, cfg.quick, progress)
        task = get_task(name, **plan.overrides(cfg.quick))
        base = RunConfig(data=str(data), dataset=plan.dataset, features=str(out / "features" / plan.dataset),
                         model=cfg.model, control_model=cfg.control_model, out=str(out / "runs" / name),
                         clip_seconds=cfg.clip_seconds, layers=cfg.layers if task.mixes_layers else "default")  # fmt: skip
        task.sweep(base, out / "results" / f"{name}.json", fractions, seeds, plan.variants, on_cell=on_cell)
        return None
    except Exception as err:  # noqa: BLE001 — one failing task must not stop the benchmark
        log.exception("boost: %s failed", name)
        return f"{type(err).__name__}: {err}"


def _lane(names: tuple[str, ...], cfg: BoostConfig, corpus: Path, events) -> None:
    """A lane's process: one torch thread, its tasks in order; cells and errors reported on ``events``."""
    from sonido.threads import set_threads

    set_threads(1)
    for name in names:
        error = _run_task(name, cfg, corpus, False, lambda *cell, name=name: events.put(("cell", name, *cell)))
        events.put(("task", name, error))


def run_boost(cfg: BoostConfig, progress: bool = True) -> Path:
    """Run the benchmark; returns ``OUT/REPORT.md``."""
    import multiprocessing
    import queue

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from sonido.boost.report import write_report
    from sonido.tasks.results import Results
    from sonido.threads import free_cores

    unknown = [t for t in cfg.tasks if t not in ALL_TASKS]
    if unknown:
        raise ValueError(f"unknown tasks {unknown}; choose from {ALL_TASKS}")
    start, out = time.perf_counter(), Path(cfg.out)
    corpus = _corpus(cfg, progress)
    fractions, seeds = cfg.grid()
    planned = tuple(t for t in cfg.tasks if t in PLANS)
    errors = {t: "not built in this sonido yet (no task plugs in under this name)" for t in cfg.tasks if t not in PLANS}
    split = lanes(planned, cfg.jobs or free_cores())
    total = sum(len(PLANS[t].variants) for t in planned) * len(fractions) * len(seeds)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("left"), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, disable=not progress) as bar:
        grid = bar.add_task("boost", total=total)

        def on_cell(name: str, variant: str, fraction: float, seed: int, done: bool) -> None:
            bar.update(grid, description=f"{name} f={fraction:g} seed {seed} {variant}", advance=1 if done else 0)

        if len(split) <= 1:
            for name in planned:
                error = _run_task(name, cfg, corpus, progress, lambda *cell, name=name: on_cell(name, *cell))
                if error:
                    errors[name] = error
        else:
            ctx = multiprocessing.get_context("spawn")
            events = ctx.Queue()
            procs = [ctx.Process(target=_lane, args=(lane, cfg, corpus, events), daemon=True) for lane in split]
            for p in procs:
                p.start()
            finished: set[str] = set()
            while len(finished) < len(planned):
                try:
                    event = events.get(timeout=1.0)
                except queue.Empty:
                    if all(not p.is_alive() for p in procs) and events.empty():
                        break  # a lane died without reporting (killed, out of memory)
                    continue
                if event[0] == "cell":
                    on_cell(*event[1:])
                else:
                    finished.add(event[1])
                    if event[2]:
                        errors[event[1]] = event[2]
            for p in procs:
                p.join()
            lane_of = {name: p for lane, p in zip(split, procs) for name in lane}
            for name in sorted(set(planned) - finished):
                errors[name] = f"its lane's process ended before finishing it (exit code {lane_of[name].exitcode})"
    results = {name: Results.load(path) for name in planned if (path := out / "results" / f"{name}.json").exists()}
    budget = f"{'--quick' if cfg.quick else 'default'} (fractions {', '.join(f'{f:g}' for f in fractions)}; {len(seeds)} seed(s))"
    machine = {**_machine(), "lanes": " | ".join(", ".join(lane) for lane in split)
               + (" (one process and torch thread each)" if len(split) > 1 else " (this process)")}
    about = {"model": cfg.model, "control_model": cfg.control_model, "budget": budget, "machine": machine,
             "elapsed_seconds": round(time.perf_counter() - start, 1), "card": _card(cfg.model), "config": cfg.to_dict()}
    return write_report(out, results, errors, about)

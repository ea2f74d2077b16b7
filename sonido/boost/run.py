"""`sonido boost`: from the embedded corpus to a report that answers "does sonido help my task?".

It builds the corpus if missing, then for every task of the plan runs the sweep (baseline,
boosted, control and the task's peer or oracle rows over fractions x seeds; features
extracted once per dataset and model into ``OUT/features``, on first use), and writes the
report (:mod:`sonido.boost.report`). Every task's results file is rewritten after each
cell, so a re-run after an interruption redoes nothing that finished; a task that fails
is reported with its error and the others still run. One progress display covers the
whole grid.
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


def run_boost(cfg: BoostConfig, progress: bool = True) -> Path:
    """Run the benchmark; returns ``OUT/REPORT.md``."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from sonido.boost.report import write_report
    from sonido.tasks import get_task
    from sonido.tasks.base import RunConfig
    from sonido.tasks.results import Results

    unknown = [t for t in cfg.tasks if t not in ALL_TASKS]
    if unknown:
        raise ValueError(f"unknown tasks {unknown}; choose from {ALL_TASKS}")
    start, out = time.perf_counter(), Path(cfg.out)
    corpus = _corpus(cfg, progress)
    fractions, seeds = cfg.grid()
    planned = [t for t in cfg.tasks if t in PLANS]
    errors = {t: "not built in this sonido yet (no task plugs in under this name)" for t in cfg.tasks if t not in PLANS}
    results: dict[str, Results] = {}
    total = sum(len(PLANS[t].variants) for t in planned) * len(fractions) * len(seeds)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("left"), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, disable=not progress) as bar:
        grid = bar.add_task("boost", total=total)
        for name in planned:
            plan = PLANS[name]
            path = out / "results" / f"{name}.json"

            def on_cell(variant: str, fraction: float, seed: int, done: bool, name=name) -> None:
                bar.update(grid, description=f"{name} f={fraction:g} seed {seed} {variant}", advance=1 if done else 0)

            try:
                data = task_data(plan, corpus, out, cfg.quick, progress)
                task = get_task(name, **plan.overrides(cfg.quick))
                base = RunConfig(data=str(data), dataset=plan.dataset, features=str(out / "features" / plan.dataset),
                                 model=cfg.model, control_model=cfg.control_model, out=str(out / "runs" / name),
                                 clip_seconds=cfg.clip_seconds)  # fmt: skip
                results[name] = task.sweep(base, path, fractions, seeds, plan.variants, on_cell=on_cell)
            except Exception as err:  # noqa: BLE001 — one failing task must not stop the benchmark
                log.exception("boost: %s failed", name)
                errors[name] = f"{type(err).__name__}: {err}"
                if path.exists():
                    results[name] = Results.load(path)  # what finished before the failure
    budget = f"{'--quick' if cfg.quick else 'default'} (fractions {', '.join(f'{f:g}' for f in fractions)}; {len(seeds)} seed(s))"
    about = {"model": cfg.model, "control_model": cfg.control_model, "budget": budget, "machine": _machine(),
             "elapsed_seconds": round(time.perf_counter() - start, 1), "card": _card(cfg.model), "config": cfg.to_dict()}
    return write_report(out, results, errors, about)

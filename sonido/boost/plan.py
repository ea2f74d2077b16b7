"""What `sonido boost` runs: its config, and per task the data, the variants and the budget.

Each task's plan names the dataset layout it reads, the variants it compares (baseline,
boosted, control, and the task's peer or oracle rows), and its task-config overrides in
the default and the ``--quick`` budget. The budgets are sized so that the whole grid fits
the README's stated times on a 2-core machine; every number a plan sets is an ordinary
task-config field (``sonido task NAME --set ...`` runs the same thing by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sonido.checkpoint import DEFAULT_CONTROL, DEFAULT_MODEL
from sonido.configbase import ConfigBase

ALL_TASKS = ("tagging", "probe", "transcription", "separation", "mixing")


@dataclass(frozen=True)
class BoostConfig(ConfigBase):
    """Attributes:
    tasks: which tasks (a subset of :data:`ALL_TASKS`).
    model, control_model: the pretrained model and its random-weight control.
    fractions, seeds: the grid (``()`` / ``0``: the mode's default).
    quick: the ``--quick`` budget (few fractions, one seed, short training; still every task).
    out: the report folder (``REPORT.md``, ``results.json``, plots, per-task results and runs).
    jobs: processes the tasks run in (lanes, :func:`sonido.boost.run.lanes`); 0: the free cores.
    data: the embedded corpus (built there if missing: ``tiny`` for --quick, ``small``
        cut to ``corpus_pieces`` pieces of at most ``piece_seconds`` otherwise — the tasks
        read the first ``clip_seconds``); empty: :attr:`corpus`'s per-mode default.
    layers: ``default`` (each prior's tapped layer) or ``all`` (every layer, mixed by learned
        weights in the task models that take it; the probes keep their pooled inputs).
    """

    tasks: tuple[str, ...] = ALL_TASKS
    model: str = DEFAULT_MODEL
    control_model: str = DEFAULT_CONTROL
    fractions: tuple[float, ...] = ()
    seeds: int = 0
    quick: bool = False
    out: str = "report"
    jobs: int = 0
    data: str = ""
    corpus_pieces: int = 160
    piece_seconds: float = 20.0
    clip_seconds: float = 10.0
    layers: str = "default"

    @property
    def corpus(self) -> Path:
        """The corpus folder: ``data``, else ``data/corpus-boost-quick`` (--quick, the tiny corpus)
        or ``data/corpus-boost`` — one folder per mode, so a quick run never leaves its tiny
        corpus where the default run looks for the small one."""
        return Path(self.data or ("data/corpus-boost-quick" if self.quick else "data/corpus-boost"))

    def grid(self) -> tuple[tuple[float, ...], tuple[int, ...]]:
        fractions = self.fractions or ((0.25, 1.0) if self.quick else (0.1, 1.0))
        return tuple(fractions), tuple(range(self.seeds or (1 if self.quick else 3)))


@dataclass(frozen=True)
class TaskPlan:
    """One task in the benchmark: its layout, variants and budgets (task-config overrides)."""

    name: str
    dataset: str
    variants: tuple[str, ...]
    default: dict = field(default_factory=dict)
    quick: dict = field(default_factory=dict)

    def overrides(self, quick: bool) -> dict:
        return dict(self.quick if quick else self.default)


PLANS: dict[str, TaskPlan] = {
    "tagging": TaskPlan("tagging", "embedded-corpus", ("baseline", "boosted", "control"),
                        default={"max_epochs": 6, "samples_per_epoch": 128},
                        quick={"max_epochs": 3, "samples_per_epoch": 64}),
    "probe": TaskPlan("probe", "embedded-corpus", ("baseline", "boosted", "control"),
                      default={"hidden": (0,), "lr": (1e-3,), "dropout": (0.25,), "weight_decay": (0.0, 1e-3)},
                      quick={"hidden": (0,), "lr": (1e-3,), "dropout": (0.25,), "weight_decay": (0.0,), "max_epochs": 60}),
    "transcription": TaskPlan("transcription", "embedded-corpus", ("baseline", "boosted", "control", "peer"),
                              default={"arch": "probe", "max_epochs": 6, "samples_per_epoch": 128,
                                       "thresholds": (0.3, 0.5)},
                              quick={"arch": "probe", "max_epochs": 3, "samples_per_epoch": 64,
                                     "thresholds": (0.3, 0.5)}),
    "separation": TaskPlan("separation", "separation-set", ("baseline", "boosted", "control", "oracle"),
                           default={"arch": "umx", "max_epochs": 2, "steps_per_epoch": 16},
                           quick={"arch": "umx", "max_epochs": 1, "steps_per_epoch": 8, "batch_size": 4,
                                  "wiener_iterations": 0}),
    "mixing": TaskPlan("mixing", "medleydb", ("baseline", "boosted", "control", "reference"),
                       default={"max_epochs": 2, "steps_per_epoch": 12, "batch_size": 4, "chunk_seconds": 1.0},
                       quick={"max_epochs": 1, "steps_per_epoch": 8, "batch_size": 4}),
}  # fmt: skip
"""Tasks the benchmark can run; a task of :data:`ALL_TASKS` missing here is reported as not built."""


def task_data(plan: TaskPlan, corpus: Path, out: Path, quick: bool, progress: bool) -> Path:
    """The folder a task's plan reads: the corpus itself, or the separation / mixing set made
    from it (built once under ``OUT/data``)."""
    if plan.dataset == "separation-set":
        from sonido.tasks.separation.dataset import SeparationSetConfig, build_separation_set

        cfg = SeparationSetConfig(mixes=48 if quick else 96, seconds=4.0)
        return build_separation_set(corpus, out / "data" / "separation", cfg, progress=progress).parent
    if plan.dataset == "medleydb":
        from sonido.tasks.mixing.dataset import build_mixing_set

        return build_mixing_set(corpus, out / "data" / "mixing", seconds=6.0, progress=progress).parent
    return corpus

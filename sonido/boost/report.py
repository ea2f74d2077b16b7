"""The booster benchmark's report: a summary table, one table and one plot per task.

:func:`summarize` reads a task's :class:`~sonido.tasks.results.Results` into one summary line
per task network (``arch``): baseline, boosted and control at the smallest and the full
training fraction, the difference and the relative gain of boosted over baseline (the
gain only where a ratio means something: a positive baseline on a linear scale, not dB
or a score that can go negative), and a paired comparison
over seeds (a paired t-test of boosted − baseline on the same seed's subset and
initialisation) that says whether the difference is beyond seed noise.
:func:`write_report` writes ``REPORT.md``, ``results.json`` and the plots.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from sonido.fileio import atomic_write_json, atomic_write_text
from sonido.tasks.results import VARIANTS, Results

DECIBEL_METRICS = ("sdr", "si_sdr")
"""Metrics in dB: a ratio of two dB values is no gain, so only their difference is reported."""


@dataclass(frozen=True)
class Paired:
    """boosted − baseline over the seeds both ran at one fraction."""

    mean_diff: float
    n: int
    p_value: float | None  # None with fewer than 2 seeds

    def verdict(self, higher_is_better: bool) -> str:
        if self.p_value is None or math.isnan(self.p_value):
            return f"not tested ({self.n} seed{'s' if self.n != 1 else ''})"
        if self.p_value >= 0.05:
            return f"within seed noise (p={self.p_value:.2f}, n={self.n})"
        better = (self.mean_diff > 0) == higher_is_better
        return f"{'better' if better else 'worse'}, beyond seed noise (p={self.p_value:.3f}, n={self.n})"


@dataclass(frozen=True)
class SummaryLine:
    task: str
    arch: str
    metric: str
    higher_is_better: bool
    baseline_inputs: str
    small_fraction: float
    full_fraction: float
    cells: dict[str, dict[float, float]]  # variant -> fraction -> mean (the strongest inputs of each variant)
    relative_gain: dict[float, float]  # fraction -> (boosted - baseline) / baseline; NaN where no ratio means anything
    paired: dict[float, Paired]


def paired(results: Results, arch: str, base_inputs: str, boost_inputs: str, fraction: float) -> Paired:
    """Paired t-test (scipy) of boosted − baseline over the seeds both have at ``fraction``."""
    from scipy.stats import ttest_rel

    def by_seed(variant: str, inputs: str) -> dict[int, float]:
        return {r.seed: r.metrics[results.primary_metric] for r in results.rows
                if (r.arch, r.variant, r.inputs, r.fraction) == (arch, variant, inputs, fraction)
                and results.primary_metric in r.metrics}  # fmt: skip

    base, boost = by_seed("baseline", base_inputs), by_seed("boosted", boost_inputs)
    seeds = sorted(set(base) & set(boost))
    diffs = [boost[s] - base[s] for s in seeds]
    mean = sum(diffs) / len(diffs) if diffs else float("nan")
    if len(seeds) < 2:
        return Paired(mean, len(seeds), None)
    if all(d == diffs[0] for d in diffs):  # no spread: the t statistic is undefined
        return Paired(mean, len(seeds), 0.0 if mean != 0 else 1.0)
    return Paired(mean, len(seeds), float(ttest_rel([boost[s] for s in seeds], [base[s] for s in seeds]).pvalue))


def summarize(results: Results) -> list[SummaryLine]:
    """One line per arch that has both a baseline and a boosted run. Where a variant has
    several inputs (the probes' hand-made statistics), the strongest at the full fraction is
    the one shown: boosting has to beat the best hand-made features."""
    summary = results.summary()
    sign = 1 if results.higher_is_better else -1
    lines = []
    for arch in sorted({a for a, _, _ in summary}):
        by_variant: dict[str, dict[str, dict]] = {}
        for (a, v, i), c in summary.items():
            if a == arch:
                by_variant.setdefault(v, {})[i] = c
        if "baseline" not in by_variant or "boosted" not in by_variant:
            continue
        fractions = sorted({f for c in by_variant["boosted"].values() for f in c}
                           & {f for c in by_variant["baseline"].values() for f in c})  # fmt: skip
        if not fractions:
            continue
        small, full = fractions[0], fractions[-1]

        def strongest(cells: dict[str, dict]) -> str:
            return max(sorted(cells), key=lambda i: sign * _finite(cells[i].get(full, (float("nan"),))[0], sign))

        chosen = {v: strongest(c) for v, c in by_variant.items()}
        table = {v: {f: m for f, (m, _, _) in by_variant[v][i].items()} for v, i in chosen.items()}
        ratio = results.primary_metric not in DECIBEL_METRICS
        gain = {f: (table["boosted"][f] - table["baseline"][f]) / table["baseline"][f]
                if ratio and table["baseline"].get(f, 0) > 0 else float("nan") for f in (small, full)}  # fmt: skip
        tests = {f: paired(results, arch, chosen["baseline"], chosen["boosted"], f) for f in (small, full)}
        lines.append(SummaryLine(results.task, arch, results.primary_metric, results.higher_is_better,
                                 chosen["baseline"], small, full, table, gain, tests))  # fmt: skip
    return lines


def _finite(x: float, sign: int) -> float:
    """NaN ranks last when choosing the strongest inputs."""
    return x if not math.isnan(x) else -sign * math.inf


def _fmt(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def _diff(boosted: float | None, baseline: float | None) -> str:
    return "–" if boosted is None or baseline is None or math.isnan(boosted - baseline) else f"{boosted - baseline:+.3f}"


def summary_table(lines: list[SummaryLine]) -> list[str]:
    """The report's first table (markdown)."""
    out = ["| task | model | metric | fraction | baseline | boosted | control | boosted − baseline | gain | boosted vs baseline |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for line in lines:
        arrow = "↑" if line.higher_is_better else "↓"
        base = line.arch + (f" (baseline: {line.baseline_inputs})" if line.baseline_inputs else "")
        for f in dict.fromkeys((line.small_fraction, line.full_fraction)):
            c = line.cells
            gain = line.relative_gain.get(f, float("nan"))
            out.append(f"| {line.task} | {base} | {line.metric} {arrow} | {f:g} | {_fmt(c['baseline'].get(f))} | "
                       f"{_fmt(c['boosted'].get(f))} | {_fmt(c.get('control', {}).get(f))} | "
                       f"{_diff(c['boosted'].get(f), c['baseline'].get(f))} | {'–' if math.isnan(gain) else f'{gain:+.1%}'} | {line.paired[f].verdict(line.higher_is_better)} |")  # fmt: skip
    return out


def task_table(results: Results, metric: str | None = None) -> list[str]:
    """Every (arch, variant, inputs) of a task at every fraction, mean ± std over seeds (markdown)."""
    metric = metric or results.primary_metric
    summary = results.summary(metric)
    fracs = sorted({f for c in summary.values() for f in c})
    order = {v: i for i, v in enumerate(VARIANTS)}
    out = ["| model | variant | " + " | ".join(f"{f:g}" for f in fracs) + " |", "|---|---|" + "---:|" * len(fracs)]
    for a, v, i in sorted(summary, key=lambda k: (k[0], order[k[1]], k[2])):
        cells = [summary[(a, v, i)].get(f) for f in fracs]
        out.append(f"| {a} | {v}{f' [{i}]' if i else ''} | "
                   + " | ".join(f"{c[0]:.3f} ± {c[1]:.3f} (n={c[2]})" if c else "–" for c in cells) + " |")  # fmt: skip
    return out


def write_report(out: Path, results: dict[str, Results], errors: dict[str, str], about: dict) -> Path:
    """``OUT/REPORT.md``, ``OUT/results.json`` and ``OUT/<task>.png``.

    Args:
        results: task name -> its results (tasks that ran, even partly).
        errors: task name -> why it has no (complete) results.
        about: what ran it: ``model``, ``control_model``, ``machine`` (dict), ``card`` (the
            model card's markdown), ``budget`` and ``elapsed_seconds``.
    """
    from sonido.tasks.plot import plot

    lines_by_task = {name: summarize(r) for name, r in results.items()}
    md = ["# Does sonido help? The booster benchmark", "",
          f"Model `{about.get('model')}` against its random-weight control `{about.get('control_model')}`; "
          f"budget: {about.get('budget')}; {about.get('elapsed_seconds', 0) / 60:.1f} minutes on the machine below.", "",
          "## Summary", "",
          "Per task network: the primary metric at the smallest and the full training fraction (mean over seeds), "
          "boosted − baseline and the relative gain (only where a ratio means something: not for dB or a baseline "
          "at or below zero), and a paired t-test over seeds (same subset and "
          "initialisation) saying whether the difference is beyond seed noise.", ""]  # fmt: skip
    md += summary_table([line for lines in lines_by_task.values() for line in lines])
    if errors:
        md += ["", "Tasks without results:", ""] + [f"- **{t}**: {e}" for t, e in errors.items()]
    for name, res in results.items():
        md += ["", f"## {name}", "", f"{res.dataset}, metric `{res.primary_metric}` "
               f"({'higher' if res.higher_is_better else 'lower'} is better), mean ± std over seeds.", ""]  # fmt: skip
        md += task_table(res)
        try:
            png = plot(res, out / f"{name}.png")
            md += ["", f"![{name}]({png.name})"]
        except ValueError as err:
            md += ["", f"(no plot: {err})"]
    machine = about.get("machine", {})
    md += ["", "## Machine", "", *[f"- {k}: {v}" for k, v in machine.items()]]
    if about.get("card"):
        md += ["", "## The model's card", "", *[("#" + ln if ln.startswith("#") else ln) for ln in about["card"].splitlines()]]
    atomic_write_json(out / "results.json", {
        "about": {k: v for k, v in about.items() if k != "card"}, "errors": errors,
        "summary": [asdict(line) for lines in lines_by_task.values() for line in lines],
        "tasks": {name: {**asdict(r), "rows": [asdict(x) for x in r.rows]} for name, r in results.items()},
    })  # fmt: skip
    return atomic_write_text(out / "REPORT.md", "\n".join(md) + "\n")


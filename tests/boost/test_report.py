import json

import numpy as np

from sonido.boost.report import paired, summarize, summary_table, write_report
from sonido.tasks.results import Results, Row


def fake_results() -> Results:
    """Boosted is 0.05 above baseline at every seed at the full fraction (beyond noise), and equal
    on average at 0.1 with spread (within noise); the probes' baseline has two inputs."""
    res = Results("tagging", "embedded-corpus:x", "sonido-small", "roc_auc_macro", True)
    rng = np.random.default_rng(0)
    for seed in range(3):
        for fraction, gain in ((0.1, 0.0), (1.0, 0.05)):
            base = 0.7 + 0.02 * seed + (0.1 if fraction == 1.0 else 0.0)
            noise = rng.normal(0, 0.02) if fraction == 0.1 else 0.0
            res.add(Row("cnn", "baseline", fraction, seed, {"roc_auc_macro": base}, 1.0))
            res.add(Row("cnn", "baseline", fraction, seed, {"roc_auc_macro": base - 0.2}, 1.0, inputs="weak"))
            res.add(Row("cnn", "boosted", fraction, seed, {"roc_auc_macro": base + gain + noise + 0.001 * seed}, 1.0))
            res.add(Row("cnn", "control", fraction, seed, {"roc_auc_macro": base - 0.01}, 1.0))
    return res


def test_summary_compares_with_the_strongest_baseline_and_tests_over_seeds():
    (line,) = summarize(fake_results())
    assert line.arch == "cnn" and line.baseline_inputs == "" and (line.small_fraction, line.full_fraction) == (0.1, 1.0)
    assert np.isclose(line.cells["boosted"][1.0] - line.cells["baseline"][1.0], 0.051)
    assert np.isclose(line.relative_gain[1.0], 0.051 / 0.82)
    assert line.paired[1.0].p_value < 0.05 and line.paired[1.0].verdict(True).startswith("better, beyond seed noise")
    assert line.paired[0.1].verdict(True).startswith("within seed noise")
    assert line.paired[1.0].verdict(False).startswith("worse")  # the same difference when lower is better


def test_no_relative_gain_where_a_ratio_means_nothing():
    """dB (SDR) and scores that can be negative (R²) get the difference only."""
    for metric, base in (("sdr", 0.2), ("score", -0.3)):
        res = Results("t", "d", "m", metric, True, [Row("a", "baseline", 1.0, 0, {metric: base}, 0.0),
                                                    Row("a", "boosted", 1.0, 0, {metric: base + 0.5}, 0.0)])  # fmt: skip
        (line,) = summarize(res)
        assert np.isnan(line.relative_gain[1.0])
        assert "| +0.500 | – |" in "\n".join(summary_table([line]))


def test_single_seed_is_not_tested():
    res = Results("t", "d", "m", "score", True, [Row("a", "baseline", 1.0, 0, {"score": 0.5}, 0.0),
                                                 Row("a", "boosted", 1.0, 0, {"score": 0.6}, 0.0)])  # fmt: skip
    p = paired(res, "a", "", "", 1.0)
    assert p.n == 1 and p.p_value is None and p.verdict(True) == "not tested (1 seed)"


def test_report_has_the_summary_first_a_table_and_a_plot_per_task_and_the_errors(tmp_path):
    about = {"model": "sonido-small", "control_model": "small-random", "budget": "default", "elapsed_seconds": 60.0,
             "machine": {"cores": 2, "torch": "2.13.0"}, "card": "# sonido-small\n\nA card."}  # fmt: skip
    report = write_report(tmp_path, {"tagging": fake_results()}, {"mixing": "not built"}, about)
    text = report.read_text()
    assert text.index("## Summary") < text.index("## tagging") < text.index("## Machine") < text.index("## The model's card")
    assert "| tagging | cnn | roc_auc_macro ↑ | 1 | 0.820 | 0.871 | 0.810 | +0.051 | +6.2% | better, beyond seed noise" in text
    assert "**mixing**: not built" in text and "- cores: 2" in text and "## sonido-small" in text
    assert "| cnn | baseline [weak] |" in text and "(n=3)" in text
    assert (tmp_path / "tagging.png").stat().st_size > 1000 and "![tagging](tagging.png)" in text
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["errors"] == {"mixing": "not built"} and len(saved["tasks"]["tagging"]["rows"]) == 24
    assert saved["summary"][0]["arch"] == "cnn" and "card" not in saved["about"]

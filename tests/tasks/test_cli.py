import json

import pytest

from sonido.cli import main
from sonido.tasks import get_task
from sonido.tasks.probing import ProbeConfig
from sonido.tasks.results import Results
from sonido.tasks.tagging import TaggingConfig

FAST = ["--set", "hidden=0,32", "--set", "lr=1e-2", "--set", "dropout=0.25", "--set", "weight_decay=0",
        "--set", "max_epochs=30", "--set", "patience=5"]  # fmt: skip


def test_get_task_sets_the_typed_config():
    probe = get_task("probe", hidden="0,32", lr=0.01, patience="5")
    assert probe.cfg == ProbeConfig(hidden=(0, 32), lr=(0.01,), patience=5)
    assert get_task("tagging", token_out="0.3", chunk_frames=64).cfg == TaggingConfig(token_out=0.3, chunk_frames=64)
    with pytest.raises(ValueError, match="unknown ProbeConfig keys"):
        get_task("probe", hiden="0")
    with pytest.raises(ValueError, match="cannot set patience"):
        get_task("probe", patience="soon")


def test_task_cli_config_file_and_set(mini_corpus, tmp_path, capsys):
    cfg = tmp_path / "probe.json"
    cfg.write_text(json.dumps({"hidden": [0], "lr": [0.01], "dropout": [0.25], "weight_decay": [0.0], "max_epochs": 3}))
    assert main(["task", "probe", "--data", str(mini_corpus), "--clip-seconds", "2", "--task-config", str(cfg),
                 "--set", "patience=1", "--out", str(tmp_path / "run")]) == 0  # fmt: skip
    assert main(["task", "probe", "--data", str(mini_corpus), "--set", "nope=1"]) == 2
    assert "unknown ProbeConfig keys" in capsys.readouterr().err


def test_task_cli_single_run_and_resumable_sweep(mini_corpus, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["task", "probe", "--data", str(mini_corpus), "--features", "none", "--clip-seconds", "2",
                 "--train-fraction", "0.5", "--out", str(out), *FAST]) == 0  # fmt: skip
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["config"]["variant"] == "baseline" and len(saved["rows"]) == 6  # 3 sub-tasks x 2 inputs
    results = tmp_path / "probes.json"
    sweep = ["task", "probe", "--data", str(mini_corpus), "--features", "none", "--clip-seconds", "2", "--sweep",
             "--fractions", "0.5,1", "--seeds", "2", "--results", str(results), "--out", str(tmp_path / "sweep"), *FAST]
    assert main(sweep) == 0
    printed = capsys.readouterr().out
    assert "mean ± std over seeds" in printed and "collection / baseline [mel-stats]" in printed
    res = Results.load(results)
    assert res.task == "probe" and res.primary_metric == "score" and len(res.rows) == 2 * 2 * 6
    stamp = results.stat().st_mtime_ns
    assert main(sweep) == 0  # every cell is done: nothing re-runs, the file is untouched
    assert results.stat().st_mtime_ns == stamp


def test_task_cli_errors(mini_corpus, tmp_path, capsys):
    assert main(["task", "nope", "--data", str(mini_corpus)]) == 2
    assert "unknown task" in capsys.readouterr().err
    assert main(["task", "tagging", "--data", str(mini_corpus), "--variant", "boosted"]) == 2
    assert "needs --features" in capsys.readouterr().err
    assert main(["task", "tagging", "--data", str(tmp_path / "missing")]) == 1  # missing data: the input failed
    assert "manifest" in capsys.readouterr().err


def test_corpus_sets_and_waveform_task_sweeps_from_the_cli(stem_corpus, tmp_path, capsys):
    """`sonido corpus separation|mixing` then `sonido task separation --arch umx --sweep` (with the oracle and mixture rows)
    and `sonido task mixing` (with the reference rows), baseline only (no features)."""
    sep, mix = tmp_path / "sep", tmp_path / "mix"
    assert main(["corpus", "separation", str(stem_corpus), str(sep), "--mixes", "8", "--seconds", "1", "--eval-seconds",
                 "2", "--quiet"]) == 0  # fmt: skip
    assert main(["corpus", "mixing", str(stem_corpus), str(mix), "--seconds", "2", "--quiet"]) == 0
    fast = ["--set", "max_epochs=1", "--set", "steps_per_epoch=2", "--set", "batch_size=2", "--set", "chunk_seconds=0.5"]
    assert main(["task", "separation", "--dataset", "separation-set", "--data", str(sep), "--arch", "umx", "--sweep",
                 "--fractions", "1", "--seeds", "1", "--clip-seconds", "2", "--results", str(tmp_path / "s.json"),
                 "--out", str(tmp_path / "s"), *fast]) == 0  # fmt: skip
    assert {(r.arch, r.variant) for r in Results.load(tmp_path / "s.json").rows} == {
        ("umx-tiny", "baseline"), ("oracle-irm2", "oracle"), ("mixture", "reference")}
    assert main(["task", "mixing", "--dataset", "medleydb", "--data", str(mix), "--sweep", "--fractions", "1",
                 "--seeds", "1", "--clip-seconds", "2", "--results", str(tmp_path / "m.json"), "--out",
                 str(tmp_path / "m"), *fast]) == 0  # fmt: skip
    res = Results.load(tmp_path / "m.json")
    assert {r.variant for r in res.rows} == {"baseline", "reference"} and not res.higher_is_better
    assert "lower is better" in capsys.readouterr().out

import json

from sonido.cli import main
from sonido.tasks import probing
from sonido.tasks.results import Results
from tests.tasks.test_probing import FAST


def test_task_cli_single_run_and_resumable_sweep(mini_corpus, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(probing, "ProbeConfig", lambda: FAST)
    out = tmp_path / "run"
    assert main(["task", "probe", "--data", str(mini_corpus), "--features", "none", "--clip-seconds", "2",
                 "--train-fraction", "0.5", "--out", str(out)]) == 0  # fmt: skip
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["config"]["variant"] == "baseline" and len(saved["rows"]) == 6  # 3 sub-tasks x 2 inputs
    results = tmp_path / "probes.json"
    sweep = ["task", "probe", "--data", str(mini_corpus), "--features", "none", "--clip-seconds", "2", "--sweep",
             "--fractions", "0.5,1", "--seeds", "2", "--results", str(results), "--out", str(tmp_path / "sweep")]
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

import dataclasses
import json

import pytest

from sonido.boost import BoostConfig, run_boost


@pytest.mark.slow
def test_quick_boost_on_a_4_piece_corpus_end_to_end_and_resumes(tmp_path):
    """`sonido boost --quick` with the random-weight tiny model: corpus built, every task attempted,
    a report with a summary and a plot per task that produced results; a re-run redoes nothing."""
    from sonido.data.corpus import CorpusConfig, build_corpus

    corpus = tmp_path / "corpus"
    build_corpus(corpus, CorpusConfig.preset("tiny", pieces=4), progress=False)
    cfg = BoostConfig(model="tiny-random", control_model="tiny-random", quick=True, out=str(tmp_path / "r"),
                      data=str(corpus), jobs=2)  # fmt: skip
    report = run_boost(cfg, progress=False)  # two lanes, each its own process
    text = report.read_text()
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert text.startswith("# Does sonido help?") and "## Summary" in text
    ran = set(saved["tasks"])
    assert {"transcription", "separation", "mixing"} <= ran
    assert set(saved["errors"]) <= {"tagging", "probe"}  # 2 training pieces: no tag with positives and negatives
    for name in ran:
        assert (tmp_path / "r" / f"{name}.png").exists() and f"## {name}" in text
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "r" / "results").glob("*.json")}
    assert "separation, mixing (one process" in text
    run_boost(dataclasses.replace(cfg, jobs=1), progress=False)  # in this process
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes  # nothing re-run


@pytest.mark.parametrize("name,mixes", [("tagging", True), ("probe", False)])
def test_boost_passes_all_layers_to_the_tasks_that_mix_them(tmp_path, monkeypatch, name, mixes):
    import sonido.boost.run as run
    import sonido.tasks

    seen = {}

    class Task:
        mixes_layers = mixes

        def sweep(self, base, *args, **kwargs):
            seen["layers"] = base.layers

    monkeypatch.setattr(run, "task_data", lambda *args: tmp_path)
    monkeypatch.setattr(sonido.tasks, "get_task", lambda *args, **kwargs: Task())
    cfg = BoostConfig(out=str(tmp_path / "r"), layers="all")
    assert run._run_task(name, cfg, tmp_path, False, None) is None
    assert seen["layers"] == ("all" if mixes else "default")

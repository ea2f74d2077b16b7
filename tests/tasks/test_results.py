import pytest

from sonido.tasks.results import Results, Row


def test_results_roundtrip_replace_and_table(tmp_path):
    res = Results("tagging", "corpus", "sonido-tiny", "roc_auc_macro", True)
    for seed, (b, f) in enumerate([(0.6, 0.7), (0.8, 0.9)]):
        res.add(Row("cnn", "baseline", 0.1, seed, {"roc_auc_macro": b}, 1.0))
        res.add(Row("cnn", "boosted", 0.1, seed, {"roc_auc_macro": f}, 1.0))
    res.add(Row("cnn", "baseline", 0.1, 1, {"roc_auc_macro": 0.8}, 2.0))  # same cell: replaced
    assert len(res.rows) == 4
    path = tmp_path / "r.json"
    res.save(path)
    back = Results.load(path)
    assert back.rows == res.rows and back.has_run("boosted", 0.1, 0) and not back.has_run("control", 0.1, 0)
    summary = back.summary()
    mean, std, n = summary[("cnn", "boosted", "")][0.1]
    assert (mean, n) == (pytest.approx(0.8), 2) and std == pytest.approx(0.1414, abs=1e-3)
    table = back.table()
    assert "cnn / baseline" in table and "0.800 ± 0.141" in table and "higher is better" in table
    with pytest.raises(ValueError, match="variant"):
        Row("cnn", "boost", 0.1, 0, {}, 0.0)


def test_one_file_holds_sweeps_of_several_networks():
    res = Results("transcription", "d", "m", "note_f1", True, [Row("probe-linear", "baseline", 1.0, 0, {}, 0.0)])
    assert res.has_run("baseline", 1.0, 0) and res.has_run("baseline", 1.0, 0, "probe-linear")
    assert not res.has_run("baseline", 1.0, 0, "crnn")


def test_runs_that_mixed_all_layers_are_told_apart():
    res = Results("tagging", "d", "m", "auc", True, [Row("cnn", "boosted", 1.0, 0, {}, 0.0, inputs="all layers")])
    assert res.has_run("boosted", 1.0, 0) and res.has_run("boosted", 1.0, 0, inputs="all layers")
    assert not res.has_run("boosted", 1.0, 0, inputs="")


def test_two_sweeps_share_one_file(tmp_path):
    """Each writer keeps what the other saved meanwhile; its own rows win for its cells."""
    path = tmp_path / "r.json"
    umx, demucs = (Results("separation", "d", "m", "sdr", True) for _ in range(2))
    umx.add_and_save([Row("umx", "baseline", 1.0, 0, {"sdr": 1.0}, 0.0)], path)
    demucs.add_and_save([Row("htdemucs", "baseline", 1.0, 0, {"sdr": 2.0}, 0.0)], path)
    umx.add_and_save([Row("umx", "boosted", 1.0, 0, {"sdr": 3.0}, 0.0)], path)
    assert {r.key[:2] for r in Results.load(path).rows} == {("umx", "baseline"), ("htdemucs", "baseline"), ("umx", "boosted")}
    other = Results("tagging", "d", "m", "auc", True)  # another sweep: not merged in
    other.add_and_save([Row("cnn", "baseline", 1.0, 0, {}, 0.0)], path)
    assert [r.arch for r in Results.load(path).rows] == ["cnn"]

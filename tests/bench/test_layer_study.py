import numpy as np

from bench.layer_study import cached_rows


def test_cached_rows_resume_where_they_stopped(tmp_path):
    cache, ids, calls = tmp_path / "rows.npz", [f"item{k}" for k in range(60)], []

    def row(k):
        calls.append(k)
        return {"mean": np.full(3, k, np.float32)}

    first = cached_rows(cache, ids[:55], "meta", row, "test")  # saved at 50, then at 55
    assert first["mean"].shape == (55, 3) and calls == list(range(55))
    calls.clear()
    again = cached_rows(cache, ids, "meta", row, "test")
    assert calls == list(range(55, 60))  # only the new items
    np.testing.assert_array_equal(again["mean"][:, 0], np.arange(60))


def test_cached_rows_recompute_when_the_meta_differs(tmp_path):
    cache, ids, calls = tmp_path / "rows.npz", ["a", "b"], []

    def row(k):
        calls.append(k)
        return {"x": np.array([k])}

    cached_rows(cache, ids, "layers 0-5", row, "test")
    cached_rows(cache, ids, "layers 0-7", row, "test")
    assert calls == [0, 1, 0, 1]


def test_summary_is_one_row_per_input_and_a_column_per_probe(tmp_path):
    import json

    from bench.layer_study import summary

    def row(dataset, subtask, inputs, mean):
        return {"dataset": dataset, "subtask": subtask, "inputs": inputs, "mean": mean}

    (tmp_path / "a.json").write_text(json.dumps({"rows": [
        row("note-probe:notes", "pitch", "mel-stats", 0.8), row("note-probe:notes", "pitch", "m:top+mid", 0.7),
        row("note-probe:notes", "pitch", "m:top/L0/mean", 0.9),  # a per-layer row: not in the summary
    ]}))  # fmt: skip
    (tmp_path / "b.json").write_text(json.dumps({"rows": [
        row("note-probe:notes", "pitch", "mel-stats", 0.1),  # already in a.json: the first file's is kept
        row("real-corpus:real", "source", "m:top+mid", 0.2),
    ]}))  # fmt: skip
    lines = summary([tmp_path / "a.json", tmp_path / "b.json"]).splitlines()
    assert lines[0] == "| inputs | pitch (note-probe) | source (real-corpus) |"
    assert lines[2:] == ["| mel-stats | **0.800** | – |", "| m:top+mid | 0.700 | **0.200** |"]

import json

from bench.layer_study import summary


def test_summary_is_one_row_per_input_and_a_column_per_probe(tmp_path):
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

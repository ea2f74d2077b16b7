import json

from bench.layer_study import layer_table, summary


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


def test_layer_table_ranks_each_level_over_the_probes_that_scored_every_layer(tmp_path):
    def row(subtask, inputs, mean):
        return {"dataset": "d:x", "subtask": subtask, "inputs": f"m:{inputs}", "mean": mean}

    (tmp_path / "a.json").write_text(json.dumps({"rows": [
        row("p", "top/L0/mean", 0.5), row("p", "top/L1/mean", 0.7), row("p", "top/all/mean", 0.6),
        row("q", "top/L0/mean", 0.4), row("q", "top/L1/mean", 0.4),  # a tie: both rank 1.5
        row("r", "top/L0/mean", 0.9),  # L1 not scored on r: r does not count in the ranks
        row("p", "top/L0/mean+std", 0.99),  # another pooling: not in the mean table
    ]}))  # fmt: skip
    lines = layer_table([tmp_path / "a.json"]).splitlines()
    assert lines[2] == "| layer | p (d) | q (d) | r (d) | mean rank |"
    assert lines[4:7] == ["| top/L0 | 0.500 | 0.400 | 0.900 | 1.8 |", "| top/L1 | 0.700 | 0.400 | – | 1.2 |",
                          "| top/mix | 0.600 | – | – | – |"]  # fmt: skip

import numpy as np

from bench.rowcache import cached_rows, is_complete


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


def test_is_complete_needs_every_id_and_the_same_meta(tmp_path):
    cache = tmp_path / "rows.npz"
    assert not is_complete(cache, ["a"])
    cached_rows(cache, ["a", "b"], "m", lambda k: {"x": np.array([k])}, "test")
    assert is_complete(cache, ["a", "b"], "m")
    assert not is_complete(cache, ["a", "b", "c"], "m") and not is_complete(cache, ["a", "b"], "other")

from collections import Counter

import pytest

from sonido.tasks.sampling import fraction_subset, strata_of


def test_rarest_label_is_the_stratum():
    labels = [["piano", "strings"], ["piano"], ["piano", "drums"], ["strings"]]
    # piano: 3 items, strings: 2, drums: 1
    assert strata_of(labels) == ["strings", "piano", "drums", "strings"]
    assert strata_of(["a", "b", "a"]) == ["a", "b", "a"]
    assert strata_of([None, None]) == [None, None]
    assert strata_of([[], ["x"]])[0] == ("<none>",)


def test_subset_is_stratified_deterministic_and_nested():
    strata = ["a"] * 60 + ["b"] * 30 + ["c"] * 10
    small = fraction_subset(strata, 0.05, seed=3)
    mid = fraction_subset(strata, 0.1, seed=3)
    big = fraction_subset(strata, 0.5, seed=3)
    assert small == fraction_subset(strata, 0.05, seed=3)  # deterministic
    assert set(small) <= set(mid) <= set(big)  # nested
    counts = Counter(strata[i] for i in mid)
    assert counts == {"a": 6, "b": 3, "c": 1}  # proportional per stratum
    assert Counter(strata[i] for i in small) == {"a": 3, "b": 2, "c": 1}  # rounding, at least one each
    assert fraction_subset(strata, 0.1, seed=4) != mid  # another seed, another draw
    assert fraction_subset(strata, 1.0, seed=0) == list(range(100))


def test_multilabel_rare_tag_survives_small_fractions():
    labels = [["piano"]] * 95 + [["piano", "harp"]] * 5
    subset = fraction_subset(strata_of(labels), 0.01, seed=0)
    assert any("harp" in labels[i] for i in subset)


def test_bad_fraction():
    with pytest.raises(ValueError, match="fraction"):
        fraction_subset(["a"], 0.0, 0)
    with pytest.raises(ValueError, match="empty"):
        fraction_subset([], 0.5, 0)


def test_split_indices_and_training_subset():
    from types import SimpleNamespace

    import pytest

    from sonido.data.datasets.base import DatasetError
    from sonido.tasks.sampling import split_indices, training_subset

    items = [SimpleNamespace(split=s) for s in ["train"] * 6 + ["valid", "test", "train"]]
    split = split_indices(items, "demo")
    assert split == {"train": [0, 1, 2, 3, 4, 5, 8], "valid": [6], "test": [7]}
    assert split_indices(items, "demo", keep=[0, 6, 7])["train"] == [0]
    with pytest.raises(DatasetError, match="demo needs train, valid and test"):
        split_indices(items[:6], "demo")
    sub = training_subset(split["train"], ["a", "a", "a", "b", "b", "b", "b"], 0.5, seed=0)
    assert set(sub) <= set(split["train"]) and len(sub) == 4  # 2 of 3 a's (round(1.5)) + 2 of 4 b's

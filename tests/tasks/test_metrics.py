import numpy as np
import pytest

from sonido.tasks.metrics import accuracy, key_metrics, regression_metrics, tagging_metrics, tempo_metrics


def test_tagging_auc_by_hand():
    y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    s = np.array([[0.9, 0.2], [0.3, 0.8], [0.4, 0.1], [0.1, 0.3]])
    m = tagging_metrics(y, s)
    # tag 0: positives {0.9, 0.4} vs negatives {0.3, 0.1}: every pair ordered -> AUC 1
    # tag 1: positives {0.8, 0.1} vs negatives {0.2, 0.3}: 2 of 4 pairs ordered -> AUC 0.5
    assert m["roc_auc_macro"] == pytest.approx(0.75)
    # AP tag 0 = 1; tag 1: ranking 0.8(+) 0.3(-) 0.2(-) 0.1(+) -> (1/1 + 2/4) / 2 = 0.75
    assert m["pr_auc_macro"] == pytest.approx((1 + 0.75) / 2)
    assert m["tags_scored"] == 2


def test_tagging_skips_constant_tags_and_rejects_all_constant():
    y = np.array([[1, 0], [0, 0], [1, 0]])
    s = np.array([[0.9, 0.5], [0.1, 0.5], [0.8, 0.5]])
    assert tagging_metrics(y, s)["tags_scored"] == 1
    with pytest.raises(ValueError, match="undefined"):
        tagging_metrics(np.zeros((3, 2)), s)
    with pytest.raises(ValueError, match="matching"):
        tagging_metrics(y, s[:2])


def test_key_weighted_score_by_hand():
    truth = ["C major", "C major", "C major", "C major", "C major"]
    pred = ["C major", "G major", "A minor", "C minor", "F# major"]
    m = key_metrics(truth, pred)
    assert m["weighted"] == pytest.approx((1 + 0.5 + 0.3 + 0.2 + 0) / 5)  # MIREX weights
    assert m["accuracy"] == pytest.approx(0.2)


def test_regression_and_tempo_by_hand():
    y = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    m = regression_metrics(y, np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]), ["arousal", "valence"])
    assert m == {"r2_arousal": 1.0, "r2_valence": 1.0, "r2": 1.0}
    m = regression_metrics(y, np.array([[2.0, 4.0]] * 3), ["arousal", "valence"])
    assert m["r2"] == pytest.approx(0.0)
    t = tempo_metrics(np.array([100.0, 100.0, 120.0, 80.0]), np.array([104.0, 105.0, 120.0, 60.0]))
    assert t["acc_within_4pct"] == pytest.approx(0.5)
    assert accuracy(["a", "b", "b"], ["a", "b", "a"])["accuracy"] == pytest.approx(2 / 3)

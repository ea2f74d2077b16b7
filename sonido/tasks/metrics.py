"""The field's metrics, computed by the field's libraries (scikit-learn, mir_eval)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def tagging_metrics(y_true: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """Macro ROC-AUC and PR-AUC of multi-label scores.

    Args:
        y_true: ``[N, K]`` binary labels.
        scores: ``[N, K]`` predicted scores (any monotone scale).

    Returns:
        ``roc_auc_macro``, ``pr_auc_macro`` over the tags that have positives and
        negatives in ``y_true`` (others have no defined AUC), and ``tags_scored``.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    y_true, scores = np.asarray(y_true), np.asarray(scores)
    if y_true.shape != scores.shape or y_true.ndim != 2:
        raise ValueError(f"need matching [N, K] labels and scores, got {y_true.shape} and {scores.shape}")
    pos = y_true.sum(0)
    ok = (pos > 0) & (pos < len(y_true))
    if not ok.any():
        raise ValueError("no tag has both positive and negative examples: AUC is undefined")
    return {
        "roc_auc_macro": float(roc_auc_score(y_true[:, ok], scores[:, ok], average="macro")),
        "pr_auc_macro": float(average_precision_score(y_true[:, ok], scores[:, ok], average="macro")),
        "tags_scored": float(ok.sum()),
    }


def accuracy(y_true: Sequence, y_pred: Sequence) -> dict[str, float]:
    from sklearn.metrics import accuracy_score

    return {"accuracy": float(accuracy_score(y_true, y_pred))}


def key_metrics(true_keys: Sequence[str], pred_keys: Sequence[str]) -> dict[str, float]:
    """MIREX weighted key score (mir_eval.key) averaged over items, and plain accuracy.

    Keys are written ``"C major"``, ``"F# minor"``, ``"Bb major"`` (mir_eval's format).
    """
    import mir_eval

    scores = [mir_eval.key.weighted_score(t, p) for t, p in zip(true_keys, pred_keys)]
    return {"weighted": float(np.mean(scores)), "accuracy": float(np.mean([t == p for t, p in zip(true_keys, pred_keys)]))}


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """R² per target (``r2_<name>``) and their mean (``r2``)."""
    from sklearn.metrics import r2_score

    y_true, y_pred = np.asarray(y_true, float).reshape(len(y_true), -1), np.asarray(y_pred, float).reshape(len(y_pred), -1)
    per = {f"r2_{n}": float(r2_score(y_true[:, i], y_pred[:, i])) for i, n in enumerate(names)}
    return {**per, "r2": float(np.mean(list(per.values())))}


def tempo_metrics(true_bpm: np.ndarray, pred_bpm: np.ndarray) -> dict[str, float]:
    """R² of the tempo and the share of estimates within 4 % of the truth (the field's "Accuracy 1")."""
    from sklearn.metrics import r2_score

    true_bpm, pred_bpm = np.asarray(true_bpm, float), np.asarray(pred_bpm, float)
    return {
        "r2": float(r2_score(true_bpm, pred_bpm)),
        "acc_within_4pct": float(np.mean(np.abs(pred_bpm - true_bpm) <= 0.04 * true_bpm)),
    }

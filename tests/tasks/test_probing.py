import numpy as np
import pytest

from sonido.data.datasets import open_dataset
from sonido.tasks.base import RunConfig
from sonido.tasks.probing import INPUTS, ProbeConfig, Probing, Subtask
from tests.data import layouts

FAST = ProbeConfig(hidden=(0, 32), lr=(1e-2,), dropout=(0.25,), weight_decay=(0.0,), max_epochs=30, patience=5)


def test_subtasks_follow_the_labels(mini_corpus, tmp_path):
    names = [s.name for s in Probing.subtasks(open_dataset("embedded-corpus", mini_corpus))]
    assert names == ["collection", "key", "tempo"]
    layouts.emomusic(tmp_path)
    assert [s.name for s in Probing.subtasks(open_dataset("emomusic", tmp_path))] == ["emotion"]


def test_probe_learns_a_separable_problem(mini_corpus):
    """Collection is the register of the tone: the linear probe on mel statistics gets it right."""
    task = Probing(FAST)
    data = task.prepare(RunConfig(data=str(mini_corpus), variant="baseline", clip_seconds=2.0))
    sub = Subtask("collection", ("collection",), "class", "accuracy")
    metrics, seconds = task.fit(sub, data.items, data.inputs["mel-stats"], 1.0, 0)
    assert metrics["accuracy"] == 1.0 and metrics["score"] == 1.0 and seconds > 0
    assert metrics["chosen_hidden"] in (0, 32) and metrics["train_items"] == 16


def test_probe_mixes_a_layer_stack_and_finds_the_informative_layer(mini_corpus):
    """Three 'layers': noise, the mel statistics, noise. The SUPERB probe learns to weight the middle one."""
    task = Probing(FAST)
    data = task.prepare(RunConfig(data=str(mini_corpus), variant="baseline", clip_seconds=2.0))
    mel = data.inputs["mel-stats"]
    rng = np.random.default_rng(0)
    stack = np.stack([rng.normal(size=mel.shape), mel, rng.normal(size=mel.shape)], 1)  # [N, 3, D]
    sub = Subtask("collection", ("collection",), "class", "accuracy")
    metrics, _ = task.fit(sub, data.items, stack, 1.0, 0)
    assert metrics["accuracy"] == 1.0


def test_probe_regression_and_key_metrics(mini_corpus):
    task = Probing(FAST)
    data = task.prepare(RunConfig(data=str(mini_corpus), variant="baseline", clip_seconds=2.0))
    rng = np.random.default_rng(0)
    tempo = np.array([[it.labels["tempo"]] for it in data.items]) + rng.normal(0, 0.5, (len(data.items), 1))
    metrics, _ = task.fit(Subtask("tempo", ("tempo",), "regress", "r2"), data.items, tempo, 1.0, 0)
    assert metrics["r2"] > 0.5 and metrics["score"] == metrics["r2"] and 0 <= metrics["acc_within_4pct"] <= 1
    metrics, _ = task.fit(Subtask("key", ("key",), "class", "weighted"), data.items, data.inputs["mfcc-chroma"], 0.5, 0)
    assert 0 <= metrics["weighted"] <= 1 and metrics["train_items"] < 16  # the modal key is left out


@pytest.mark.parametrize("variant", ["baseline", "features_only", "control", "boosted"])
def test_probe_rows_per_variant(mini_corpus, feature_root, tmp_path, variant):
    task = Probing(FAST)
    cfg = RunConfig(data=str(mini_corpus), features=str(feature_root), model="tiny-random", variant=variant,
                    fraction=0.25, seed=0, out=str(tmp_path), clip_seconds=2.0)  # fmt: skip
    rows = task.run(cfg)
    inputs = [n for n, v in INPUTS.items() if v == variant]
    assert {(r.arch, r.inputs) for r in rows} == {(a, i) for a in ("collection", "key", "tempo") for i in inputs}
    assert all(r.variant == variant and "score" in r.metrics for r in rows)


def test_probe_refuses_all_layers(mini_corpus, feature_root, tmp_path):
    cfg = RunConfig(data=str(mini_corpus), features=str(feature_root), model="tiny-random", variant="boosted",
                    out=str(tmp_path), clip_seconds=2.0, layers="all")  # fmt: skip
    with pytest.raises(ValueError, match="layers='all'"):
        Probing().run_and_save(cfg)


def test_emotion_probe_on_emomusic(tmp_path):
    layouts.emomusic(tmp_path / "emo")
    cfg = RunConfig(data=str(tmp_path / "emo"), dataset="emomusic", variant="baseline", clip_seconds=0.5)
    rows = Probing(FAST).run(cfg)
    assert {r.arch for r in rows} == {"emotion"}
    assert all({"r2_arousal", "r2_valence", "r2", "score"} <= set(r.metrics) for r in rows)

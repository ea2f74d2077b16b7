from pathlib import Path

from sonido.boost.plan import BoostConfig


def test_quick_and_default_runs_keep_their_corpora_apart():
    assert BoostConfig().corpus == Path("data/corpus-boost")
    assert BoostConfig(quick=True).corpus == Path("data/corpus-boost-quick")
    assert BoostConfig(quick=True, data="x").corpus == Path("x")


def test_lanes_keep_the_corpus_tasks_together():
    from sonido.boost.run import lanes

    every = ("tagging", "probe", "transcription", "separation", "mixing")
    assert lanes(every, 2) == [("tagging", "probe", "transcription"), ("separation", "mixing")]
    assert lanes(every, 8) == lanes(every, 2)  # never more lanes than cache-disjoint groups
    assert lanes(every, 1) == [every]
    assert lanes(("tagging", "probe"), 2) == [("tagging", "probe")]
    assert lanes(("mixing",), 2) == [("mixing",)]
    assert lanes((), 2) == []

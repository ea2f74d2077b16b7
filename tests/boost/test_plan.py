from pathlib import Path

from sonido.boost.plan import BoostConfig


def test_quick_and_default_runs_keep_their_corpora_apart():
    assert BoostConfig().corpus == Path("data/corpus-boost")
    assert BoostConfig(quick=True).corpus == Path("data/corpus-boost-quick")
    assert BoostConfig(quick=True, data="x").corpus == Path("x")

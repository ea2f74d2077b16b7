import pytest


@pytest.fixture(scope="session")
def separation_set(stem_corpus, tmp_path_factory):
    from sonido.tasks.separation.dataset import SeparationSetConfig, build_separation_set

    out = tmp_path_factory.mktemp("separation-set")
    build_separation_set(stem_corpus, out, SeparationSetConfig(mixes=24, seconds=2.0, eval_seconds=2.0), progress=False)
    return out

import pytest


@pytest.fixture(scope="session")
def mixing_set(stem_corpus, tmp_path_factory):
    from sonido.tasks.mixing.dataset import build_mixing_set

    out = tmp_path_factory.mktemp("mixing-set")
    build_mixing_set(stem_corpus, out, seconds=2.0, progress=False)
    return out

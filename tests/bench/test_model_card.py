import pytest

from bench.model_card import _gpu_intro, _seen


def test_what_the_shipped_models_saw_is_read_from_their_configs():
    # sonido-small's codec: 860 steps of 8 x 16384 samples at 22.05 kHz; its top prior 6775 x 4 x 1024 tokens.
    assert _seen("sonido-small", "codec") == pytest.approx(860 * 8 * 16384 / 22050 / 3600)
    assert _seen("sonido-small", "prior-top") == pytest.approx(6775 * 4 * 1024 / 1e6)
    intro = " ".join(_gpu_intro())
    assert "2515 steps of 32 x 1.5 s crops (33 h of audio seen, against 1.4 h" in intro
    assert "(156 M and 128 M tokens seen, top 5.6x sonido-small's)" in " ".join(intro.split())

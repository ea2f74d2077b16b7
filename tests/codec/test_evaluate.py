import math

from sonido import codec
from sonido.codec.evaluate import evaluate_codec
from sonido.data.datasets import GiantStepsKey
from tests.data import layouts


def test_evaluate_codec_reports_every_depth_and_level(tmp_path):
    layouts.giantsteps(tmp_path)
    result = evaluate_codec(codec.load("tiny-random"), GiantStepsKey(tmp_path), "test", max_seconds=0.3, limit=2)
    assert result["items"] == 2
    assert set(result["reconstruction"]) == {"top", "top+mid", "all"}
    for r in result["reconstruction"].values():
        assert r["mel_distance"] > 0 and math.isfinite(r["si_sdr"]) and r["stft"] > 0
    for c in result["codes"].values():
        assert 1 <= c["perplexity"] <= c["codebook_size"] and 0 < c["usage_pct"] <= 100

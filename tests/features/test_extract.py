import pytest
import torch

import sonido
from sonido import AudioError
from sonido.features.extract import PriorWindows, prior_layers
from sonido.prior.prior import Prior, PriorConfig


@pytest.fixture(scope="module")
def model():
    return sonido.load_model("tiny-random")


def test_frame_counts_match_duration_and_rates(model):
    seconds, rate = 2.0, 44100
    feats = model.extract(torch.randn(2, int(seconds * rate)) * 0.1, rate)  # stereo [C, T] at 44.1 kHz
    top, mid = feats["top"], feats["mid"]
    assert top.data.shape == (1, 345, model.feature_dim("top")) and top.frame_rate == pytest.approx(22050 / 128)
    assert mid.data.shape == (1, 4 * 345, model.feature_dim("mid")) and mid.frame_rate == pytest.approx(22050 / 32)
    assert abs(top.num_frames / top.frame_rate - seconds) < 128 / 22050
    assert top.layers == model.default_layers("top") == (3,)
    assert top.pooled().shape == (1, model.feature_dim("top"))


def test_deterministic_and_batch_independent(model):
    x = torch.randn(3, 1, 11025) * 0.1
    a, b = model.extract(x, 22050), model.extract(x, 22050)
    assert torch.equal(a["mid"].data, b["mid"].data)
    torch.testing.assert_close(model.extract(x[1], 22050)["top"].data[0], a["top"].data[1], atol=1e-5, rtol=1e-4)


def test_several_layers_are_averaged(model):
    x = torch.randn(1, 1, 8000) * 0.1
    both = model.extract(x, 22050, levels=("top",), layers=(1, 4))["top"]
    one, four = (model.extract(x, 22050, levels=("top",), layers=(i,))["top"].data for i in (1, 4))
    torch.testing.assert_close(both.data, (one + four) / 2)
    assert both.layers == (1, 4)
    per_level = model.extract(x, 22050, layers={"top": (0,), "mid": (5,)})
    assert per_level["top"].layers == (0,) and per_level["mid"].layers == (5,)


def test_all_layers_are_kept_apart(model):
    x = torch.randn(1, 1, 8000) * 0.1
    stacks = model.extract(x, 22050, layers="all")
    for lv, f in stacks.items():
        n = model.priors[lv].config.layers
        assert f.layers == tuple(range(n)) and f.data.shape[2:] == (n, model.feature_dim(lv))
        torch.testing.assert_close(f.data[:, :, 4], model.extract(x, 22050, layers=(4,))[lv].data)
    assert stacks["top"].pooled().shape == (1, 6, 256)
    with pytest.raises(ValueError, match="'all'"):
        model.extract(x, 22050, layers="every")


def test_bad_input_is_a_clear_error(model):
    with pytest.raises(AudioError, match="NaN"):
        model.extract(torch.full((1, 1000), float("nan")), 22050)
    with pytest.raises(AudioError, match="zero-length"):
        model.extract(torch.zeros(1, 0), 22050)
    with pytest.raises(AudioError, match="shape"):
        model.extract(torch.zeros(1, 1, 1, 100), 22050)
    with pytest.raises(AudioError, match="sample rate"):
        model.extract(torch.zeros(100), 0)
    with pytest.raises(ValueError, match="bottom"):
        model.extract(torch.zeros(1000), 22050, levels=("bottom",))
    with pytest.raises(KeyError, match="extracted levels"):
        model.extract(torch.zeros(1000), 22050, levels=("top",))["mid"]


def test_windowed_prior_pass():
    torch.manual_seed(0)
    prior = Prior(PriorConfig(level="mid", vocab_size=9, context=32, width=8, layers=2, heads=2, block=8,
                              upper_vocab=5)).eval()  # fmt: skip
    tokens, upper = torch.randint(0, 9, (2, 100)), torch.randint(0, 5, (2, 25))
    # Within one context the windowed pass is the plain forward pass.
    short = prior_layers(prior, tokens[:, :32], upper[:, :8], (1,))[0]
    torch.testing.assert_close(short, prior(tokens[:, :32], upper[:, :8], taps=(1,)).hidden[1])
    # Past it, every position comes from a window that gave it >= overlap tokens of left context.
    long = prior_layers(prior, tokens, upper, (1,), overlap=8)[0]
    assert long.shape == (2, 100, 8)
    torch.testing.assert_close(long[:, :32], short)
    second = prior(tokens[:, 24:56], upper[:, 6:14], taps=(1,)).hidden[1]  # window 2 starts at 32 - 8
    torch.testing.assert_close(long[:, 32:56], second[:, 8:])
    with pytest.raises(ValueError, match="overlap"):
        prior_layers(prior, tokens, upper, (1,), overlap=32)


@pytest.mark.parametrize("conditioned", [False, True])
def test_prior_windows_fed_in_pieces_equal_the_whole_pass(conditioned):
    torch.manual_seed(0)
    prior = Prior(PriorConfig(level="mid" if conditioned else "top", vocab_size=9, context=32, width=8, layers=2,
                              heads=2, block=8, upper_vocab=5 if conditioned else 0)).eval()  # fmt: skip
    tokens, upper = torch.randint(0, 9, (2, 148)), torch.randint(0, 5, (2, 37))
    whole = prior_layers(prior, tokens, upper if conditioned else None, (0, 1), overlap=8)
    windows = PriorWindows(prior, (0, 1), conditioned=conditioned, overlap=8)
    parts, at = [], 0
    for size in (4, 8, 36, 1 * 4, 60, 36):  # multiples of the upsampling ratio, as the codec delivers
        h = windows.push(tokens[:, at : at + size], upper[:, at // 4 : (at + size) // 4] if conditioned else None)
        parts += [h] if h is not None else []
        at += size
    parts.append(windows.finish())
    torch.testing.assert_close(torch.cat(parts, dim=2), whole)
    assert windows._tokens.shape[-1] <= prior.config.context + 4  # bounded, whatever the length


def test_load_model_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="tiny-random"):
        sonido.load_model(tmp_path)


def test_extraction_of_a_prefix_equals_the_longer_extraction_away_from_its_end(model):
    """Chunked = one-shot away from edges: the codec sees the same samples there, the prior is causal."""
    torch.manual_seed(1)
    x = torch.randn(1, 1, 22050 * 4) * 0.1
    whole, prefix = model.extract(x, 22050), model.extract(x[..., : 22050 * 2], 22050)
    for lv, hop in (("top", 128), ("mid", 32)):
        keep = 22050 // hop  # the first second: a second away from the prefix's end
        torch.testing.assert_close(prefix[lv].data[:, :keep], whole[lv].data[:, :keep])


def test_prior_windows_batched_equal_one_at_a_time():
    torch.manual_seed(0)
    prior = Prior(PriorConfig(level="mid", vocab_size=9, context=32, width=8, layers=2, heads=2, block=8,
                              upper_vocab=5)).eval()  # fmt: skip
    tokens, upper = torch.randint(0, 9, (2, 300)), torch.randint(0, 5, (2, 75))
    runs = []
    for batch in (1, 3):
        windows = PriorWindows(prior, (0, 1), conditioned=True, overlap=8, batch=batch)
        calls = []
        windows.prior = lambda *a, **k: calls.append(a[0].shape[0]) or prior(*a, **k)
        runs.append((torch.cat([windows.push(tokens, upper), windows.finish()], dim=2), calls))
    (one, calls_one), (batched, calls_batched) = runs
    torch.testing.assert_close(batched, one)
    assert one.shape == (2, 2, 300, 8)
    assert set(calls_one) == {2} and max(calls_batched) == 3 * 2  # three windows of two sequences at once
    assert len(calls_batched) < len(calls_one)
    with pytest.raises(ValueError, match="batch"):
        PriorWindows(prior, (0,), conditioned=True, batch=0)

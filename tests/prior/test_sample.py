import pytest
import torch

import sonido
from sonido.prior.prior import Prior, PriorConfig
from sonido.prior.sample import SamplingConfig, filter_logits, generate, sample_level


def test_filter_logits_top_k_and_top_p():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    assert torch.isinf(filter_logits(logits, top_k=2)[0, 2:]).all()
    kept = ~torch.isinf(filter_logits(logits, top_p=0.7))
    assert kept.tolist() == [[True, True, False, False]]
    assert (~torch.isinf(filter_logits(logits, top_p=1.0))).all()
    assert (~torch.isinf(filter_logits(logits, top_p=0.4))).sum() == 1  # the top token always stays


def test_greedy_like_sampling_follows_the_argmax():
    torch.manual_seed(0)
    prior = Prior(PriorConfig(vocab_size=7, context=16, width=8, layers=2, heads=2, block=4)).eval()
    tokens = sample_level(prior, 10, sampling=SamplingConfig(top_k=1))
    logits = prior(tokens).logits
    assert torch.equal(logits.argmax(-1), tokens)


def test_prompt_is_kept_and_windows_slide_past_the_context():
    torch.manual_seed(0)
    prior = Prior(PriorConfig(level="mid", vocab_size=7, context=16, width=8, layers=2, heads=2, block=4,
                              upper_vocab=5)).eval()  # fmt: skip
    prompt, upper = torch.randint(0, 7, (2, 5)), torch.randint(0, 5, (2, 10))
    g = torch.Generator().manual_seed(1)
    out = sample_level(prior, 40, prompt=prompt, upper=upper, generator=g)
    assert out.shape == (2, 40) and torch.equal(out[:, :5], prompt) and int(out.max()) < 7
    again = sample_level(prior, 40, prompt=prompt, upper=upper, generator=torch.Generator().manual_seed(1))
    assert torch.equal(out, again)


def test_generate_audio_from_the_random_model():
    audio = generate(sonido.load_model("tiny-random"), seconds=0.2, sampling=SamplingConfig(top_k=8), seed=0)
    assert audio.shape == (1, 1, 128 * 34) and torch.isfinite(audio).all()


def test_a_prompt_not_shorter_than_the_request_warns():
    model = sonido.load_model("tiny-random")
    prompt = model.codec.encode(torch.zeros(1, 1, 128 * 40))
    with pytest.warns(UserWarning, match="prompt"):
        audio = generate(model, seconds=0.1, prompt=prompt, seed=0)
    assert audio.shape[-1] == round(0.1 * model.codec.frame_rate("top")) * 128


def test_bad_sampling_settings():
    with pytest.raises(ValueError):
        SamplingConfig(temperature=0)
    with pytest.raises(ValueError):
        SamplingConfig(top_p=0)

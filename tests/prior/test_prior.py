import pytest
import torch

from sonido.prior.prior import Prior, PriorConfig
from sonido.prior.transformer import KVCache

SMALL = dict(vocab_size=11, context=32, width=16, layers=3, heads=2, block=8)


def test_top_prior_logits_and_loss():
    torch.manual_seed(0)
    prior = Prior(PriorConfig(**SMALL))
    tokens = torch.randint(0, 11, (2, 32))
    out = prior(tokens, taps=(1,))
    assert out.logits.shape == (2, 32, 11) and out.hidden[1].shape == (2, 32, 16)
    assert abs(prior.loss(tokens).item() - torch.log(torch.tensor(11.0)).item()) < 0.5
    with pytest.raises(ValueError, match="context"):
        prior(torch.randint(0, 11, (1, 33)))


def test_logits_at_t_do_not_see_token_t():
    torch.manual_seed(0)
    prior = Prior(PriorConfig(**SMALL)).eval()
    a = torch.randint(0, 11, (1, 20))
    b = a.clone()
    b[0, 12] = (a[0, 12] + 1) % 11
    la, lb = prior(a).logits, prior(b).logits
    torch.testing.assert_close(la[:, :13], lb[:, :13])  # position 12 is predicted, not seen
    assert not torch.allclose(la[:, 13:], lb[:, 13:])


def test_cached_steps_equal_full_forward_with_upper_conditioning():
    torch.manual_seed(0)
    prior = Prior(PriorConfig(level="mid", upper_vocab=7, num_labels=3, **SMALL)).eval()
    tokens, upper, label = torch.randint(0, 11, (2, 24)), torch.randint(0, 7, (2, 6)), torch.tensor([0, 2])
    full = prior(tokens, upper, label).logits
    cache = KVCache.empty(3)
    steps = [prior.step(None, cache, 2, upper, label)]
    for t in range(1, 24):
        steps.append(prior.step(tokens[:, t - 1 : t], cache, 2, upper, label))
    torch.testing.assert_close(torch.stack(steps, 1), full, atol=1e-5, rtol=1e-4)


def test_conditioned_prior_needs_aligned_upper_tokens():
    prior = Prior(PriorConfig(level="mid", upper_vocab=7, **SMALL))
    with pytest.raises(ValueError, match="upper"):
        prior(torch.randint(0, 11, (1, 16)))
    with pytest.raises(ValueError, match="cover"):
        prior(torch.randint(0, 11, (1, 16)), torch.randint(0, 7, (1, 3)))
    out = prior(torch.randint(0, 11, (1, 16)), torch.randint(0, 7, (1, 4)))
    assert out.logits.shape == (1, 16, 11)


def test_features_only_pass_skips_the_head():
    torch.manual_seed(0)
    prior = Prior(PriorConfig(**SMALL)).eval()
    tokens = torch.randint(0, 11, (1, 16))
    feats = prior(tokens, taps=(0,), logits=False)
    assert feats.logits is None
    torch.testing.assert_close(feats.hidden[0], prior(tokens, taps=(0,)).hidden[0])

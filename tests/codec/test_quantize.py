import math

import pytest
import torch

from sonido.codec.codebook import code_stats
from sonido.codec.quantize import StochasticQuantizer
from sonido.codec.vq import EMAVectorQuantizer


def test_code_stats_on_hand_made_sequences():
    ppl, usage = code_stats(torch.tensor([0, 1, 2, 3] * 5), 8)
    assert ppl.item() == pytest.approx(4.0) and usage.item() == 0.5
    ppl, usage = code_stats(torch.full((3, 7), 5), 8)
    assert ppl.item() == pytest.approx(1.0) and usage.item() == 1 / 8
    # Two codes used 3:1 -> exp(H) with H = -(.75 ln .75 + .25 ln .25).
    ppl, _ = code_stats(torch.tensor([1, 1, 1, 6]), 8)
    assert ppl.item() == pytest.approx(math.exp(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25))))


@pytest.mark.parametrize("cls", [StochasticQuantizer, EMAVectorQuantizer])
def test_shapes_init_and_eval_is_nearest_neighbour(cls):
    torch.manual_seed(0)
    q = cls(16, 4)
    z = torch.randn(2, 4, 10)
    out = q.train()(z)  # first training call initialises the codebook from z
    assert bool(q.initialized)
    assert out.quantized.shape == z.shape and out.codes.shape == (2, 10) and out.codes.dtype == torch.int64
    q.eval()
    out = q(z)
    assert torch.equal(out.codes, q.nearest(z))
    torch.testing.assert_close(out.quantized, q.lookup(out.codes))


def test_stochastic_quantizer_losses_and_gradients():
    torch.manual_seed(0)
    q = StochasticQuantizer(8, 3).train()
    z = torch.randn(4, 3, 6, requires_grad=True)
    out = q(z)
    assert out.loss.item() >= 0  # KL to uniform and a squared distance: both non-negative
    out.loss.backward()
    assert z.grad.abs().sum() > 0 and q.weight.grad.abs().sum() > 0 and q.var_logit.grad is not None


def test_stochastic_quantizer_hardens_as_variance_shrinks():
    torch.manual_seed(0)
    q = StochasticQuantizer(8, 3, temperature=0.5).train()
    z = torch.randn(1, 3, 200)
    q(z)
    with torch.no_grad():
        q.var_logit.fill_(-12.0)  # s² -> ~0: the posterior is one-hot at the nearest code
    soft = q(z).quantized
    q.eval()
    torch.testing.assert_close(soft, q(z).quantized, atol=1e-3, rtol=0)


@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_variance_ratio_bounds_how_far_a_posterior_can_soften(ratio):
    q = StochasticQuantizer(8, 3, variance_ratio=ratio).train()
    q(torch.randn(2, 3, 50))  # initialises s²_init from the latents
    assert q.variance.item() == pytest.approx(ratio / 2 * q.var_init.item())
    with torch.no_grad():
        q.var_logit.fill_(30.0)  # as far up as training could push it
    assert q.variance.item() == pytest.approx(ratio * q.var_init.item())


def test_temperature_schedule():
    q = StochasticQuantizer(4, 2, temperature=1.0, temperature_decay=0.01, temperature_min=0.2)
    assert q.temperature == 1.0
    q.step.fill_(100)
    assert q.temperature == pytest.approx(math.exp(-1))
    q.step.fill_(10_000)
    assert q.temperature == 0.2


def test_ema_quantizer_moves_codes_to_assigned_means_and_passes_gradients_straight():
    torch.manual_seed(0)
    q = EMAVectorQuantizer(2, 1, decay=0.5).train()
    z = torch.tensor([[[-1.0, -1.1, 1.0, 1.1]]], requires_grad=True)  # [B=1, D=1, T=4]
    q.init_from(torch.tensor([[-0.5], [0.5]]))
    for _ in range(20):
        out = q(z)
    assert sorted(q.codebook[:, 0].tolist()) == pytest.approx([-1.05, 1.05], abs=1e-3)
    out.quantized.sum().backward()
    assert torch.equal(z.grad, torch.ones_like(z))  # straight-through (+ commitment gradient is separate)

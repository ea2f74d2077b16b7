import pytest
import torch

from sonido import codec
from sonido.codec import HQVAE, HQVAEConfig, Tokenizer, Tokens
from sonido.codec.losses import ReconstructionLoss

TINY = dict(width=8, depth=1, code_dim=4, codebook_sizes=(16, 16, 16), stft_sizes=(64, 32))


@pytest.fixture(params=["stochastic", "ema"])
def model(request):
    torch.manual_seed(0)
    return HQVAE(HQVAEConfig(quantizer=request.param, **TINY))


def test_contract_and_rates(model):
    assert isinstance(model, Tokenizer)
    assert [model.hop_length(lv) for lv in ("top", "mid", "bottom")] == [128, 32, 8]
    assert model.frame_rate("top") == pytest.approx(22050 / 128)
    assert model.codebook_size("mid") == 16


@pytest.mark.parametrize("length", [1, 127, 128, 129, 1000, 4097])
def test_frame_counts_for_odd_lengths(model, length):
    x = torch.randn(2, 1, length) * 0.1
    out = model.train()(x)
    assert out.audio.shape == x.shape
    tokens = model.encode(x)
    top = -(-length // 128)
    assert tokens.top.shape == (2, top) and tokens.mid.shape == (2, 4 * top) and tokens.bottom.shape == (2, 16 * top)
    assert model.num_frames(length, "mid") == 4 * top
    assert model.decode(tokens).shape == (2, 1, 128 * top)


def test_round_trip_and_level_subsets(model):
    x = torch.randn(1, 1, 2048) * 0.1
    model.train()(x)  # initialise codebooks
    tokens = model.encode(x)
    assert all(int(tokens[lv].max()) < 16 for lv in ("top", "mid", "bottom"))
    full = model.decode(tokens)
    assert torch.equal(full, model.decode(tokens))  # deterministic
    assert torch.equal(model.encode(x).top, tokens.top)
    top_only, top_mid = model.decode(tokens, ("top",)), model.decode(tokens, ("top", "mid"))
    assert not torch.equal(top_only, full) and not torch.equal(top_mid, full)
    with pytest.raises(ValueError):
        model.decode(tokens, ("mid",))
    with pytest.raises(ValueError, match="misaligned"):
        model.decode(Tokens(tokens.top, tokens.mid[:, :-1], tokens.bottom))


def test_bad_input_shapes(model):
    with pytest.raises(ValueError, match=r"\[B, 1, T\]"):
        model.encode(torch.zeros(1, 2, 256))
    with pytest.raises(ValueError, match="zero-length"):
        model.encode(torch.zeros(1, 1, 0))


def test_gradients_reach_every_level():
    torch.manual_seed(0)
    model = HQVAE(HQVAEConfig(level_dropout=0.0, **TINY)).train()
    x = torch.randn(2, 1, 1024) * 0.1
    out = model(x)
    ((out.audio - x).pow(2).mean() + out.latent_loss).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    for lv in ("top", "mid", "bottom"):
        assert model.encoder.get_submodule(lv)[0][0].weight.grad.abs().sum() > 0


def test_overfit_one_clip_lowers_the_loss():
    torch.manual_seed(0)
    cfg = HQVAEConfig(**{**TINY, "width": 16})
    model = HQVAE(cfg).train()
    loss_fn = ReconstructionLoss(cfg.stft_sizes, cfg.stft_weight)
    t = torch.arange(2048) / 22050
    x = (0.3 * torch.sin(2 * torch.pi * 440 * t))[None, None]
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        out = model(x)
        loss = loss_fn(out.audio, x)["loss"] + out.latent_loss / x.shape[-1]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 0.5


def test_save_load_identical(tmp_path, model):
    x = torch.randn(1, 1, 1000) * 0.1
    model.train()(x)
    codec.save(model, tmp_path / "m", steps=1)
    again = codec.load(tmp_path / "m")
    model.eval()
    assert torch.equal(again.encode(x).bottom, model.encode(x).bottom)
    assert torch.equal(again.decode(model.encode(x)), model.decode(model.encode(x)))
    assert again.config == model.config and codec.checkpoint.info(tmp_path / "m")["steps"] == 1


def test_registered_names(tmp_path):
    a, b = codec.load("tiny-random"), codec.load("tiny-random")
    x = torch.randn(1, 1, 512) * 0.1
    assert torch.equal(a.decode(a.encode(x)), b.decode(b.encode(x)))
    with pytest.raises(FileNotFoundError, match="tiny-random"):
        codec.load(tmp_path / "nothing")


def test_token_file_round_trip(tmp_path):
    t = Tokens(torch.randint(0, 9, (1, 3)), torch.randint(0, 9, (1, 12)), torch.randint(0, 9, (1, 48)))
    t.save(tmp_path / "t.npz", model="tiny-random", sample_rate=22050)
    back, meta = Tokens.load(tmp_path / "t.npz")
    assert all(torch.equal(back[lv], t[lv]) for lv in ("top", "mid", "bottom"))
    assert meta == {"model": "tiny-random", "sample_rate": 22050}

import numpy as np
import pytest
import torch

from sonido import codec
from sonido.codec.stream import decode_blocks, decode_windowed, encode_windowed
from sonido.codec.tokenfile import TokenFile, TokenWriter
from sonido.codec.tokenizer import Tokens


def _tokens(batch, top, seed=0):
    g = torch.Generator().manual_seed(seed)
    return Tokens(*(torch.randint(0, 30000, (batch, top * r), generator=g) for r in (1, 4, 16)))


@pytest.mark.parametrize("batch", [1, 2])
def test_pieces_written_then_mapped_equal_the_whole(tmp_path, batch):
    pieces = [_tokens(batch, n, seed=n) for n in (5, 1, 17)]
    writer = TokenWriter(tmp_path / "t.npz")
    for p in pieces:
        writer.add(p)
    writer.commit(model="m", sample_rate=22050)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.npz"]  # no temp files left
    mapped = TokenFile(tmp_path / "t.npz")
    loaded, meta = Tokens.load(tmp_path / "t.npz")  # numpy reads the same file
    assert meta == {"model": "m", "sample_rate": 22050} and mapped.meta == meta
    for lv in ("top", "mid", "bottom"):
        whole = torch.cat([p[lv] for p in pieces], dim=-1)
        assert isinstance(mapped[lv], np.memmap)
        torch.testing.assert_close(torch.from_numpy(np.array(mapped[lv], dtype=np.int64)), whole)
        torch.testing.assert_close(loaded[lv], whole)


def test_token_file_errors(tmp_path):
    (tmp_path / "x.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="not a token file"):
        TokenFile(tmp_path / "x.npz")
    np.savez(tmp_path / "y.npz", top=np.zeros((1, 3)))
    with pytest.raises(ValueError, match="missing levels"):
        TokenFile(tmp_path / "y.npz")
    with pytest.raises(ValueError, match="int16"):
        TokenWriter(tmp_path / "z.npz").add(Tokens(*(torch.full((1, 4 * r), 40000) for r in (1, 4, 16))))


def test_decoding_a_mapped_file_in_blocks_equals_decoding_in_memory(tmp_path):
    torch.manual_seed(0)
    m = codec.HQVAE(codec.HQVAEConfig(width=8, depth=2, code_dim=4, codebook_sizes=(32, 32, 32))).eval()
    tokens = encode_windowed(m, torch.randn(1, 1, 128 * 150 + 9) * 0.1, window=64, overlap=16)
    writer = TokenWriter(tmp_path / "t.npz")
    writer.add(tokens)
    writer.commit()
    blocks = list(decode_blocks(m, TokenFile(tmp_path / "t.npz"), window=64, overlap=16))
    assert len(blocks) > 2
    torch.testing.assert_close(torch.cat(blocks, dim=-1), decode_windowed(m, tokens, window=64, overlap=16))

import os

import pytest
import torch
from safetensors.torch import load_file

from sonido.features.sinks import FrameSink, MeanSink


def test_frames_appended_then_committed_equal_the_whole(tmp_path):
    torch.manual_seed(0)
    pieces = [{"top": torch.randn(n, 4), "mid": torch.randn(4 * n, 3)} for n in (3, 0, 7, 1)]
    sink = FrameSink(tmp_path / "f.safetensors")
    for p in pieces:
        sink.add(p)
    assert sink.shapes() == {"top": [11, 4], "mid": [44, 3]}
    sink.commit()
    got = load_file(str(tmp_path / "f.safetensors"))
    for lv in ("top", "mid"):
        torch.testing.assert_close(got[lv], torch.cat([p[lv] for p in pieces]))
    assert os.listdir(tmp_path) == ["f.safetensors"]  # the temporary files are gone


def test_layer_stacks_keep_their_shape(tmp_path):
    pieces = [torch.randn(n, 3, 4) for n in (2, 5)]
    sink = FrameSink(tmp_path / "f.safetensors")
    for p in pieces:
        sink.add({"top": p})
    assert sink.shapes() == {"top": [7, 3, 4]}
    sink.commit()
    torch.testing.assert_close(load_file(str(tmp_path / "f.safetensors"))["top"], torch.cat(pieces))
    sink = FrameSink(tmp_path / "g.safetensors")
    sink.add({"top": pieces[0]})
    with pytest.raises(ValueError, match="shape"):
        sink.add({"top": torch.randn(2, 4)})


def test_discard_leaves_nothing(tmp_path):
    sink = FrameSink(tmp_path / "f.safetensors")
    sink.add({"top": torch.randn(5, 2)})
    sink.discard()
    assert os.listdir(tmp_path) == []


def test_running_mean(tmp_path):
    x = torch.randn(10, 3)
    sink = MeanSink(tmp_path / "m.safetensors")
    sink.add({"top": x[:4]})
    sink.add({"top": x[4:]})
    sink.commit()
    torch.testing.assert_close(load_file(str(tmp_path / "m.safetensors"))["top"], x.mean(0))

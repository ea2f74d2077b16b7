import pytest

from bench.peers.env import peer_inputs, peer_seconds
from sonido import audio
from sonido.data.datasets.base import Item


class _Clips:
    """The one method peer_inputs needs of a dataset."""

    def load(self, item, sample_rate, mono):
        return audio.load(item.audio, sample_rate=sample_rate, mono=mono)


@pytest.mark.slow
def test_peer_embeddings_from_their_own_environment(tmp_path, tone):
    """Makes .venv-peers (TensorFlow 2.15, musicnn, madmom with its metadata shim) when missing,
    then embeds two clips: one shorter than musicnn's 3-s patch, one longer."""
    items = [Item(id=name, split="test", audio=tone(tmp_path / f"{name}.wav", seconds=s, freq=f))
             for name, s, f in (("a", 2.0, 440.0), ("b", 5.0, 261.6))]  # fmt: skip
    out = peer_inputs(_Clips(), items, 10.0, tmp_path / "peers.npz")
    assert {k: v.shape for k, v in out.items()} == {"musicnn": (2, 400), "madmom-deepchroma": (2, 24)}
    chroma = out["madmom-deepchroma"][:, :12]
    assert chroma[0].argmax() == 9 and chroma[1].argmax() == 0  # A4 and C4: deep chroma hears the pitch class
    assert not (tmp_path / "peers-clips").exists()


@pytest.mark.slow
def test_peers_are_timed_in_their_own_environment(tmp_path, tone):
    item = Item(id="a", split="test", audio=tone(tmp_path / "a.wav", seconds=3.0))
    seconds = peer_seconds(_Clips(), item, 10.0, tmp_path / "work")
    assert set(seconds) == {"clip_seconds", "musicnn", "madmom-deepchroma", "madmom-cnn-chord (left out)"}
    assert seconds["clip_seconds"] == 3.0 and all(s > 0 for s in seconds.values())
    assert list((tmp_path / "work").iterdir()) == []

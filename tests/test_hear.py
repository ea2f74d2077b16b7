import pytest
import torch

from sonido import hear


def test_hear_api_shapes_and_types():
    model = hear.load_model("tiny-random")
    assert isinstance(model, torch.nn.Module) and model.sample_rate == 22050
    audio = torch.randn(3, 22050) * 0.1
    emb, ts = hear.get_timestamp_embeddings(audio, model)
    assert emb.shape == (3, 173, model.timestamp_embedding_size) and ts.shape == (3, 173)
    assert emb.dtype == torch.float32 and torch.all(torch.diff(ts, dim=1) > 0)
    assert abs(ts[0, 1] - ts[0, 0] - 1000 * 128 / 22050) < 1e-3
    scene = hear.get_scene_embeddings(audio, model)
    assert scene.shape == (3, model.scene_embedding_size)
    torch.testing.assert_close(scene, emb.mean(1))


def test_hear_input_at_another_rate_warns_and_is_resampled():
    model = hear.load_model("tiny-random")
    audio = torch.randn(1, 44100) * 0.1
    with pytest.warns(UserWarning, match="44100 Hz"):
        emb, _ = hear.get_timestamp_embeddings(audio, model, sample_rate=44100)
    assert emb.shape[1] == 173  # one second at the model's rate


def test_audio_shorter_than_a_frame_warns():
    model = hear.load_model("tiny-random")
    with pytest.warns(UserWarning, match="shorter than one top frame"):
        hear.get_scene_embeddings(torch.randn(1, 50) * 0.1, model)

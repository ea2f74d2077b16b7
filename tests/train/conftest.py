import numpy as np
import pytest
import soundfile as sf


@pytest.fixture
def audio_dir(tmp_path):
    """Four 2-second noise clips in a folder (what the prior-training tests encode)."""
    root = tmp_path / "music"
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        sf.write(str(root / f"t{i}.wav"), (0.1 * rng.standard_normal(22050 * 2)).astype(np.float32), 22050)
    return root

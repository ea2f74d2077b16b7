import numpy as np

from sonido.tasks.separation import TARGETS, group_parts
from sonido.tasks.transcription.notes import write_midi


def test_parts_grouped_by_role_and_instrument(tmp_path):
    parts = []
    for stem, family, pitch in (("00-soprano", "strings", 72), ("01-alto", "winds", 65), ("02-tenor", "brass", 60),
                                ("03-bass", "bass", 40), ("drums", "drums", 36)):  # fmt: skip
        write_midi(np.array([[0.0, 1.0, pitch]]), tmp_path / f"{stem}.mid")
        parts.append(dict(stem=stem, family=family, audio=f"{stem}.wav", midi=f"{stem}.mid", is_drum=family == "drums"))
    groups = group_parts({"parts": parts}, tmp_path)
    assert set(groups) == set(TARGETS)
    assert [p.name for p in groups["lead"]] == ["00-soprano.wav"]
    assert [p.name for p in groups["other"]] == ["01-alto.wav", "02-tenor.wav"]
    assert [p.name for p in groups["bass"]] == ["03-bass.wav"] and [p.name for p in groups["drums"]] == ["drums.wav"]
    solo = group_parts({"parts": parts[:1]}, tmp_path)
    assert [p.name for p in solo["lead"]] == ["00-soprano.wav"] and not solo["other"] and not solo["bass"]

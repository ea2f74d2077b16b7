from collections import Counter

import numpy as np

from sonido.data.score import COLLECTIONS, ScoreSource, candidate_order, load_score


def test_candidate_order_is_seeded_and_stratified():
    a, b = candidate_order(0), candidate_order(0)
    assert [s.id for s in a[:50]] == [s.id for s in b[:50]]
    assert [s.id for s in a[:50]] != [s.id for s in candidate_order(1)[:50]]
    assert len({s.id for s in a}) == len(a) > 5000  # ids are unique
    head = Counter(s.collection for s in a[:100])
    for c in COLLECTIONS:
        assert abs(head[c.name] - 100 * c.weight) <= 2


def test_load_score_times_notes_at_the_given_tempo():
    src = ScoreSource("bach-chorale", "bach", "bach/bwv66.6.mxl", None, "bach/bwv66.6.mxl")
    s60 = load_score(src, tempo=60, max_seconds=None)
    s120 = load_score(src, tempo=120, max_seconds=None)
    assert len(s60.parts) == 4 and s60.key == "F# minor" and s60.time_signature == (4, 4)
    np.testing.assert_allclose(s60.parts[0].notes[:, 0], 2 * s120.parts[0].notes[:, 0], atol=1e-6)
    first = s60.parts[0].notes[:3]
    # bwv66.6 opens with two eighths and a quarter (pickup): 0.5 s, 0.5 s, 1 s at 60 BPM.
    np.testing.assert_allclose(first[:, 1] - first[:, 0], [0.5, 0.5, 1.0], atol=1e-6)


def test_load_score_crops_to_max_seconds():
    src = ScoreSource("string-quartet", "haydn", "haydn/opus1no1/movement1.mxl", None, "haydn/opus1no1")
    s = load_score(src, tempo=100, max_seconds=5.0)
    assert s.end <= 5.0 and all(p.notes[:, 0].max() < 5.0 for p in s.parts)

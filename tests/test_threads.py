import pytest
import torch

from sonido import threads


@pytest.fixture(autouse=True)
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_default_never_exceeds_the_usable_cores(monkeypatch):
    monkeypatch.delenv("SONIDO_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    for load in (0.0, 0.4, 1.0, 1.6, 7.0):
        monkeypatch.setattr(threads.os, "getloadavg", lambda load=load: (load, load, load))
        n = threads.set_threads()
        assert 1 <= n <= threads.usable_cores() and torch.get_num_threads() == n
        assert n == max(1, threads.usable_cores() - round(load)) or n == threads.usable_cores() == 1


def test_busy_machine_gets_one_thread_per_free_core(monkeypatch):
    monkeypatch.delenv("SONIDO_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.1, 1.0, 1.0))  # another job holds a core
    assert threads.default_threads() == 1
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.05, 0.1, 0.1))
    assert threads.default_threads() == 2


def test_environment_and_explicit_choice(monkeypatch):
    monkeypatch.setenv("SONIDO_THREADS", "1")
    assert threads.default_threads() == 1
    monkeypatch.setenv("SONIDO_THREADS", "many")
    with pytest.raises(ValueError, match="SONIDO_THREADS"):
        threads.default_threads()
    monkeypatch.delenv("SONIDO_THREADS")
    assert threads.set_threads(1) == 1 and threads.ensure_threads() == 1  # an explicit choice is kept
    with pytest.raises(ValueError):
        threads.set_threads(0)


def test_cli_threads_option_reaches_torch(tmp_path, tone):
    from sonido.cli import main

    wav = tone(tmp_path / "a.wav", seconds=0.3)
    torch.set_num_threads(2)
    assert main(["--threads", "1", "extract", str(wav), "-m", "tiny-random", "-o", str(tmp_path / "o"), "--quiet"]) == 0
    assert torch.get_num_threads() == 1

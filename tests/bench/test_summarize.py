import json

from bench.device.summarize import stage_figures


def test_stage_figures_read_the_exported_model_and_its_log(tmp_path):
    stage = tmp_path / "prior-top"
    (stage / "model").mkdir(parents=True)
    (stage / "logs" / "version_0").mkdir(parents=True)
    info = {"steps": 200, "wall_seconds_this_run": 10.0, "last_metrics": {"val/bits_per_token": 6.5},
            "train": {"batch_size": 4, "lr": 0.001}}  # fmt: skip
    (stage / "model" / "config.json").write_text(json.dumps({"config": {"context": 1024}, "info": info}))
    (stage / "logs" / "version_0" / "metrics.csv").write_text(
        "epoch,step,train/loss,val/bits_per_token\n0,9,5.0,\n0,99,,7.0\n1,199,,6.5\n")
    fig = stage_figures(stage, "val/bits_per_token")
    assert fig["curve"]["points"] == [(100, 7.0), (200, 6.5)]  # Lightning's step is 0-based
    assert fig["steps_per_second"] == 20.0 and fig["tokens_per_second"] == 200 * 4 * 1024 // 10

"""The field's metrics, computed by the field's libraries (scikit-learn, mir_eval)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np


def tagging_metrics(y_true: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """Macro ROC-AUC and PR-AUC of multi-label scores.

    Args:
        y_true: ``[N, K]`` binary labels.
        scores: ``[N, K]`` predicted scores (any monotone scale).

    Returns:
        ``roc_auc_macro``, ``pr_auc_macro`` over the tags that have positives and
        negatives in ``y_true`` (others have no defined AUC), and ``tags_scored``.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    y_true, scores = np.asarray(y_true), np.asarray(scores)
    if y_true.shape != scores.shape or y_true.ndim != 2:
        raise ValueError(f"need matching [N, K] labels and scores, got {y_true.shape} and {scores.shape}")
    pos = y_true.sum(0)
    ok = (pos > 0) & (pos < len(y_true))
    if not ok.any():
        raise ValueError("no tag has both positive and negative examples: AUC is undefined")
    return {
        "roc_auc_macro": float(roc_auc_score(y_true[:, ok], scores[:, ok], average="macro")),
        "pr_auc_macro": float(average_precision_score(y_true[:, ok], scores[:, ok], average="macro")),
        "tags_scored": float(ok.sum()),
    }


def accuracy(y_true: Sequence, y_pred: Sequence) -> dict[str, float]:
    from sklearn.metrics import accuracy_score

    return {"accuracy": float(accuracy_score(y_true, y_pred))}


def key_metrics(true_keys: Sequence[str], pred_keys: Sequence[str]) -> dict[str, float]:
    """MIREX weighted key score (mir_eval.key) averaged over items, and plain accuracy.

    Keys are written ``"C major"``, ``"F# minor"``, ``"Bb major"`` (mir_eval's format).
    """
    import mir_eval

    scores = [mir_eval.key.weighted_score(t, p) for t, p in zip(true_keys, pred_keys)]
    return {"weighted": float(np.mean(scores)), "accuracy": float(np.mean([t == p for t, p in zip(true_keys, pred_keys)]))}


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """R² per target (``r2_<name>``) and their mean (``r2``)."""
    from sklearn.metrics import r2_score

    y_true, y_pred = np.asarray(y_true, float).reshape(len(y_true), -1), np.asarray(y_pred, float).reshape(len(y_pred), -1)
    per = {f"r2_{n}": float(r2_score(y_true[:, i], y_pred[:, i])) for i, n in enumerate(names)}
    return {**per, "r2": float(np.mean(list(per.values())))}


def tempo_metrics(true_bpm: np.ndarray, pred_bpm: np.ndarray) -> dict[str, float]:
    """R² of the tempo and the share of estimates within 4 % of the truth (the field's "Accuracy 1")."""
    from sklearn.metrics import r2_score

    true_bpm, pred_bpm = np.asarray(true_bpm, float), np.asarray(pred_bpm, float)
    return {
        "r2": float(r2_score(true_bpm, pred_bpm)),
        "acc_within_4pct": float(np.mean(np.abs(pred_bpm - true_bpm) <= 0.04 * true_bpm)),
    }


def transcription_metrics(ref_notes: np.ndarray, est_notes: np.ndarray, ref_frames: np.ndarray, est_frames: np.ndarray,
                          frame_rate: float, low_pitch: int) -> dict[str, float]:  # fmt: skip
    """Note and frame scores of one clip, by ``mir_eval``.

    Args:
        ref_notes, est_notes: ``[N, 3]`` onset, offset (s), MIDI pitch.
        ref_frames, est_frames: ``[frames, pitches]`` binary piano rolls at ``frame_rate``
            whose column 0 is MIDI pitch ``low_pitch``.

    Returns:
        ``note_f1`` (onset within 50 ms, ``mir_eval.transcription``), ``note_offset_f1``
        (and offset within 20 % of the duration or 50 ms), their precision and recall, and
        ``frame_f1`` with ``frame_precision`` / ``frame_recall`` (``mir_eval.multipitch``, over
        the pitches in its 20 Hz - 5 kHz range, MIDI 16-111).
    """
    import mir_eval

    def intervals(notes):
        iv = notes[:, :2].copy()
        iv[:, 1] = np.maximum(iv[:, 1], iv[:, 0] + 1e-3)  # mir_eval needs positive durations
        return iv, mir_eval.util.midi_to_hz(notes[:, 2])

    out: dict[str, float] = {}
    ref_iv, ref_hz = intervals(np.asarray(ref_notes, dtype=np.float64).reshape(-1, 3))
    est_iv, est_hz = intervals(np.asarray(est_notes, dtype=np.float64).reshape(-1, 3))
    for name, ratio in (("note", None), ("note_offset", 0.2)):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"(Estimated|Reference) notes are empty", category=UserWarning)
            p, r, f, _ = mir_eval.transcription.precision_recall_f1_overlap(ref_iv, ref_hz, est_iv, est_hz,
                                                                            offset_ratio=ratio)  # fmt: skip
        out.update({f"{name}_precision": p, f"{name}_recall": r, f"{name}_f1": f})
    times = np.arange(len(ref_frames)) / frame_rate

    def freqs(roll):  # mir_eval's multipitch scores cover 20 Hz - 5 kHz (MIDI 16-111)
        hz = [mir_eval.util.midi_to_hz(np.nonzero(row)[0] + low_pitch) for row in np.asarray(roll) > 0]
        return [f[(f >= mir_eval.multipitch.MIN_FREQ) & (f <= mir_eval.multipitch.MAX_FREQ)] for f in hz]

    with warnings.catch_warnings():  # an empty estimate (silence predicted) is a valid zero score, not a problem
        warnings.filterwarnings("ignore", message=r"(Estimate|Reference) frequencies are all empty", category=UserWarning)
        scores = mir_eval.multipitch.evaluate(times, freqs(ref_frames), times, freqs(est_frames))
    p, r = scores["Precision"], scores["Recall"]
    out.update({"frame_precision": p, "frame_recall": r, "frame_f1": 2 * p * r / (p + r) if p + r > 0 else 0.0})
    return {k: float(v) for k, v in out.items()}


def framewise_sdr(refs: np.ndarray, ests: np.ndarray, window: int, filter_length: int = 512) -> np.ndarray:
    """SDR per source and window ``[S, W]`` as museval reports it frame by frame, computed
    with ``fast_bss_eval`` (BSS Eval's ``sources`` version, a ``filter_length``-tap
    distortion filter estimated in each window, non-overlapping windows of ``window``
    samples, a last partial window dropped as museval's framing does). Channels are
    scored as separate signals and averaged. A window where any reference or estimate is
    silent is NaN for every source (museval's rule).

    Args:
        refs, ests: ``[S, C, T]`` reference and estimated sources.
    """
    import fast_bss_eval

    refs, ests = np.asarray(refs, np.float64), np.asarray(ests, np.float64)
    sources, channels, length = refs.shape
    out = np.full((sources, max(0, length // window)), np.nan)
    for w in range(out.shape[1]):
        r, e = refs[..., w * window : (w + 1) * window], ests[..., w * window : (w + 1) * window]
        if (np.abs(r).sum(-1).sum(-1) == 0).any() or (np.abs(e).sum(-1).sum(-1) == 0).any():
            continue
        out[:, w] = np.mean([fast_bss_eval.sdr(r[:, c], e[:, c], filter_length=filter_length) for c in range(channels)], 0)
    return out


def separation_metrics(refs: np.ndarray, ests: np.ndarray, sample_rate: int, targets: Sequence[str]) -> dict[str, float]:
    """One track's scores: per target ``sdr_<t>`` (median over 1-second windows of
    :func:`framewise_sdr`, museval's track figure) and ``si_sdr_<t>`` (scale-invariant SDR
    of the whole excerpt, torchmetrics, channels averaged).

    A target whose reference is silent over the whole excerpt (a piece without drums) is
    left out of the track's evaluation, as a MUSDB track has every source: its scores
    are NaN and the other targets are scored without it. A track with fewer than two
    sounding targets is not a separation problem (its one target is the mixture) and is
    not scored at all.

    Args:
        refs, ests: ``[S, C, T]`` in the order of ``targets``.
    """
    import torch
    from torchmetrics.functional.audio import scale_invariant_signal_distortion_ratio as si_sdr

    refs, ests = np.asarray(refs), np.asarray(ests)
    present = np.abs(refs).reshape(len(targets), -1).sum(-1) > 0
    out = {f"{k}_{t}": float("nan") for t in targets for k in ("sdr", "si_sdr")}
    if present.sum() < 2:
        return out
    with warnings.catch_warnings():  # all-NaN windows give NaN medians, which is the point
        warnings.simplefilter("ignore", RuntimeWarning)
        sdr = np.nanmedian(framewise_sdr(refs[present], ests[present], sample_rate), axis=1)
    scores = si_sdr(torch.from_numpy(ests[present]).double(), torch.from_numpy(refs[present]).double()).mean(-1).numpy()
    for i, t in enumerate(np.asarray(targets)[present]):
        out[f"sdr_{t}"], out[f"si_sdr_{t}"] = float(sdr[i]), float(scores[i])
    return out


def aggregate_separation(tracks: Sequence[dict[str, float]], targets: Sequence[str]) -> dict[str, float]:
    """Over tracks: each metric's median over the tracks where it is defined (museval's
    aggregate), and ``sdr`` / ``si_sdr``, the mean of the per-target medians."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = {k: float(np.nanmedian([t[k] for t in tracks])) for k in tracks[0]}
        for k in ("sdr", "si_sdr"):
            out[k] = float(np.nanmean([out[f"{k}_{t}"] for t in targets]))
    return out


FFT_SIZES, HOP_SIZES, WIN_LENGTHS = [1024, 2048, 512], [256, 512, 128], [1024, 2048, 512]
SOUNDING_DB = 60.0
PAN_BANDS = {"low": (0.0, 250.0), "mid": (250.0, 2500.0), "high": (2500.0, float("inf")), "total": (0.0, float("inf"))}


def mix_features(x: np.ndarray, sample_rate: int) -> dict[str, dict[str, float]]:
    """Audio-effect features of a stereo mix ``[2, T]``, grouped as in the automix-toolkit
    evaluation (Martínez-Ramírez et al., FxNorm-automix):

    - ``loudness``: integrated loudness in LUFS (pyloudnorm, ITU-R BS.1770) and peak level (dBFS);
    - ``spectral``: centroid, bandwidth, contrast, roll-off and flatness (librosa, channel mean,
      mean over the *sounding* frames: those within ``SOUNDING_DB`` of the loudest frame; digital
      silence has flatness 1 and centroid 0, and would otherwise decide these features for any
      mix with silent passages);
    - ``panning``: the mean absolute stereo panning spectrum (Tzanetakis et al. 2007) in a low
      (< 250 Hz), mid (250–2500 Hz), high (> 2500 Hz) band and overall;
    - ``dynamics``: RMS level (dB), crest factor (dB), and dynamic spread: the standard deviation
      of the RMS level (dB) over 100 ms windows.
    """
    import librosa
    import pyloudnorm

    x = np.asarray(x, np.float64)
    eps = 1e-10
    mono = x.mean(0)
    loud = pyloudnorm.Meter(sample_rate).integrated_loudness(x.T)
    feats = {"loudness": {"lufs": float(loud) if np.isfinite(loud) else -70.0,
                          "peak_db": float(20 * np.log10(np.abs(x).max() + eps))}}  # fmt: skip
    spec = {
        "centroid": librosa.feature.spectral_centroid(y=x, sr=sample_rate),
        "bandwidth": librosa.feature.spectral_bandwidth(y=x, sr=sample_rate),
        "contrast": librosa.feature.spectral_contrast(y=x, sr=sample_rate),
        "rolloff": librosa.feature.spectral_rolloff(y=x, sr=sample_rate),
        "flatness": librosa.feature.spectral_flatness(y=x),
    }
    frame_rms = librosa.feature.rms(y=x).max(0)[0]  # [frames]: the louder channel, the spectral features' framing
    sounding = frame_rms > frame_rms.max() * 10 ** (-SOUNDING_DB / 20)
    if not sounding.any():  # all silence: every frame counts
        sounding[:] = True
    feats["spectral"] = {k: float(np.mean(v[..., sounding])) for k, v in spec.items()}
    left, right = (librosa.stft(c, n_fft=2048, hop_length=512) for c in x)
    similarity = 2 * np.abs(left * np.conj(right)) / (np.abs(left) ** 2 + np.abs(right) ** 2 + eps)
    panning = (1 - similarity) * np.sign(np.abs(right) - np.abs(left))  # -1 left .. +1 right per bin and frame
    freqs = librosa.fft_frequencies(sr=sample_rate, n_fft=2048)
    feats["panning"] = {name: float(np.mean(np.abs(panning[(freqs >= lo) & (freqs < hi)])))
                        for name, (lo, hi) in PAN_BANDS.items()}  # fmt: skip
    rms = np.sqrt(np.mean(x**2) + eps)
    frames = librosa.feature.rms(y=mono, frame_length=int(0.1 * sample_rate), hop_length=int(0.1 * sample_rate))[0]
    feats["dynamics"] = {"rms_db": float(20 * np.log10(rms)), "crest_db": float(20 * np.log10(np.abs(x).max() / rms + eps)),
                         "spread_db": float(np.std(20 * np.log10(frames + eps)))}  # fmt: skip
    return feats


def stereo_spectral_loss():
    """auraloss' sum-and-difference multi-resolution STFT loss (spectral convergence + log
    magnitude of L+R and L−R): invariant to swapping the channels. Takes ``[B, 2, T]``."""
    import auraloss

    return auraloss.freq.SumAndDifferenceSTFTLoss(FFT_SIZES, HOP_SIZES, WIN_LENGTHS)


def mixing_metrics(est: np.ndarray, ref: np.ndarray, sample_rate: int) -> dict[str, float]:
    """A mix ``[2, T]`` against the reference ``[2, T]``: the stereo-invariant spectral loss
    (auraloss' sum-and-difference multi-resolution STFT loss: spectral convergence + log
    magnitude of L+R and L−R), the multi-resolution STFT distance (auraloss), and per
    feature group of :func:`mix_features` the mean absolute percentage error ``mape_<group>``
    (and ``mape``, their mean). Lower is better for all."""
    import auraloss
    import torch

    e, r = (torch.from_numpy(np.asarray(a, np.float32))[None] for a in (est, ref))
    out = {
        "stereo_spectral": float(stereo_spectral_loss()(e, r)),
        "mrstft": float(auraloss.freq.MultiResolutionSTFTLoss(FFT_SIZES, HOP_SIZES, WIN_LENGTHS)(e, r)),
    }
    fe, fr = mix_features(est, sample_rate), mix_features(ref, sample_rate)
    for group in fr:
        errors = [abs(fe[group][k] - v) / max(abs(v), 1e-8) for k, v in fr[group].items()]
        out[f"mape_{group}"] = float(100 * np.mean(errors))
    out["mape"] = float(np.mean([out[f"mape_{g}"] for g in fr]))
    return out

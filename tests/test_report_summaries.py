"""What the report's figures are drawn from: fold curves, mean curves, calibration, confusion, importance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from report_support import DRM

from zoo.curves import GRID, calibration_bins, confusion_counts, interpolated_precision, pr_curves, roc_curves
from zoo.importance import drm_enrichment, mean_importance, split_position, top_positions


def _folds(n_folds=3, n=40, seed=0):
    rng = np.random.default_rng(seed)
    parts = []
    for f in range(n_folds):
        y = np.r_[np.ones(n // 4), np.zeros(n - n // 4)].astype(int)
        p = np.clip(0.3 + 0.3 * y + rng.normal(0, 0.2, n), 0, 1)
        parts.append(pd.DataFrame({"repeat": 0, "fold": f, "label": y, "probability": p,
                                   "prediction": (p >= 0.5).astype(int)}))
    return pd.concat(parts, ignore_index=True)


def test_mean_roc_is_the_average_of_the_interpolated_fold_curves():
    from sklearn.metrics import roc_auc_score

    oof = _folds()
    roc = roc_curves(oof)
    assert len(roc.x) == 3 and roc.mean[0] == 0.0 and roc.mean[-1] == 1.0
    by_fold = [np.interp(GRID, x, y) for x, y in zip(roc.x, roc.y, strict=True)]
    assert np.allclose(roc.mean[1:-1], np.mean(by_fold, axis=0)[1:-1])
    assert roc.scores == pytest.approx([roc_auc_score(g["label"], g["probability"]) for _, g in
                                        oof.groupby("fold")])
    assert (np.diff(roc.mean) >= -1e-12).all()


def test_interpolated_precision_is_the_best_precision_at_or_beyond_each_recall():
    recall = np.array([1.0, 0.5, 0.5, 0.0])
    precision = np.array([0.4, 0.5, 1.0, 1.0])
    got = interpolated_precision(recall, precision)
    assert got[GRID <= 0.5] == pytest.approx(1.0)
    assert got[GRID > 0.5] == pytest.approx(0.4)
    pr = pr_curves(_folds())
    assert (np.diff(pr.mean) <= 1e-12).all()  # interpolated precision never rises with recall


def test_a_fold_of_one_class_has_no_curve():
    oof = _folds(n_folds=2)
    oof.loc[oof["fold"] == 1, "label"] = 0
    assert len(roc_curves(oof).scores) == 1


def test_calibration_bins_and_confusion_counts():
    oof = pd.DataFrame({"repeat": [0, 0, 0, 0, 1, 1, 1, 1], "fold": 0, "label": [1, 0, 1, 0] * 2,
                        "probability": [0.95, 0.05, 0.15, 0.55] * 2, "prediction": [1, 0, 0, 1] * 2})
    bins = calibration_bins(oof, n_bins=10)
    assert bins["bin"].tolist() == [0, 1, 5, 9]
    assert bins["observed"].tolist() == [0.0, 1.0, 0.0, 1.0] and bins["n"].tolist() == [2, 2, 2, 2]
    # summed over folds, averaged over the two repeats
    assert confusion_counts(oof) == {"tn": 1.0, "fp": 1.0, "fn": 1.0, "tp": 1.0}


def _attributions():
    positions = [f"PR{i}" for i in range(1, 100)] + [f"RT{i}" for i in range(1, 201)]
    rows = []
    for fold, scale in enumerate((1.0, 1000.0)):  # a fold with 1000× larger gradients weighs the same
        imp = np.full(len(positions), 0.01)
        imp[positions.index("RT184")] = 5.0 if fold == 0 else 1.0
        imp[positions.index("RT150")] = 1.0 if fold == 0 else 5.0
        imp[positions.index("PR90")] = 2.0
        rows.append(pd.DataFrame({"repeat": 0, "fold": fold, "position": positions,
                                  "importance": imp * scale}))
    return pd.concat(rows, ignore_index=True)


def test_importance_is_the_mean_share_over_folds_and_top_positions_name_known_drms():
    imp = mean_importance(_attributions())
    assert imp["importance"].sum() == pytest.approx(1.0)
    assert imp["name"].iloc[0] == "PR1" and imp["name"].iloc[-1] == "RT200"  # PR then RT, by position
    share = imp.set_index("name")["importance"]
    assert share["RT184"] == pytest.approx(share["RT150"])  # equal once each fold is a share
    assert share["RT184"] > share["PR90"] > share["RT1"]
    top = top_positions(imp, DRM, k=3)
    assert top["name"].tolist()[2] == "PR90" and set(top["name"][:2]) == {"RT184", "RT150"}
    assert top.set_index("name").loc["RT184", "drm_mutations"] == "M184I/V"
    assert top["is_drm"].tolist().count(True) == 2
    assert top.set_index("name").loc["RT150", "drug_class"] == ""
    hits, k, base = drm_enrichment(imp, DRM, 3)
    assert (hits, k) == (2, 3) and base == pytest.approx(4 / 299)


def test_position_names_are_parsed_strictly():
    assert split_position("RT184") == ("RT", 184)
    with pytest.raises(ValueError, match="not a position name"):
        split_position("IN66")

"""The science of `hiv explore`: calls → carriers, odds ratios, Fisher p, DRM counts, correlations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from report_support import DRM, cohort
from scipy.stats import fisher_exact

from features.cohort_stats import (
    cohort_stats,
    expand_calls,
    mutation_prevalence,
    patient_counts,
    response_by_drm_count,
    wilson,
)


def _calls(rows):
    return pd.DataFrame(rows, columns=["PatientID", "gene", "position", "consensus", "amino_acids",
                                       "mutation", "is_drm", "drug_class"])


def test_mixtures_are_split_and_unknowns_dropped():
    calls = _calls([("1", "RT", 103, "K", "KN", "RT:K103KN", True, "NNRTI"),
                    ("1", "RT", 184, "M", "IV", "RT:M184IV", True, "NRTI"),
                    ("2", "RT", 103, "K", "R", "RT:K103R", False, ""),
                    ("2", "RT", 69, "T", "insSS", "RT:T69ins", False, ""),
                    ("2", "RT", 67, "D", "del", "RT:D67del", False, ""),
                    ("3", "PR", 90, "L", "X", "PR:L90X", False, "")])
    got = expand_calls(calls, DRM)
    assert got["mutation"].tolist() == ["RT:K103N", "RT:M184I", "RT:M184V", "RT:K103R", "RT:T69ins",
                                        "RT:D67del"]
    assert got["is_drm"].tolist() == [True, True, True, False, False, False]
    assert got["drug_class"].tolist() == ["NNRTI", "NRTI", "NRTI", "", "", ""]


def test_planted_mutation_is_found_with_the_right_counts_and_statistics():
    fs, calls = cohort(n=200, seed=1)
    prev = mutation_prevalence(fs, expand_calls(calls, DRM), min_carriers=5).set_index("mutation")
    y = fs.label.astype(bool)
    carrier = np.isin(fs.patient_id, calls.loc[calls["mutation"] == "RT:M184V", "PatientID"])
    a, c = int((carrier & y).sum()), int((carrier & ~y).sum())
    b, d = int((~carrier & y).sum()), int((~carrier & ~y).sum())
    row = prev.loc["RT:M184V"]
    assert (row["carriers_resp"], row["carriers_nonresp"], row["covered"]) == (a, c, 200)
    assert row["odds_ratio"] == pytest.approx((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
    assert row["p_value"] == pytest.approx(fisher_exact([[a, b], [c, d]])[1])
    assert row["odds_ratio"] < 0.2 and row["q_value"] < 1e-6 and row["or_high"] < 1
    assert bool(row["is_drm"]) and row["drug_class"] == "NRTI"
    # the random PR mutation: no association, and patients without PR are not in its denominator
    pr = prev.loc["PR:L90M"]
    assert pr["covered"] == 180 and pr["q_value"] > 0.05
    # the mixture K103KN counts as a K103N carrier; the unknown V60X is not a mutation
    assert "RT:K103N" in prev.index and not any("V60" in m for m in prev.index)
    assert list(prev["prevalence"]) == sorted(prev["prevalence"], reverse=True)


def test_haldane_correction_keeps_a_zero_cell_finite():
    fs, _ = cohort(n=40, seed=2)
    y = fs.label
    # a mutation carried only by the first 6 non-responders
    carriers = [p for p, r in zip(fs.patient_id, y, strict=True) if r == 0][:6]
    calls = _calls([(p, "RT", 184, "M", "V", "RT:M184V", True, "NRTI") for p in carriers])
    row = mutation_prevalence(fs, expand_calls(calls, DRM), min_carriers=5).iloc[0]
    n1, n0 = int(y.sum()), int((1 - y).sum())
    assert row["odds_ratio"] == pytest.approx(0.5 * (n0 - 6 + 0.5) / ((n1 + 0.5) * 6.5))
    assert math.isfinite(row["or_low"]) and row["or_low"] > 0
    assert mutation_prevalence(fs, expand_calls(calls, DRM), min_carriers=7).empty


def test_drm_counts_are_missing_where_the_gene_is_not_sequenced():
    fs, calls = cohort(n=60, seed=3)
    counts = patient_counts(fs, expand_calls(calls, DRM)).set_index("PatientID")
    no_pr = fs.patient_id[:20]  # the fixture's patients without PR
    assert counts.loc[no_pr, "PI DRMs"].isna().all()
    assert counts.loc[fs.patient_id[20:], "PI DRMs"].notna().all()
    nrti = calls[calls["drug_class"] == "NRTI"].groupby("PatientID").size()
    assert counts["NRTI DRMs"].sum() == nrti.sum()
    table = response_by_drm_count(counts.reset_index())
    pi = table[table["drug_class"] == "PI"]
    assert pi["patients"].sum() == 40 and pi["n_drms"].tolist() == ["0", "1", "2", "3+"]


def test_wilson_interval():
    low, high = wilson(5, 10)
    assert (low, high) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_cohort_stats_summarises_what_the_page_shows():
    fs, calls = cohort(n=200, seed=0)
    s = cohort_stats(fs, calls, DRM)
    assert s.n == 200 and s.responders == int(fs.label.sum())
    assert s.window == {"PR": 99, "RT": 240}
    missing = s.missing_genes.set_index("group")["patients"]
    assert missing["PR missing"] == 20 and missing["both present"] == 180 and missing.sum() == 200
    # planted: NRTI DRMs (M184V) go with non-response, VL-t0 too
    assert s.correlation.loc["NRTI DRMs", "Resp"] < -0.3
    assert s.correlation.loc["VL-t0", "Resp"] < 0
    assert np.allclose(np.diag(s.correlation.to_numpy()), 1.0)
    rt = s.coverage[s.coverage["gene"] == "RT"].set_index("position")["fraction"]
    assert rt[200] == 1.0 and rt[201] < 1.0

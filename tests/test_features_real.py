"""The 800 shared Kaggle patients (skipped when ../shared is absent): the fast path and the aligner agree on
every sequence the fast path takes, and the cohort reads as documented."""

from __future__ import annotations

import pytest

from features.featurize import featurize_cohort
from features.iupac import encode, score_matrix
from features.mapping import aligned_map, aligned_reference, get_aligner
from features.reader import read_csv


@pytest.fixture(scope="module")
def real(real_data_path):
    cohort = read_csv(real_data_path)
    return cohort, featurize_cohort(cohort, keep_maps=True)


def test_real_cohort_reads_as_documented(real):
    cohort, result = real
    assert len(cohort.records) == 800 and cohort.label_names == ("Resp",)
    assert result.stats["with_pr"] == 736 and result.stats["with_rt"] == 800
    assert result.stats["responders"] == 165
    assert result.stats["fast_path"]["PR"] > 700 and result.stats["fast_path"]["RT"] > 750
    assert result.features.codons.shape == (800, 67, 419)


def _diagonal_score(seq: str, ref: str) -> float:
    n = min(len(seq), len(ref))
    return float(score_matrix()[encode(seq[:n]), encode(ref[:n])].sum())


@pytest.mark.slow
def test_fast_path_and_aligner_agree_on_all_800_patients(real):
    """For every sequence the fast path sliced, the aligner can do no better than the straight diagonal
    (optimal score == diagonal score, all 800 patients); and on every sixth patient the aligner's own
    alignment gives exactly the same map (tensor and calls). bench/featurize.py compares all 800 in full."""
    cohort, result = real
    aligner = get_aligner()
    n_scored = n_aligned = 0
    for i, (rec, maps) in enumerate(zip(cohort.records, result.maps, strict=True)):
        for gene, gm in maps.items():
            if gm.path != "fast":
                continue
            seq = getattr(rec, gene.lower())
            ref = aligned_reference(gene, len(gm.keys))
            assert aligner.score(ref, seq) == _diagonal_score(seq, ref), (rec.patient_id, gene)
            n_scored += 1
            if i % 6 == 0:
                assert aligned_map(seq, gene, len(gm.keys)).same_as(gm), (rec.patient_id, gene)
                n_aligned += 1
    assert n_scored > 1450 and n_aligned > 240

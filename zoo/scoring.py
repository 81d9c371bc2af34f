"""Score new patients with a trained model, one bounded chunk at a time (`hiv predict`).

Memory does not grow with the input: each chunk of patients is featurized, scored and written before the
next is read. A patient without sequences still gets a probability from VL-t0 and CD4-t0 (the coverage
channel tells the model those positions are unknown, not wild type), flagged in `note`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from features.codons import COV_CHANNEL
from features.errors import ModelError
from features.reference import PR_LENGTH
from zoo.cv import positive_proba


def check_compatible(meta: dict[str, Any]) -> dict[str, Any]:
    """The model's featurizer settings, or ModelError when this `hiv` would encode input differently."""
    from features.reference import ENCODER_VERSION, GENES, load_reference

    feat = meta.get("featurizer") or {}
    if "rt_end" not in feat or "n_positions" not in feat:
        raise ModelError("incomplete model directory: model.json has no featurizer settings "
                         "(rt_end, n_positions)")
    if str(feat.get("encoder_version")) != ENCODER_VERSION:
        raise ModelError(f"model was trained with encoder version {feat.get('encoder_version')}, this hiv "
                         f"encodes with version {ENCODER_VERSION}: retrain it with `hiv train`")
    import hashlib

    ref = load_reference()
    ours = {g: hashlib.sha256(ref.nt[g].encode()).hexdigest()[:16] for g in GENES}
    if feat.get("reference") not in (None, ours):
        raise ModelError("model was trained against a different consensus-B reference: retrain it with "
                         "`hiv train`")
    return feat


def coverage_notes(codons: np.ndarray) -> list[str]:
    """Per patient: '' when both genes are covered, else which gene(s) the prediction had to do without."""
    cov = codons[:, COV_CHANNEL, :]
    has_pr = cov[:, :PR_LENGTH].any(axis=1)
    has_rt = cov[:, PR_LENGTH:].any(axis=1)
    notes = []
    for pr, rt in zip(has_pr, has_rt, strict=True):
        if pr and rt:
            notes.append("")
        elif not pr and not rt:
            notes.append("no PR or RT sequence: predicted from VL-t0 and CD4-t0 only")
        else:
            notes.append(f"no {'PR' if not pr else 'RT'} sequence")
    return notes


def score_chunks(model, chunks: Iterable, n_positions: int) -> Iterator[dict[str, Any]]:
    """For each FeatureSet chunk: dict(patient_id, probability, prediction, note, label or None)."""
    threshold = np.asarray(getattr(model, "threshold_", 0.5), dtype=np.float64)
    n_labels = int(getattr(model, "n_labels_", 1))
    for fs in chunks:
        if fs.n_positions != n_positions:
            raise ModelError(f"input was featurized on {fs.n_positions} positions, the model expects "
                             f"{n_positions}")
        proba = positive_proba(np.asarray(model.predict_proba(fs.to_X()), dtype=np.float64), n_labels)
        yield {"patient_id": fs.patient_id, "probability": proba,
               "prediction": (proba >= threshold).astype(int),
               "note": coverage_notes(fs.codons), "label": fs.label}

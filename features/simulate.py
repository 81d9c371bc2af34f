"""Simulated Kaggle-format cohorts with a known, planted signal.

Sequences start from the consensus-B nucleotide reference and get, per patient:

- background variation: each codon is changed synonymously with p = 0.06 and non-synonymously with
  p = 0.012 (never to a stop codon or a listed resistance residue); 1 % of codons carry a two-base
  IUPAC mixture;
- drug-resistance mutations from the shared table at realistic prevalence (e.g. RT M184 45 %, T215 30 %,
  M41 28 %, K103 28 %, PR L10 25 %, L90 20 %; positions not listed in PREVALENCE 3 %), scaled by a
  per-patient treatment-experience factor (Gamma(2, 0.5), mean 1); the residue is the usual one (M184V,
  T215Y, K103N, …) or one from the table; 12 % of them are mixtures with wild type (e.g. K103KN);
- the RT 69 insertion complex (2 %: T69S plus two inserted serine/glycine codons) and the RT 67
  deletion (1 %);
- missing PR (8 %), PR starting a few codons late (5 %), and RT lengths like the Kaggle data
  (193–490 codons, most near 300).

VL-t0 ~ Normal(4.3, 0.7) clipped to [2, 6.5] (log10 copies/ml, one decimal); CD4-t0 ~ LogNormal(log 230,
0.75) clipped to [0, 1600] (cells/µl, integer). The response is drawn from a logistic model of VL, CD4
and the number of resistance positions per drug class present in the sequence:

    logit P(Resp = 1) = -0.4 - 2.2 (VL - 4.3) + 0.8 (CD4 - 250) / 100
                        - 0.7 n_NRTI - 0.9 n_NNRTI - 0.6 n_PI

(≈ 20-25 % responders). `extra_targets` adds further 0/1 columns for a multi-label cohort; each
`Resp_<class>` (class NRTI, NNRTI or PI) is drawn from

    logit P(Resp_<class> = 1) = 0.8 - 1.0 (VL - 4.3) + 0.3 (CD4 - 250) / 100 - 1.2 n_<class>

Same `n` and `seed` give the same cohort, byte for byte, with or without extra targets.
"""

from __future__ import annotations

import gzip
import io
import itertools
import math
from pathlib import Path

import numpy as np

from features.codons import CODONS, translate_codon
from features.errors import InputError
from features.iupac import IUPAC, amino_acid_set
from features.reference import load_reference

INTERCEPT, B_VL, B_CD4 = -0.4, -2.2, 0.8
B_CLASS = {"NRTI": -0.7, "NNRTI": -0.9, "PI": -0.6}
EXTRA_TARGETS = {f"Resp_{c}": c for c in ("NRTI", "NNRTI", "PI")}
EXTRA_INTERCEPT, EXTRA_VL, EXTRA_CD4, EXTRA_CLASS = 0.8, -1.0, 0.3, -1.2

P_SYNONYMOUS, P_NONSYNONYMOUS, P_MIXTURE = 0.06, 0.012, 0.01
P_DRM_MIXTURE = 0.12
P_INS69, P_DEL67, P_NO_PR, P_PR_LATE = 0.02, 0.01, 0.08, 0.05
DEFAULT_PREVALENCE = 0.03
PREVALENCE = {  # (gene, position) -> probability before the experience factor
    ("RT", 184): 0.45, ("RT", 215): 0.30, ("RT", 41): 0.28, ("RT", 67): 0.22, ("RT", 70): 0.15,
    ("RT", 210): 0.15, ("RT", 219): 0.12, ("RT", 103): 0.28, ("RT", 181): 0.12,
    ("RT", 190): 0.08, ("RT", 101): 0.06, ("RT", 108): 0.05, ("RT", 74): 0.06, ("RT", 65): 0.04,
    ("PR", 90): 0.20, ("PR", 54): 0.12, ("PR", 46): 0.15, ("PR", 82): 0.12, ("PR", 84): 0.07,
    ("PR", 10): 0.25, ("PR", 71): 0.15, ("PR", 36): 0.10, ("PR", 20): 0.10
}
FAVOURITE = {("RT", 184): "V", ("RT", 215): "Y", ("RT", 103): "N", ("RT", 181): "C", ("RT", 41): "L",
             ("RT", 67): "N", ("RT", 70): "R", ("RT", 210): "W", ("PR", 90): "M", ("PR", 82): "A"}

_BY_AA: dict[str, list[str]] = {}
for _c in CODONS:
    _BY_AA.setdefault(translate_codon(_c), []).append(_c)
_CODE_OF = {frozenset(v): k for k, v in IUPAC.items()}


def _distance(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


def _codon_for(aa: str, wt_codon: str, rng: np.random.Generator) -> str:
    """A codon for `aa` as few base changes from the wild-type codon as possible."""
    options = _BY_AA[aa]
    best = min(_distance(c, wt_codon) for c in options)
    near = [c for c in options if _distance(c, wt_codon) == best]
    return near[int(rng.integers(len(near)))]


def _mixture(a: str, b: str) -> str:
    """IUPAC codon that may be either codon."""
    return "".join(_CODE_OF[frozenset(x + y)] for x, y in zip(a, b, strict=True))


def _validate_targets(extra_targets) -> tuple[str, ...]:
    targets = tuple(extra_targets or ())
    for t in targets:
        if t not in EXTRA_TARGETS:
            raise InputError(f"unknown extra target '{t}' (choose from {', '.join(EXTRA_TARGETS)})")
    return targets


def simulate_cohort(n: int = 400, seed: int = 0, *, extra_targets=(), return_truth: bool = False):
    """A Kaggle-format cohort (pandas DataFrame: PatientID, Resp, PR Seq, RT Seq, VL-t0, CD4-t0, then
    one 0/1 column per `extra_targets` name, e.g. ("Resp_NRTI", "Resp_NNRTI", "Resp_PI")).

    With `return_truth`, also a DataFrame of every planted non-consensus residue (PatientID, gene,
    position, consensus, amino_acids, mutation) on covered positions — what featurize must call.
    """
    import pandas as pd

    if n < 1:
        raise InputError(f"--n must be at least 1, got {n}")
    targets = _validate_targets(extra_targets)
    rng = np.random.default_rng(seed)
    target_rng = np.random.default_rng([seed, 1])  # own stream: extra targets leave the cohort unchanged
    ref = load_reference()
    drm_sites = sorted(ref.drms)
    rows, truth = [], []
    for pid in range(1, n + 1):
        experience = rng.gamma(2.0, 0.5)
        vl = float(np.round(np.clip(rng.normal(4.3, 0.7), 2.0, 6.5), 1))
        cd4 = int(np.clip(np.round(rng.lognormal(math.log(230), 0.75)), 0, 1600))
        seqs, counts = {}, {"NRTI": 0, "NNRTI": 0, "PI": 0}
        for gene in ("PR", "RT"):
            wt = ref.nt[gene]
            n_cod = len(wt) // 3
            codons = [wt[3 * i: 3 * i + 3] for i in range(n_cod)]
            first, last = 1, n_cod
            if gene == "PR":
                if rng.random() < P_NO_PR:
                    seqs[gene] = None
                    continue
                if rng.random() < P_PR_LATE:
                    first = int(rng.integers(4, 14))
            else:
                u = rng.random()
                last = (int(rng.integers(290, 305)) if u < 0.6 else n_cod if u < 0.75
                        else int(rng.integers(193, n_cod + 1)))
            protein = ref.protein[gene]
            _background(codons, protein, gene, ref.drms, rng)
            for g, pos in drm_sites:
                if g != gene or not first <= pos <= last:
                    continue
                p = PREVALENCE.get((g, pos), DEFAULT_PREVALENCE) * experience
                if rng.random() >= min(p, 0.95):
                    continue
                drm = ref.drms[(g, pos)]
                aa = FAVOURITE.get((g, pos))
                if aa is None or rng.random() < 0.2:
                    aa = drm.mutants[int(rng.integers(len(drm.mutants)))]
                wt_codon = wt[3 * pos - 3: 3 * pos]
                codon = _codon_for(aa, wt_codon, rng)
                if rng.random() < P_DRM_MIXTURE:
                    codon = _mixture(wt_codon, codon)
                codons[pos - 1] = codon
            inserted: dict[int, list[str]] = {}
            deleted: set[int] = set()
            if gene == "RT" and last >= 75:
                u = rng.random()
                # neighbours kept wild type: the placement of an indel in this repetitive stretch is
                # otherwise ambiguous, and the planted truth must be the canonical call
                if u < P_INS69:
                    codons[63:72] = [wt[3 * i: 3 * i + 3] for i in range(63, 72)]
                    codons[68] = ["TCT", "AGT"][int(rng.integers(2))]
                    inserted[69] = [["AGT", "GGT"], ["TCT", "GGT"], ["AGT", "GCT"]][int(rng.integers(3))]
                elif u < P_INS69 + P_DEL67:
                    codons[62:72] = [wt[3 * i: 3 * i + 3] for i in range(62, 72)]
                    deleted.add(67)
            parts = []
            for pos in range(first, last + 1):
                if pos not in deleted:
                    parts.append(codons[pos - 1])
                parts.extend(inserted.get(pos, []))
                c = protein[pos - 1]
                if pos in deleted:
                    truth.append((str(pid), gene, pos, c, "del", f"{gene}:{c}{pos}del"))
                    continue
                aas = amino_acid_set(codons[pos - 1])
                if aas != c and aas != "X":
                    truth.append((str(pid), gene, pos, c, aas, f"{gene}:{c}{pos}{aas}"))
                    drm = ref.drms.get((gene, pos))
                    if drm is not None and any(a != c and a in drm.mutants for a in aas):
                        for cls in drm.drug_class.split("/"):
                            counts[cls] += 1
                if pos in inserted:
                    res = "".join(translate_codon(x) for x in inserted[pos])
                    truth.append((str(pid), gene, pos, c, f"ins{res}", f"{gene}:{c}{pos}ins"))
            seqs[gene] = "".join(parts)
        lin = (INTERCEPT + B_VL * (vl - 4.3) + B_CD4 * (cd4 - 250) / 100
               + sum(B_CLASS[c] * k for c, k in counts.items()))
        row = {"PatientID": pid, "Resp": int(rng.random() < 1 / (1 + math.exp(-lin))),
               "PR Seq": seqs["PR"], "RT Seq": seqs["RT"], "VL-t0": vl, "CD4-t0": cd4}
        for t in targets:
            cls = EXTRA_TARGETS[t]
            lin_t = (EXTRA_INTERCEPT + EXTRA_VL * (vl - 4.3) + EXTRA_CD4 * (cd4 - 250) / 100
                     + EXTRA_CLASS * counts[cls])
            row[t] = int(target_rng.random() < 1 / (1 + math.exp(-lin_t)))
        rows.append(row)
    df = pd.DataFrame(rows, columns=["PatientID", "Resp", "PR Seq", "RT Seq", "VL-t0", "CD4-t0", *targets])
    if not return_truth:
        return df
    cols = ["PatientID", "gene", "position", "consensus", "amino_acids", "mutation"]
    return df, pd.DataFrame(truth, columns=cols)


def _background(codons: list[str], protein: str, gene: str, drms, rng: np.random.Generator) -> None:
    """Synonymous and non-synonymous changes and two-base mixtures, in place."""
    n = len(codons)
    u = rng.random((n, 3))
    touched = (u[:, 0] < P_SYNONYMOUS) | (u[:, 1] < P_NONSYNONYMOUS) | (u[:, 2] < P_MIXTURE)
    for i in np.flatnonzero(touched).tolist():
        wt = codons[i]
        aa = translate_codon(wt)
        if u[i, 0] < P_SYNONYMOUS:
            others = [c for c in _BY_AA[aa] if c != wt]
            if others:
                codons[i] = others[int(rng.integers(len(others)))]
        elif u[i, 1] < P_NONSYNONYMOUS:
            drm = drms.get((gene, i + 1))
            banned = set(drm.mutants) if drm else set()
            options = []
            for k, b in itertools.product(range(3), "ACGT"):
                c = wt[:k] + b + wt[k + 1:]
                a = translate_codon(c)
                if a not in (aa, "*") and a not in banned:
                    options.append(c)
            codons[i] = options[int(rng.integers(len(options)))]
        if u[i, 2] < P_MIXTURE:
            k = int(rng.integers(3))
            other = "ACGT".replace(codons[i][k], "")[int(rng.integers(3))]
            alt = codons[i][:k] + other + codons[i][k + 1:]
            if translate_codon(alt) != "*":
                codons[i] = _mixture(codons[i], alt)


def write_cohort(df, path: str | Path) -> Path:
    """Write a cohort CSV (gzip when the name ends in .gz, with a fixed timestamp), atomically."""
    from features.store import atomic_write_bytes

    path = Path(path)
    text = df.to_csv(index=False, lineterminator="\n")
    data = text.encode("utf-8")
    if path.name.endswith(".gz"):
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as fh:
            fh.write(data)
        data = buf.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
    return path

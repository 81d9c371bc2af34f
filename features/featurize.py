"""Featurize a cohort: map every sequence, build the codon tensor and the mutation calls, write DIR.

`featurize_cohort` is pure (no files); `featurize_to_dir` writes `features.npz`, `mutations.csv`,
`frameshifts.csv`, `rejected.csv` (with skip_invalid) and, last, `manifest.json` — the marker that lets
the next run on the same input and options reuse the directory.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from features.calls import MUTATION_COLUMNS, cohort_calls, encode_keys, sparse_codons
from features.codons import N_CHANNELS
from features.errors import InputError
from features.mapping import GeneMap, map_genes
from features.reader import Cohort
from features.reference import (
    DEFAULT_RT_END,
    ENCODER_VERSION,
    GENES,
    gene_lengths,
    position_names,
    window_consensus,
)
from features.store import FeatureSet, atomic_write_text, load_features, write_features_npz

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class FeaturizeResult:
    keys: np.ndarray  # (N, L) codon key per position (features.mapping), the tensor's only input
    ins: np.ndarray  # (N, L) insertion after the position
    clinical: np.ndarray
    labels: np.ndarray | None
    label_names: tuple[str, ...]
    patient_id: np.ndarray
    rt_end: int
    mutations: list[tuple]  # rows of mutations.csv
    frameshifts: list[tuple[str, str, int]]  # (PatientID, gene, position)
    stats: dict = field(default_factory=dict)
    maps: list[dict[str, GeneMap]] | None = None  # per patient, when asked for

    @functools.cached_property
    def features(self) -> FeatureSet:
        return FeatureSet(
            codons=encode_keys(self.keys, self.ins), clinical=self.clinical, labels=self.labels,
            label_names=self.label_names, patient_id=self.patient_id, positions=position_names(self.rt_end),
            consensus=window_consensus(self.rt_end))


def featurize_cohort(cohort: Cohort, *, rt_end: int = DEFAULT_RT_END, progress: Progress | None = None,
                     force_align: bool = False, keep_maps: bool = False) -> FeaturizeResult:
    """Map every sequence, call mutations; `.features` builds the tensor. `progress(done, total)` counts
    sequences."""
    lengths = gene_lengths(rt_end)
    offsets = {"PR": 0, "RT": lengths["PR"]}
    records = cohort.records
    n, L = len(records), sum(lengths.values())
    t0 = time.perf_counter()
    done = 0

    def tick(k: int) -> None:
        nonlocal done
        done += k
        if progress is not None:
            progress(done, 2 * n)

    gene_maps = {gene: map_genes([getattr(r, gene.lower()) for r in records], gene, lengths[gene],
                                 force_align=force_align, progress=tick) for gene in GENES}
    keys = np.full((n, L), -1, dtype=np.int16)
    ins = np.zeros((n, L), dtype=bool)
    insertions: list[dict] = [{} for _ in range(n)]
    frameshifts: list[tuple[str, str, int]] = []
    for gene in GENES:
        off = offsets[gene]
        for i, gm in enumerate(gene_maps[gene]):
            keys[i, off: off + lengths[gene]] = gm.keys
            for pos, codons in gm.insertions.items():
                ins[i, off + pos - 1] = True
                insertions[i][(gene, pos)] = codons
    patient_ids = [r.patient_id for r in records]
    for i, pid in enumerate(patient_ids):
        for gene in GENES:
            frameshifts.extend((pid, gene, p) for p in gene_maps[gene][i].frameshifts)
    mutations = cohort_calls(keys, insertions, patient_ids, offsets)
    labels = (np.array([r.labels for r in records], dtype=np.float32).reshape(n, -1)
              if cohort.label_names else None)
    paths = Counter((gene, gm.path) for gene in GENES for gm in gene_maps[gene])
    covered = {g: paths[(g, "fast")] + paths[(g, "aligned")] for g in GENES}
    n_cov = {g: int((keys[:, offsets[g]: offsets[g] + lengths[g]] != -1).sum()) for g in GENES}
    stats = {
        "patients": n,
        "rejected": len(cohort.rejected),
        "with_pr": covered["PR"], "with_rt": covered["RT"],
        "without_sequence": sum(1 for r in records if not r.pr and not r.rt),
        "mean_covered_positions": {g: round(n_cov[g] / covered[g], 1) if covered[g] else 0.0 for g in GENES},
        "fast_path": {g: paths[(g, "fast")] for g in GENES},
        "aligned": {g: paths[(g, "aligned")] for g in GENES},
        "frameshifts": len(frameshifts),
        "mutations": len(mutations),
        "top_mutations": Counter(row[5] for row in mutations).most_common(10),
        "responders": int(labels[:, 0].sum()) if labels is not None else None,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    maps = [{g: gene_maps[g][i] for g in GENES} for i in range(n)] if keep_maps else None
    return FeaturizeResult(
        keys=keys, ins=ins,
        clinical=np.array([[r.vl, r.cd4] for r in records], dtype=np.float32).reshape(n, 2),
        labels=labels, label_names=cohort.label_names if labels is not None else (),
        patient_id=np.array(patient_ids, dtype=str), rt_end=rt_end, mutations=mutations,
        frameshifts=frameshifts, stats=stats, maps=maps)


def _csv_text(header: tuple | list, rows: list[tuple]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _options(rt_end: int, skip_invalid: bool, align_all: bool = False) -> dict:
    opts = {"rt_end": rt_end, "skip_invalid": skip_invalid, "encoder_version": ENCODER_VERSION}
    if align_all:  # benchmark mode: same outputs, every sequence aligned
        opts["align_all"] = True
    return opts


def reusable(out_dir: str | Path, sha256: str, rt_end: int, skip_invalid: bool,
             align_all: bool = False) -> dict | None:
    """The manifest of `out_dir` if it already holds features of this input with these options."""
    out = Path(out_dir)
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (manifest.get("input", {}).get("sha256") == sha256
            and manifest.get("options") == _options(rt_end, skip_invalid, align_all)
            and (out / "features.npz").exists() and (out / "mutations.csv").exists()):
        return manifest
    return None


def featurize_to_dir(cohort: Cohort, out_dir: str | Path, *, rt_end: int = DEFAULT_RT_END,
                     skip_invalid: bool = False, force: bool = False, progress: Progress | None = None,
                     description: str | None = None, align_all: bool = False) -> tuple[dict, bool]:
    """Featurize into `out_dir` (or reuse it); returns (manifest, reused). `align_all` skips the fast path
    (benchmark)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a directory", path=str(out))
    if not force:
        manifest = reusable(out, cohort.sha256, rt_end, skip_invalid, align_all)
        if manifest is not None:
            return manifest, True
    t0 = time.perf_counter()
    result = featurize_cohort(cohort, rt_end=rt_end, progress=progress, force_align=align_all)
    t1 = time.perf_counter()
    from features.reference import load_reference

    ref = load_reference()
    import hashlib

    manifest = {
        "input": {"source": cohort.source, "sha256": cohort.sha256,
                  "description": description or cohort.source},
        "options": _options(rt_end, skip_invalid, align_all),
        "counts": {k: v for k, v in result.stats.items() if k not in ("seconds", "top_mutations")},
        "top_mutations": [[m, c] for m, c in result.stats["top_mutations"]],
        "window": {"PR": [1, gene_lengths(rt_end)["PR"]], "RT": [1, rt_end],
                   "positions": result.keys.shape[1]},
        "reference": {g: hashlib.sha256(ref.nt[g].encode()).hexdigest()[:16] for g in GENES},
        "label_names": list(result.label_names),
        "notes": cohort.notes,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)  # a half-rewritten directory must not look reusable
    index, value = sparse_codons(result.keys, result.ins)
    write_features_npz(
        out / "features.npz", shape=(len(result.keys), N_CHANNELS, result.keys.shape[1]), index=index,
        value=value, clinical=result.clinical, labels=result.labels, label_names=result.label_names,
        patient_id=result.patient_id, positions=position_names(rt_end), consensus=window_consensus(rt_end),
        manifest=manifest)
    atomic_write_text(out / "mutations.csv", _csv_text(MUTATION_COLUMNS, result.mutations))
    atomic_write_text(out / "frameshifts.csv",
                      _csv_text(("PatientID", "gene", "position"), result.frameshifts))
    if skip_invalid:
        atomic_write_text(out / "rejected.csv", _csv_text(
            ("PatientID", "line", "column", "reason"),
            [(r.patient_id, r.line, r.column, r.reason) for r in cohort.rejected]))
    manifest["timings"] = {"featurize_s": round(t1 - t0, 3), "write_s": round(time.perf_counter() - t1, 3)}
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    return manifest, False


def load_dir(out_dir: str | Path) -> FeatureSet:
    return load_features(Path(out_dir) / "features.npz")

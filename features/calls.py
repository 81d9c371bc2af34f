"""Mutation calls and codon tensors from a `GeneMap` — the single place both mapping paths meet.

A position is called when its amino-acid set differs from consensus B. Not called: unknown codons (`X`:
an N, more than 4 possible amino acids, or a frameshift — HIVdb does not report unknown positions either)
and a mixture that can only be wild type. A mixture with wild type is called (`RT:K103KN`). A deleted
codon is `del`; an insertion after position p is its own row `ins` + inserted residues (an ambiguous
inserted codon reads `X`), so `RT:T69S` and `RT:T69ins` may both appear for one patient. `is_drm` is true
when one of the non-consensus residues is listed in the resistance table for that position.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from features.codons import COV_CHANNEL, DEL_CHANNEL, INS_CHANNEL, N_CHANNELS
from features.iupac import codon_table
from features.mapping import DELETED, UNCOVERED, GeneMap
from features.reference import load_reference

MUTATION_COLUMNS = ("PatientID", "gene", "position", "consensus", "amino_acids", "mutation", "is_drm",
                    "drug_class")


@dataclass(frozen=True)
class Call:
    gene: str
    position: int
    consensus: str
    amino_acids: str
    mutation: str
    is_drm: bool
    drug_class: str

    def row(self, patient_id: str) -> tuple:
        return (patient_id, self.gene, self.position, self.consensus, self.amino_acids, self.mutation,
                self.is_drm, self.drug_class)


@functools.cache
def _aaset_ids() -> tuple[np.ndarray, tuple[str, ...]]:
    _, aasets = codon_table()
    names = tuple(sorted(set(aasets)))
    lookup = {a: i for i, a in enumerate(names)}
    return np.array([lookup[a] for a in aasets], dtype=np.int32), names


@functools.cache
def _consensus_ids(gene: str) -> np.ndarray:
    ids, names = _aaset_ids()
    lookup = {a: i for i, a in enumerate(names)}
    return np.array([lookup.get(a, -1) for a in load_reference().protein[gene]], dtype=np.int32)


def _drm(gene: str, position: int, amino_acids: str, consensus: str) -> tuple[bool, str]:
    drm = load_reference().drms.get((gene, position))
    if drm is None:
        return False, ""
    if any(a != consensus and a in drm.mutants for a in amino_acids):
        return True, drm.drug_class
    return False, ""


@functools.cache
def call_residue(gene: str, position: int, consensus: str, amino_acids: str) -> Call:
    is_drm, drug_class = _drm(gene, position, amino_acids, consensus)
    return Call(gene, position, consensus, amino_acids, f"{gene}:{consensus}{position}{amino_acids}",
                is_drm, drug_class)


def inserted_residues(keys: tuple[int, ...]) -> str:
    _, aasets = codon_table()
    return "".join(aasets[k] if len(aasets[k]) == 1 else "X" for k in keys)


def gene_calls(gm: GeneMap) -> list[Call]:
    """Calls of one gene, in position order (an insertion row follows its position's row)."""
    ids, names = _aaset_ids()
    protein = load_reference().protein[gm.gene]
    keys = gm.keys
    n = len(keys)
    cons = _consensus_ids(gm.gene)[:n]
    real = keys >= 0
    aid = np.where(real, ids[np.where(real, keys, 0)], -1)
    x_id = names.index("X")
    differs = (real & (aid != cons) & (aid != x_id)) | (keys == DELETED)
    positions = set((np.flatnonzero(differs) + 1).tolist()) | set(gm.insertions)
    calls = []
    for pos in sorted(positions):
        c = protein[pos - 1]
        k = int(keys[pos - 1])
        if k == DELETED:
            calls.append(Call(gm.gene, pos, c, "del", f"{gm.gene}:{c}{pos}del", False, ""))
        elif k != UNCOVERED and differs[pos - 1]:
            calls.append(call_residue(gm.gene, pos, c, names[aid[pos - 1]]))
        if pos in gm.insertions:
            calls.append(Call(gm.gene, pos, c, "ins" + inserted_residues(gm.insertions[pos]),
                              f"{gm.gene}:{c}{pos}ins", False, ""))
    return calls


@functools.cache
def _single_channel() -> np.ndarray:
    """Codon channel of each key that is one unambiguous codon, else -1."""
    weights, _ = codon_table()
    single = (weights == 1.0).any(axis=1)
    return np.where(single, weights.argmax(axis=1), -1).astype(np.int16)


def sparse_codons(keys: np.ndarray, ins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-zero entries of the codon tensor (N, 67, L) as (flat index int64, value float32)."""
    weights, _ = codon_table()
    n, L = keys.shape
    chan = np.where(keys >= 0, _single_channel()[np.maximum(keys, 0)], -1).astype(np.int64)
    parts_i, parts_v = [], []
    row, pos = np.nonzero(chan >= 0)  # one codon: a single 1
    parts_i.append((row * N_CHANNELS + chan[row, pos]) * L + pos)
    parts_v.append(np.ones(len(row), dtype=np.float32))
    row, pos = np.nonzero((chan < 0) & (keys >= 0))  # mixtures spread their weight; unknown (X) stays 0
    if len(row):
        w = weights[keys[row, pos]]
        r, c = np.nonzero(w)
        parts_i.append((row[r] * N_CHANNELS + c) * L + pos[r])
        parts_v.append(w[r, c])
    flags = ((COV_CHANNEL, keys != UNCOVERED), (DEL_CHANNEL, keys == DELETED), (INS_CHANNEL, ins))
    for channel, mask in flags:
        row, pos = np.nonzero(mask)
        parts_i.append((row * N_CHANNELS + channel) * L + pos)
        parts_v.append(np.ones(len(row), dtype=np.float32))
    return np.concatenate(parts_i).astype(np.int64), np.concatenate(parts_v).astype(np.float32)


def encode_keys(keys: np.ndarray, ins: np.ndarray) -> np.ndarray:
    """Codon tensor (N, 67, L) float32 from codon keys (N, L) and insertion flags (N, L)."""
    n, L = keys.shape
    out = np.zeros(n * N_CHANNELS * L, dtype=np.float32)
    index, value = sparse_codons(keys, ins)
    out[index] = value
    return out.reshape(n, N_CHANNELS, L)


def cohort_calls(keys: np.ndarray, insertions: list[dict[tuple[str, int], tuple[int, ...]]],
                 patient_ids: list[str], offsets: dict[str, int]) -> list[tuple]:
    """mutations.csv rows of a whole cohort at once — the same rows as `gene_calls` per gene."""
    ids, names = _aaset_ids()
    ref = load_reference()
    n, L = keys.shape
    genes = sorted(offsets, key=offsets.get)
    bounds = [offsets[g] for g in genes] + [L]
    gene_of, pos_of, cons = [], [], np.full(L, -1, dtype=np.int32)
    for g, lo, hi in zip(genes, bounds[:-1], bounds[1:], strict=True):
        gene_of += [g] * (hi - lo)
        pos_of += list(range(1, hi - lo + 1))
        cons[lo:hi] = _consensus_ids(g)[: hi - lo]
    real = keys >= 0
    aid = np.where(real, ids[np.where(real, keys, 0)], -1)
    differs = (real & (aid != cons[None, :]) & (aid != names.index("X"))) | (keys == DELETED)
    rows_i, cols = np.nonzero(differs)
    deleted = (keys[rows_i, cols] == DELETED).tolist()
    events = list(zip(rows_i.tolist(), cols.tolist(), aid[rows_i, cols].tolist(), deleted, strict=True))
    if any(insertions):
        events += [(i, offsets[g] + p - 1, -1, None) for i, ins in enumerate(insertions) for (g, p) in ins]
        events.sort(key=lambda e: (e[0], e[1], e[3] is None))
    rows = []
    for i, col, a, is_del in events:
        g, p = gene_of[col], pos_of[col]
        c = ref.protein[g][p - 1]
        pid = patient_ids[i]
        if is_del is None:
            res = inserted_residues(insertions[i][(g, p)])
            rows.append((pid, g, p, c, "ins" + res, f"{g}:{c}{p}ins", False, ""))
        elif is_del:
            rows.append((pid, g, p, c, "del", f"{g}:{c}{p}del", False, ""))
        else:
            rows.append(call_residue(g, p, c, names[a]).row(pid))
    return rows

"""Genetic code and codon channel order shared by the featurizer and the models.

The codon tensor has 64 codon channels in `CODONS` order, then deletion, insertion and coverage
channels. Models derive the amino-acid view by multiplying with `genetic_code_matrix()`, so both views
come from one featurization.
"""

from __future__ import annotations

import itertools

import numpy as np

BASES = "ACGT"
CODONS: tuple[str, ...] = tuple("".join(c) for c in itertools.product(BASES, repeat=3))
CODON_INDEX = {c: i for i, c in enumerate(CODONS)}
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY*"  # 20 amino acids then stop
AA_INDEX = {a: i for i, a in enumerate(AMINO_ACIDS)}

DEL_CHANNEL, INS_CHANNEL, COV_CHANNEL = 64, 65, 66
N_CHANNELS = 67
CHANNEL_NAMES: tuple[str, ...] = CODONS + ("del", "ins", "coverage")

_TABLE = dict(zip(
    CODONS,
    # standard genetic code in ACGT x ACGT x ACGT order
    "KNKNTTTTRSRSIIMI"
    "QHQHPPPPRRRRLLLL"
    "EDEDAAAAGGGGVVVV"
    "*Y*YSSSS*CWCLFLF",
    strict=True,
))


def translate_codon(codon: str) -> str:
    """Amino acid (or '*') of an unambiguous upper-case codon."""
    return _TABLE[codon]


def genetic_code_matrix() -> np.ndarray:
    """Fixed (64, 21) 0/1 matrix mapping codon channels to `AMINO_ACIDS` channels."""
    m = np.zeros((64, len(AMINO_ACIDS)), dtype=np.float32)
    for i, c in enumerate(CODONS):
        m[i, AA_INDEX[_TABLE[c]]] = 1.0
    return m

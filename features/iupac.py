"""IUPAC nucleotide codes and the precomputed codon table both mapping paths share.

Every codon (three IUPAC symbols) gets an integer key; one table lookup then gives its 64 codon-channel
weights and its set of amino acids. Mixtures spread weight 1/k over the k codons they may be; a codon with
an N, or one that may encode more than 4 amino acids, is unknown (`X`), as HIVdb does.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from features.codons import CODON_INDEX, translate_codon

IUPAC: dict[str, str] = {
    "A": "A", "C": "C", "G": "G", "T": "T",
    "R": "AG", "Y": "CT", "K": "GT", "M": "AC", "S": "CG", "W": "AT",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}
SYMBOLS = "ACGTRYKMSWBDHVN"  # code i = SYMBOLS[i]; 15 = invalid
INVALID = 15
MAX_AMINO_ACIDS = 4  # more possible amino acids than this is unknown (HIVdb)

# byte -> symbol code; lower case accepted
BYTE_CODE = np.full(256, INVALID, dtype=np.uint8)
for _i, _s in enumerate(SYMBOLS):
    BYTE_CODE[ord(_s)] = _i
    BYTE_CODE[ord(_s.lower())] = _i

N_KEYS = 16 ** 3


def codon_key(codon: str) -> int:
    """Integer key of a three-letter IUPAC codon."""
    a, b, c = (SYMBOLS.index(x) for x in codon.upper())
    return (a << 8) | (b << 4) | c


def key_codon(key: int) -> str:
    return SYMBOLS[(key >> 8) & 15] + SYMBOLS[(key >> 4) & 15] + SYMBOLS[key & 15]


NNN_KEY = codon_key("NNN")


def expand_codon(codon: str) -> list[str]:
    """All unambiguous codons an IUPAC codon may be."""
    return ["".join(p) for p in itertools.product(*(IUPAC[b] for b in codon.upper()))]


@functools.cache
def amino_acid_set(codon: str) -> str:
    """Sorted amino acids a codon may encode ('*' = stop), or 'X' when unknown."""
    if "N" in codon.upper():
        return "X"
    aas = sorted({translate_codon(c) for c in expand_codon(codon)})
    return "X" if len(aas) > MAX_AMINO_ACIDS else "".join(aas)


@functools.cache
def codon_table() -> tuple[np.ndarray, tuple[str, ...]]:
    """(weights (4096, 64) float32, amino-acid set per key); keys with invalid symbols stay zero/'X'."""
    weights = np.zeros((N_KEYS, 64), dtype=np.float32)
    aasets = ["X"] * N_KEYS
    for codon in itertools.product(SYMBOLS, repeat=3):
        s = "".join(codon)
        key = codon_key(s)
        aas = amino_acid_set(s)
        aasets[key] = aas
        if aas == "X":
            continue
        options = expand_codon(s)
        for o in options:
            weights[key, CODON_INDEX[o]] += 1.0 / len(options)
    return weights, tuple(aasets)


@functools.cache
def score_matrix() -> np.ndarray:
    """(16, 16) alignment scores: 2 identical base, 1 compatible mixture, 0 with N, -2 incompatible."""
    m = np.full((16, 16), -2, dtype=np.int16)
    for i, x in enumerate(SYMBOLS):
        for j, y in enumerate(SYMBOLS):
            sx, sy = set(IUPAC[x]), set(IUPAC[y])
            if not sx & sy:
                continue
            if len(sx) == 1 and sx == sy:
                m[i, j] = 2
            elif "N" in (x, y):
                m[i, j] = 0
            else:
                m[i, j] = 1
    m[INVALID, :] = m[:, INVALID] = -2
    return m


def encode(seq: str) -> np.ndarray:
    """Symbol codes (uint8) of an upper- or lower-case IUPAC string."""
    return BYTE_CODE[np.frombuffer(seq.encode("ascii", "replace"), dtype=np.uint8)]


def compatible(base: str, ref_base: str) -> bool:
    return ref_base in IUPAC.get(base.upper(), "")


def codon_matches(codon: str, ref_codon: str) -> int:
    """How many of the three bases may equal the reference base (a mixture containing it counts)."""
    return sum(compatible(b, r) for b, r in zip(codon, ref_codon, strict=True))

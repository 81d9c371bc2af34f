"""The embedded consensus-B references: nucleotide coordinates, protein names, resistance mutations.

They ship inside the package (`features/data/`) so a clean install needs nothing from `../shared`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from features.codons import translate_codon
from features.errors import HivError, ReferenceError_

GENES = ("PR", "RT")
PR_LENGTH = 99
RT_PROTEIN_LENGTH = 560
RT_NT_CODONS = 490  # the nucleotide reference reaches RT codon 490
DEFAULT_RT_END = 320
ENCODER_VERSION = "1"  # bump when features.npz or mutations.csv would change for the same input


@dataclass(frozen=True)
class Drm:
    consensus: str
    mutants: str
    drug_class: str


@dataclass(frozen=True)
class Reference:
    nt: dict[str, str]  # gene -> nucleotide reference (codon 1 onwards)
    protein: dict[str, str]  # gene -> HIVdb consensus-B protein
    drms: dict[tuple[str, int], Drm]  # (gene, position) -> resistance residues


def _read_text(name: str) -> str:
    try:
        return resources.files("features").joinpath("data", name).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise ReferenceError_(f"embedded reference {name} is missing from the package") from exc


def _read_fasta(name: str) -> dict[str, str]:
    records: dict[str, str] = {}
    current = None
    for line in _read_text(name).splitlines():
        if line.startswith(">"):
            current = line[1:].split()[0]
            records[current] = ""
        elif current is not None:
            records[current] += line.strip().upper()
    return records


@functools.cache
def load_reference() -> Reference:
    nt, protein = _read_fasta("consensus_b_nt.fasta"), _read_fasta("consensus_b_protein.fasta")
    for gene in GENES:
        if gene not in nt or gene not in protein:
            raise ReferenceError_(f"embedded reference lacks {gene}")
        seq = nt[gene]
        aa = "".join(translate_codon(seq[i:i + 3]) for i in range(0, len(seq) - 2, 3))
        if not protein[gene].startswith(aa):
            raise ReferenceError_(f"embedded {gene} nucleotide reference does not translate to consensus B")
    drms: dict[tuple[str, int], Drm] = {}
    for i, line in enumerate(_read_text("drug_resistance_mutations.tsv").splitlines()):
        if i == 0 or not line.strip():
            continue
        gene, pos, cons, mutants, drug_class = line.split("\t")
        key = (gene, int(pos))
        if protein[gene][int(pos) - 1] != cons:
            raise ReferenceError_(f"resistance table: {gene}{pos} consensus {cons} does not match")
        if key in drms:  # same position listed for two classes: merge
            old = drms[key]
            drms[key] = Drm(cons, old.mutants + mutants, f"{old.drug_class}/{drug_class}")
        else:
            drms[key] = Drm(cons, mutants, drug_class)
    return Reference(nt=nt, protein=protein, drms=drms)


def gene_lengths(rt_end: int = DEFAULT_RT_END) -> dict[str, int]:
    """Codon positions featurized per gene."""
    check_rt_end(rt_end)
    return {"PR": PR_LENGTH, "RT": rt_end}


def check_rt_end(rt_end: int) -> None:
    if not isinstance(rt_end, int) or not 1 <= rt_end <= RT_NT_CODONS:
        raise HivError(f"--rt-end must be between 1 and {RT_NT_CODONS} (the nucleotide reference covers "
                       f"RT codons 1-{RT_NT_CODONS}), got {rt_end}")


def position_names(rt_end: int = DEFAULT_RT_END) -> tuple[str, ...]:
    lengths = gene_lengths(rt_end)
    return tuple(f"{g}{p}" for g in GENES for p in range(1, lengths[g] + 1))


def window_consensus(rt_end: int = DEFAULT_RT_END) -> str:
    ref, lengths = load_reference(), gene_lengths(rt_end)
    return "".join(ref.protein[g][: lengths[g]] for g in GENES)

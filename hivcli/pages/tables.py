"""Reference tables the pages mark up, from the references embedded in `features` (features.reference)."""

from __future__ import annotations

import pandas as pd

DRM_COLUMNS = ["gene", "position", "consensus", "mutant", "drug_class"]


def drm_table() -> pd.DataFrame:
    """Known drug-resistance positions: gene, position, consensus, mutant (resistant residues), drug_class."""
    from features.reference import load_reference

    rows = [(g, p, d.consensus, d.mutants, d.drug_class) for (g, p), d in load_reference().drms.items()]
    return pd.DataFrame(rows, columns=DRM_COLUMNS)


def consensus_by_position() -> dict[str, str]:
    """"RT184" → "M": the consensus-B residue of every position name."""
    from features.reference import load_reference

    out = {}
    for gene, seq in load_reference().protein.items():
        out.update({f"{gene}{i + 1}": aa for i, aa in enumerate(seq)})
    return out

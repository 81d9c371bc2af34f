"""Shared fixtures: named edge-case sequences with their exact expected calls, and the real data path.

Every edge case is built from the embedded consensus-B nucleotide reference, so expectations are exact:
`EDGE_CASES[name]` (or the fixture of the same name) gives the gene, the sequence, the mutation strings
featurize must call, the frameshift positions and which mapping path it takes. `edge_case_csv` writes
them all as one Kaggle-format CSV (one patient per case; the other gene wild type).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

# before anything imports torch: spinning OpenMP threads starve the other xdist worker (see zoo/__init__.py)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from features.reference import load_reference

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class EdgeCase:
    name: str
    gene: str
    seq: str
    calls: tuple[str, ...]  # expected `mutation` strings, in output order
    frameshifts: tuple[int, ...] = ()
    path: str = "fast"  # mapping path: "fast" or "aligned"


def _codons(gene: str) -> list[str]:
    nt = load_reference().nt[gene]
    return [nt[i: i + 3] for i in range(0, len(nt), 3)]


def _rt(n: int = 300, **changes: str) -> list[str]:
    """RT codons 1..n of the reference, with `_184="GTG"`-style replacements."""
    c = _codons("RT")[:n]
    for k, v in changes.items():
        c[int(k[1:]) - 1] = v
    return c


def _build() -> dict[str, EdgeCase]:
    pr = _codons("PR")
    cases = [
        EdgeCase("wild_type", "PR", "".join(pr), ()),
        EdgeCase("single_mutation", "RT", "".join(_rt(_184="GTG")), ("RT:M184V",)),
        # AAM = AAA (K) or AAC (N): a mixture with wild type
        EdgeCase("mixture", "RT", "".join(_rt(_103="AAM")), ("RT:K103KN",)),
        # T69S (AGT) followed by two inserted codons AGT GGT (S, G)
        EdgeCase("insertion_69", "RT", "".join(_rt(_69="AGTAGTGGT")), ("RT:T69S", "RT:T69ins"),
                 path="aligned"),
        EdgeCase("deletion_67", "RT", "".join(_rt(_67="")), ("RT:D67del",), path="aligned"),
        # one base of codon 150 lost: that codon is unknown and reported, the rest is read in frame
        EdgeCase("frameshift", "RT", "".join(_rt(_150="CC")), (), frameshifts=(150,), path="aligned"),
        # PR starting at codon 10 (first 27 nt missing) with L90M
        EdgeCase("offset_start", "PR", "".join(pr[9:89] + ["ATG"] + pr[90:]), ("PR:L90M",), path="aligned"),
        EdgeCase("stop_codon", "PR", "".join(pr[:5] + ["TAG"] + pr[6:]), ("PR:W6*",)),
        EdgeCase("all_n", "PR", "N" * 297, ()),
        EdgeCase("lower_case", "RT", "".join(_rt(_184="GTG", _41="CTG")).lower(), ("RT:M41L", "RT:M184V")),
    ]
    return {c.name: c for c in cases}


EDGE_CASES = _build()


@pytest.fixture
def wild_type() -> EdgeCase:
    return EDGE_CASES["wild_type"]


@pytest.fixture
def single_mutation() -> EdgeCase:
    return EDGE_CASES["single_mutation"]


@pytest.fixture
def mixture() -> EdgeCase:
    return EDGE_CASES["mixture"]


@pytest.fixture
def insertion_69() -> EdgeCase:
    return EDGE_CASES["insertion_69"]


@pytest.fixture
def deletion_67() -> EdgeCase:
    return EDGE_CASES["deletion_67"]


@pytest.fixture
def frameshift() -> EdgeCase:
    return EDGE_CASES["frameshift"]


@pytest.fixture
def offset_start() -> EdgeCase:
    return EDGE_CASES["offset_start"]


@pytest.fixture
def stop_codon() -> EdgeCase:
    return EDGE_CASES["stop_codon"]


@pytest.fixture
def all_n() -> EdgeCase:
    return EDGE_CASES["all_n"]


@pytest.fixture
def lower_case() -> EdgeCase:
    return EDGE_CASES["lower_case"]


@pytest.fixture
def edge_case_csv(tmp_path) -> Path:
    """Kaggle-format CSV: patient i+1 = EDGE_CASES[i] (Resp alternating), the other gene wild type."""
    wt = {"PR": "".join(_codons("PR")), "RT": "".join(_rt())}
    lines = ["PatientID,Resp,PR Seq,RT Seq,VL-t0,CD4-t0"]
    for i, case in enumerate(EDGE_CASES.values(), start=1):
        seqs = dict(wt, **{case.gene: case.seq})
        lines.append(f"{i},{i % 2},{seqs['PR']},{seqs['RT']},{3.0 + i / 10:.1f},{100 * i}")
    path = tmp_path / "edge_cases.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def real_data_path() -> Path:
    """The 800 shared Kaggle patients ($HIV_REAL_DATA, default ../shared/data/training_data.csv);
    skipped when absent."""
    path = Path(os.environ.get("HIV_REAL_DATA", REPO.parent / "shared" / "data" / "training_data.csv"))
    if not path.exists():
        pytest.skip(f"real data not available at {path}")
    return path


@pytest.fixture
def one_torch_thread():
    """Tiny tensors: one torch thread avoids OpenMP spin-waits when other processes share the cores."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

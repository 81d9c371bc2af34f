"""Mapping sequences to consensus-B positions: exact calls on named edge cases, tensor channels, fast path."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EDGE_CASES, EdgeCase

from features.calls import encode_keys, gene_calls
from features.codons import CODON_INDEX, COV_CHANNEL, DEL_CHANNEL, INS_CHANNEL
from features.iupac import amino_acid_set, codon_key, encode
from features.mapping import DELETED, UNCOVERED, aligned_map, fast_path_applies, map_gene
from features.reader import clean_sequence
from features.reference import load_reference

N_POS = {"PR": 99, "RT": 320}


def _map(case: EdgeCase, **kw):
    return map_gene(clean_sequence(case.seq), case.gene, N_POS[case.gene], **kw)


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_edge_case_gives_exactly_the_expected_calls(name):
    case = EDGE_CASES[name]
    gm = _map(case)
    assert tuple(c.mutation for c in gene_calls(gm)) == case.calls
    assert gm.frameshifts == case.frameshifts
    assert gm.path == case.path


@pytest.mark.parametrize("name", [n for n, c in EDGE_CASES.items() if c.path == "fast"])
def test_fast_path_and_aligner_agree_on_edge_cases(name):
    case = EDGE_CASES[name]
    assert _map(case).same_as(_map(case, force_align=True))


def test_call_details_of_mixture_insertion_and_deletion(mixture, insertion_69, deletion_67):
    (k103,) = gene_calls(_map(mixture))
    assert (k103.position, k103.consensus, k103.amino_acids, k103.is_drm, k103.drug_class) == (
        103, "K", "KN", True, "NNRTI")
    t69s, t69ins = gene_calls(_map(insertion_69))
    assert (t69s.amino_acids, t69ins.amino_acids, t69ins.mutation) == ("S", "insSG", "RT:T69ins")
    (d67,) = gene_calls(_map(deletion_67))
    assert (d67.amino_acids, d67.is_drm) == ("del", False)


def test_insertion_69_and_deletion_67_land_in_the_tensor(insertion_69, deletion_67):
    ins, dele = _map(insertion_69), _map(deletion_67)
    assert list(ins.insertions) == [69] and len(ins.insertions[69]) == 2
    assert ins.keys[69] == codon_key("AAA")  # K70 read in frame after the insertion
    assert dele.keys[66] == DELETED and dele.keys[67] == codon_key("AGT")
    t = encode_keys(np.stack([ins.keys, dele.keys]), np.array([[p == 68 for p in range(320)], [False] * 320]))
    assert t[0, INS_CHANNEL].nonzero()[0].tolist() == [68]
    assert t[1, DEL_CHANNEL].nonzero()[0].tolist() == [66]
    assert t[1, :64, 66].sum() == 0 and t[1, COV_CHANNEL, 66] == 1


def test_frameshift_codon_is_unknown_but_covered(frameshift):
    gm = _map(frameshift)
    t = encode_keys(gm.keys[None, :], np.zeros((1, 320), dtype=bool))
    assert t[0, :64, 149].sum() == 0 and t[0, COV_CHANNEL, 149] == 1
    # the codons after it are read in frame again
    assert t[0, CODON_INDEX[load_reference().nt["RT"][450:453]], 150] == 1


def test_offset_start_leaves_skipped_codons_uncovered(offset_start):
    gm = _map(offset_start)
    assert (gm.keys[:9] == UNCOVERED).all() and (gm.keys[9:] >= 0).all()


def test_all_n_is_covered_unknown_everywhere(all_n):
    gm = _map(all_n)
    t = encode_keys(gm.keys[None, :], np.zeros((1, 99), dtype=bool))
    assert t[0, :64].sum() == 0 and t[0, COV_CHANNEL].sum() == 99


def test_ambiguous_codon_spreads_weight_evenly_over_its_codons():
    keys = np.array([[codon_key("AAR"), codon_key("NAA"), codon_key("ACN"), UNCOVERED]], dtype=np.int16)
    t = encode_keys(keys, np.zeros((1, 4), dtype=bool))
    assert t[0, CODON_INDEX["AAA"], 0] == pytest.approx(0.5)
    assert t[0, CODON_INDEX["AAG"], 0] == pytest.approx(0.5)
    assert t[0, :64, 0].sum() == pytest.approx(1.0)
    assert t[0, :64, 1].sum() == 0 and t[0, COV_CHANNEL, 1] == 1  # N in the codon: unknown
    assert t[0, :64, 2].sum() == 0  # ACN also has an N: unknown (HIVdb), though all ACx are T
    assert t[0, :, 3].sum() == 0  # uncovered: every channel 0


@pytest.mark.parametrize(("codon", "expected"), [
    ("ATG", "M"), ("RTG", "MV"), ("TAG", "*"), ("YAA", "*Q"), ("AAN", "X"), ("NNN", "X"),
    ("BHD", "X"),  # 3 x 3 x 3 codons, more than 4 amino acids
    ("TTY", "F"),  # a mixture that can only be one amino acid
])
def test_amino_acid_sets_of_iupac_codons(codon, expected):
    assert amino_acid_set(codon) == expected


def test_mixture_that_is_only_wild_type_is_not_called():
    rt = load_reference().nt["RT"][:900]
    assert load_reference().protein["RT"][8] == "P" and rt[24:26] == "CC"
    seq = rt[:24] + "CCY" + rt[27:]  # P9: CCC or CCT, both P
    gm = map_gene(seq, "RT", 320)
    assert gm.keys[8] == codon_key("CCY") and gene_calls(gm) == []


def test_fast_path_refuses_sequences_the_aligner_would_gap():
    rt = load_reference().nt["RT"][:900]
    assert fast_path_applies(encode(rt), "RT")
    # a base inserted 4 nt before the end and one removed near the start: still a multiple of 3 long
    tail = rt[:3] + rt[4:896] + "G" + rt[896:]
    assert len(tail) % 3 == 0 and not fast_path_applies(encode(tail), "RT")
    # an in-frame 3-codon deletion in the middle
    assert not fast_path_applies(encode(rt[:450] + rt[459:]), "RT")
    # starting at codon 2
    assert not fast_path_applies(encode(rt[3:]), "RT")
    gm = aligned_map(tail, "RT", 320)
    # the base lost at the start scores best as a sequence starting inside codon 1 (end gaps are free)
    assert gm.frameshifts == (299,) and gm.keys[0] == UNCOVERED


def test_positions_past_the_sequence_are_uncovered():
    gm = map_gene(load_reference().nt["RT"][:3 * 250], "RT", 320)
    assert gm.path == "fast" and (gm.keys[:250] >= 0).all() and (gm.keys[250:] == UNCOVERED).all()

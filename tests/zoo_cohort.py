"""Tiny synthetic cohorts in the contract X layout (float32 (N, 67*L + 2)) for the zoo tests."""

from __future__ import annotations

import numpy as np

from features.codons import CODON_INDEX, COV_CHANNEL, DEL_CHANNEL, N_CHANNELS, translate_codon

# a responder-associated mutation: position 4 goes from consensus AAA (K) to AGA (R)
SIGNAL_POSITION = 4


def cohort(n: int = 60, n_positions: int = 12, seed: int = 0, n_labels: int = 1):
    """(X, y): consensus codons everywhere, a planted mutation that drives response, some uncovered PR."""
    rng = np.random.default_rng(seed)
    consensus = [c for c in CODON_INDEX if translate_codon(c) != "*"]
    codons = np.zeros((n, N_CHANNELS, n_positions), dtype=np.float32)
    base = np.random.default_rng(1234).choice(len(consensus), size=n_positions)  # one virus for every seed
    base[SIGNAL_POSITION] = consensus.index("AAA")
    for j in range(n_positions):
        codons[:, CODON_INDEX[consensus[base[j]]], j] = 1.0
    codons[:, COV_CHANNEL, :] = 1.0
    mutated = rng.random(n) < 0.35
    codons[mutated, CODON_INDEX["AAA"], SIGNAL_POSITION] = 0.0
    codons[mutated, CODON_INDEX["AGA"], SIGNAL_POSITION] = 1.0
    # a noise mutation and a deletion, unrelated to response
    noise = rng.random(n) < 0.3
    codons[noise, :, n_positions - 2] = 0.0
    codons[noise, DEL_CHANNEL, n_positions - 2] = 1.0
    codons[noise, COV_CHANNEL, n_positions - 2] = 1.0
    # a few patients lack the first three positions entirely (uncovered: every channel 0)
    missing = rng.random(n) < 0.15
    codons[np.ix_(missing, np.arange(N_CHANNELS), np.arange(3))] = 0.0
    vl = rng.normal(4.3, 0.8, n)
    cd4 = rng.normal(300, 150, n).clip(5)
    logit = 3.0 * mutated - 0.8 * (vl - 4.3) - 1.2
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = np.hstack([codons.reshape(n, -1), np.column_stack([vl, cd4])]).astype(np.float32)
    if n_labels == 1:
        return X, y
    extra = [(rng.random(n) < np.where(mutated, 0.7, 0.2)).astype(int) for _ in range(n_labels - 1)]
    return X, np.column_stack([y, *extra])

"""Map a nucleotide sequence onto consensus-B codon positions: a fast slice, or one reused aligner.

Both paths produce the same `GeneMap` (codon key per position, insertions, frameshifts), and everything
downstream (tensor, mutation calls) is computed from that alone, so where both paths apply they give
identical calls.

Fast path: the sequence starts at codon 1, its length is a multiple of 3, and no shifted diagonal (offsets
±1…±12 nt) would beat the straight diagonal by enough to pay for the gaps the aligner would open, and no
30-nt window looks unrelated to the reference. That is the aligner's own scoring checked along 24
diagonals with numpy — a conservative test, not a proof: bench/featurize.py and the tests confirm the
aligner returns the same maps on all 800 Kaggle patients. Everything else (offset
start, insertions such as the RT 69 insertion complex, deletions, frameshifts) goes through
`PairwiseAligner` (global, end gaps free, IUPAC mixtures scored as partial matches), whose alignment is
then walked codon by codon:

- a codon span holding 3 nucleotides is read as is; 0 is a deleted codon; 3 + 3k holds k inserted codons;
- a deletion the aligner split across a codon boundary is merged into whole codons; every indel is then
  re-placed as whole codons within ±3 codons where the codons match the reference best (ties: 3' side);
- any other length is a frameshift: that codon becomes unknown (`NNN` → X) and is reported.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from features.iupac import NNN_KEY, codon_key, codon_matches, encode, key_codon, score_matrix
from features.reference import DEFAULT_RT_END, PR_LENGTH, load_reference

UNCOVERED = -1
DELETED = -2

GAP_OPEN, GAP_EXTEND = -8, -1
_OFFSETS = np.array([d for d in range(-12, 13) if d != 0])
_GAP_COST = -(GAP_OPEN + GAP_EXTEND * (np.abs(_OFFSETS) - 1))
_MARGIN = 3  # near-ties go to the aligner
_WINDOW, _MIN_WINDOW_MATCH = 30, 15  # a 30-nt window with < 15 compatible bases (or N) → align


@dataclass
class GeneMap:
    """One gene of one patient on reference codon positions 1..n (index p-1)."""

    gene: str
    keys: np.ndarray  # int16 codon key, UNCOVERED or DELETED
    insertions: dict[int, tuple[int, ...]] = field(default_factory=dict)  # position -> inserted keys
    frameshifts: tuple[int, ...] = ()
    path: str = "fast"  # "fast", "aligned" or "absent"

    def same_as(self, other: GeneMap) -> bool:
        return (np.array_equal(self.keys, other.keys) and self.insertions == other.insertions
                and self.frameshifts == other.frameshifts)


def absent(gene: str, n_pos: int) -> GeneMap:
    return GeneMap(gene, np.full(n_pos, UNCOVERED, dtype=np.int16), path="absent")


_ALIGN_MARGIN = 20  # reference codons aligned beyond the window, so its last codons align as in full


def aligned_reference(gene: str, n_pos: int) -> str:
    """The reference stretch sequences are aligned to: the window plus a margin (less DP work)."""
    full = load_reference().nt[gene]
    return full[: 3 * min(len(full) // 3, n_pos + _ALIGN_MARGIN)]


@functools.cache
def _ref_codes(gene: str, n_pos: int) -> np.ndarray:
    return encode(aligned_reference(gene, n_pos))


@functools.cache
def _shift_tables(gene: str, n_pos: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference codes, and per offset d: score of the reference against itself shifted by d (0 off the
    end) and its running sum of (score - 2) — what a shifted diagonal gains over perfectly matched bases."""
    ref = _ref_codes(gene, n_pos).astype(np.intp)
    m = len(ref)
    scores = score_matrix().astype(np.int32)
    ri = np.arange(m)[None, :] - _OFFSETS[:, None]
    sref = np.where((ri >= 0) & (ri < m), scores[ref[None, :], ref[np.clip(ri, 0, m - 1)]], 0)
    cref = np.zeros((len(_OFFSETS), m + 1), dtype=np.int32)
    np.cumsum(sref - 2, axis=1, out=cref[:, 1:])
    return ref, sref, cref


def fast_path_mask(seqs: list[np.ndarray], gene: str, n_pos: int) -> np.ndarray:
    """Per sequence (symbol codes): would the aligner return the straight diagonal from codon 1?

    For each offset d (±1…±12 nt) the gain G(k) = Σ_{j<k} (score on diagonal d − score on the straight
    diagonal) is computed; a prefix, suffix or middle stretch on diagonal d that gains more than the gap(s)
    needed to reach it (minus a margin) sends the sequence to the aligner, as does any 30-nt window with
    16 or more incompatible bases (a large indel). G only rises at imperfectly matched bases and falls in
    between, so it is evaluated at those few bases only, for all sequences at once. Bases past the aligned
    reference stretch are a free overhang for the aligner and are not looked at.
    """
    ref, sref, cref = _shift_tables(gene, n_pos)
    m = len(ref)
    ok = np.array([len(c) > 0 and len(c) % 3 == 0 for c in seqs], dtype=bool)
    todo = np.flatnonzero(ok)
    if not len(todo):
        return ok
    scores = score_matrix().astype(np.int32)
    qs = [seqs[i][:m].astype(np.intp) for i in todo]
    lengths = np.array([len(q) for q in qs])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    q = np.concatenate(qs)
    seq_of = np.repeat(np.arange(len(todo)), lengths)
    pos = np.arange(len(q)) - starts[seq_of]
    main = scores[q, ref[pos]]
    # large indels: 16 incompatible bases within 30
    bad = np.flatnonzero(main < 0)
    k = _WINDOW - _MIN_WINDOW_MATCH + 1
    lo, hi = bad[: max(len(bad) - k + 1, 0)], bad[k - 1:]
    dense = (hi - lo < _WINDOW) & (seq_of[hi] == seq_of[lo])
    window_bad = np.zeros(len(todo), dtype=bool)
    window_bad[seq_of[lo][dense]] = True
    # small indels: shifted diagonals, evaluated at imperfect bases only
    imp = np.flatnonzero(main != 2)
    if not len(imp):  # every base a perfect match
        ok[todo] = ~window_bad
        return ok
    sid, ip = seq_of[imp], pos[imp]
    ri = ip[None, :] - _OFFSETS[:, None]
    shifted = np.where((ri >= 0) & (ri < m), scores[q[imp][None, :], ref[np.clip(ri, 0, m - 1)]], 0)
    corr = shifted - main[imp][None, :] - (sref[:, ip] - 2)  # how much this base differs from a perfect one
    cum = np.cumsum(corr, axis=1)
    first = np.searchsorted(sid, np.arange(len(todo)))  # first imperfect base of each sequence
    has = np.zeros(len(todo), dtype=bool)
    has[sid] = True
    base = np.where(first[sid] > 0, cum[:, np.maximum(first[sid] - 1, 0)], 0)
    ccorr = cum - base  # running correction within each sequence
    after = cref[:, ip + 1] + ccorr  # G just after an imperfect base (local maxima)
    before = cref[:, ip] + ccorr - corr  # G just before it (local minima)
    seq_ids = np.flatnonzero(has)
    seg = first[seq_ids]
    last = np.append(seg[1:], len(imp)) - 1
    end = cref[:, lengths[seq_ids]] + ccorr[:, last]
    prefix = np.maximum.reduceat(after, seg, axis=1)
    lowest = np.minimum(np.minimum(np.minimum.reduceat(before, seg, axis=1), 0), end)
    suffix = end - lowest
    big = int(np.abs(before).max(initial=0)) * 2 + 1  # running minimum restarted per sequence
    shift = (sid.astype(np.int64) * big)[None, :]
    runmin = np.minimum.accumulate(np.minimum(before, 0) - shift, axis=1) + shift
    middle = np.maximum.reduceat(after - runmin, seg, axis=1)
    gap = _GAP_COST[:, None]
    shift_bad = np.zeros(len(todo), dtype=bool)
    shift_bad[seq_ids] = ((prefix > gap - _MARGIN) | (suffix > gap - _MARGIN)
                          | (middle > 2 * gap - _MARGIN)).any(axis=0)
    ok[todo] = ~window_bad & ~shift_bad
    return ok


def fast_path_applies(codes: np.ndarray, gene: str, n_pos: int | None = None) -> bool:
    n_pos = n_pos if n_pos is not None else {"PR": PR_LENGTH, "RT": DEFAULT_RT_END}[gene]
    return bool(fast_path_mask([codes], gene, n_pos)[0])


def fast_map(codes: np.ndarray, gene: str, n_pos: int) -> GeneMap:
    """Slice codons straight from codon 1 (caller checked `fast_path_applies`)."""
    n_cod = min(len(codes) // 3, n_pos)
    c = codes[: 3 * n_cod].reshape(-1, 3).astype(np.int16)
    keys = np.full(n_pos, UNCOVERED, dtype=np.int16)
    keys[:n_cod] = (c[:, 0] << 8) | (c[:, 1] << 4) | c[:, 2]
    return GeneMap(gene, keys, path="fast")


@functools.cache
def get_aligner():
    """The one configured PairwiseAligner (Biopython is imported only when something needs aligning)."""
    from Bio.Align import PairwiseAligner, substitution_matrices

    from features.iupac import SYMBOLS

    scores = score_matrix()
    matrix = substitution_matrices.Array(alphabet=SYMBOLS, dims=2)
    for i, x in enumerate(SYMBOLS):
        for k, y in enumerate(SYMBOLS):
            matrix[x, y] = float(scores[i, k])
    aligner = PairwiseAligner()
    aligner.mode = "global"
    aligner.substitution_matrix = matrix
    aligner.open_gap_score = GAP_OPEN
    aligner.extend_gap_score = GAP_EXTEND
    aligner.end_gap_score = 0.0  # reference or sequence overhang at either end is free
    return aligner


def map_gene(seq: str, gene: str, n_pos: int, *, force_align: bool = False) -> GeneMap:
    """Map one cleaned (upper-case IUPAC) sequence; empty → absent."""
    return map_genes([seq], gene, n_pos, force_align=force_align)[0]


def map_genes(seqs: list[str], gene: str, n_pos: int, *, force_align: bool = False,
              progress: Callable[[int], None] | None = None) -> list[GeneMap]:
    """Map many sequences of one gene: the fast-path test runs batched, the rest is aligned one by one."""
    codes = [encode(s) for s in seqs]
    fast = np.zeros(len(seqs), dtype=bool) if force_align else fast_path_mask(codes, gene, n_pos)
    out = []
    for seq, c, is_fast in zip(seqs, codes, fast, strict=True):
        if not seq:
            out.append(absent(gene, n_pos))
        elif is_fast:
            out.append(fast_map(c, gene, n_pos))
        else:
            out.append(aligned_map(seq, gene, n_pos))
        if progress is not None:
            progress(1)
    return out


def aligned_map(seq: str, gene: str, n_pos: int) -> GeneMap:
    ref = aligned_reference(gene, n_pos)
    coords = get_aligner().align(ref, seq)[0].coordinates
    qpos, ins = _walk(coords, len(ref))
    return _codon_walk(seq, ref, qpos, ins, gene, n_pos)


def _walk(coords: np.ndarray, ref_len: int) -> tuple[np.ndarray, dict[int, tuple[int, int]]]:
    """Per reference nucleotide: query index, or UNCOVERED/DELETED; insertions after a reference index."""
    qpos = np.full(ref_len, UNCOVERED, dtype=np.int64)
    ins: dict[int, tuple[int, int]] = {}
    steps = [(int(coords[0, k]), int(coords[1, k]), int(coords[0, k + 1]), int(coords[1, k + 1]))
             for k in range(coords.shape[1] - 1)]
    aligned = [k for k, (t0, q0, t1, q1) in enumerate(steps) if t1 > t0 and q1 > q0]
    if not aligned:
        return qpos, ins
    for k in range(aligned[0], aligned[-1] + 1):
        t0, q0, t1, q1 = steps[k]
        if t1 > t0 and q1 > q0:
            qpos[t0:t1] = np.arange(q0, q1)
        elif t1 > t0:
            qpos[t0:t1] = DELETED
        elif q1 > q0:
            ins[t0 - 1] = (q0, q1)
    return qpos, ins


def _codon_walk(seq: str, ref: str, qpos: np.ndarray, ins: dict[int, tuple[int, int]], gene: str,
                n_pos: int) -> GeneMap:
    n_ref = len(ref) // 3
    keys = np.full(n_pos, UNCOVERED, dtype=np.int16)
    insertions: dict[int, list[int]] = {}
    frameshifts: list[int] = []

    def span(p: int) -> tuple[str, bool] | None:
        """Query nucleotides of reference codon p (0-based) and whether it holds a gap; None = uncovered."""
        if p >= n_ref:
            return None
        idx = qpos[3 * p: 3 * p + 3]
        if (idx == UNCOVERED).any():
            return None
        parts, gap = [], bool((idx == DELETED).any())
        for i, q in zip(range(3 * p, 3 * p + 3), idx, strict=True):
            if q >= 0:
                parts.append(seq[q])
            if i in ins:
                a, b = ins[i]
                parts.append(seq[a:b])
                gap = True
        return "".join(parts), gap

    # codons read straight (three consecutive query bases, no gap): vectorised
    n_ref_win = min(n_ref, n_pos)
    q = qpos[: 3 * n_ref_win].reshape(-1, 3)
    simple = (q[:, 0] >= 0) & (q[:, 1] == q[:, 0] + 1) & (q[:, 2] == q[:, 0] + 2)
    for i in ins:
        if i // 3 < n_ref_win:
            simple[i // 3] = False
    codes = encode(seq).astype(np.int16)
    qs = np.where(simple[:, None], q, 0)
    keys[:n_ref_win] = np.where(simple, (codes[qs[:, 0]] << 8) | (codes[qs[:, 1]] << 4) | codes[qs[:, 2]],
                                UNCOVERED)
    p = 0
    while p < n_pos:
        if p < n_ref_win and simple[p]:
            p += 1
            continue
        first = span(p)
        if first is None:
            p += 1
            continue
        s, _ = first
        block, total = [p], s
        while len(total) % 3 and len(block) < 4:
            nxt = span(block[-1] + 1) if block[-1] + 1 < n_pos else None
            if nxt is None or not nxt[1]:
                break
            block.append(block[-1] + 1)
            total += nxt[0]
        if len(total) % 3:
            keys[p] = NNN_KEY
            frameshifts.append(p + 1)
            p += 1
            continue
        _resolve_block(block, total, ref, keys, insertions)
        p = block[-1] + 1
    _realign_events(ref, keys, insertions, set(frameshifts))
    return GeneMap(gene, keys, {k: tuple(v) for k, v in sorted(insertions.items()) if v},
                   tuple(frameshifts), path="aligned")


def _ref_codon(ref: str, p: int) -> str:
    return ref[3 * p: 3 * p + 3]


def _resolve_block(block: list[int], s: str, ref: str, keys: np.ndarray,
                   insertions: dict[int, list[int]]) -> None:
    """Assign 3t query nucleotides to the block's n reference codons as one contiguous indel event."""
    qc = [codon_key(s[3 * i: 3 * i + 3]) for i in range(len(s) // 3)]
    n, t = len(block), len(qc)
    if t == n:
        keys[block] = qc
        return
    refs = [_ref_codon(ref, p) for p in block]
    best: tuple[int, int] = (-1, 0)  # (score, split); later splits win ties: the 3' placement
    for split in range(n + 1):
        if t < n:  # reference codons split..split+(n-t)-1 deleted
            if split + n - t > n:
                continue
            pairs = list(zip(qc, refs[:split] + refs[split + n - t:], strict=True))
        else:  # query codons split..split+(t-n)-1 inserted
            pairs = list(zip(qc[:split] + qc[split + t - n:], refs, strict=True))
        score = sum(_matches(k, r) for k, r in pairs)
        if score >= best[0]:
            best = (score, split)
    split = best[1]
    if t < n:
        d = n - t
        keys[block] = qc[:split] + [DELETED] * d + qc[split:]
        return
    k = t - n
    keys[block] = qc[:split] + qc[split + k:]
    after = block[0] - 1 + split  # 0-based codon the insertion follows
    if after >= 0:  # before codon 1 is just leading sequence
        insertions.setdefault(after + 1, []).extend(qc[split: split + k])


@functools.cache
def _matches_str(codon: str, ref_codon: str) -> int:
    return codon_matches(codon, ref_codon)


def _matches(key: int, ref_codon: str) -> int:
    return _matches_str(key_codon(key), ref_codon)


_REALIGN = 3  # codons either side of an indel considered for its placement


def _realign_events(ref: str, keys: np.ndarray, insertions: dict[int, list[int]],
                    frameshifts: set[int]) -> None:
    """Canonical placement of each indel: best codon matches within ±3 codons, ties to the 3' side.

    The aligner's nucleotide gap placement is arbitrary among equal scores (and the 69 insertion region is
    repetitive); re-placing whole codons makes the call depend on the sequence only.
    """
    n = min(len(keys), len(ref) // 3)

    def plain(p: int) -> bool:  # 0-based codon usable for re-placement
        return 0 <= p < n and keys[p] >= 0 and (p + 1) not in frameshifts

    for pos in sorted(insertions):  # insertion after 1-based pos = after 0-based pos-1
        if pos not in insertions:
            continue
        ins = insertions.pop(pos)
        lo = pos  # window of 0-based codons lo..hi-1 around the insertion, free of other events
        while lo - 1 >= 0 and pos - (lo - 1) <= _REALIGN and plain(lo - 1) and lo not in insertions:
            lo -= 1
        hi = pos
        while hi < n and hi - pos < _REALIGN and plain(hi) and hi not in insertions \
                and hi + 1 not in insertions:
            hi += 1
        window = list(range(lo, hi))
        q = [int(keys[p]) for p in window if p < pos] + ins + [int(keys[p]) for p in window if p >= pos]
        k = len(ins)
        best = (-1, pos)
        for after in range(max(lo, 1), hi + 1):  # insertion after 1-based `after`
            cut = after - lo
            assigned = q[:cut] + q[cut + k:]
            score = sum(_matches(c, _ref_codon(ref, p)) for c, p in zip(assigned, window, strict=True))
            if score >= best[0]:
                best = (score, after)
        after = best[1]
        cut = after - lo
        keys[window] = q[:cut] + q[cut + k:]
        insertions[after] = q[cut: cut + k]
    p = 0
    while p < n:  # runs of deleted codons
        if keys[p] != DELETED:
            p += 1
            continue
        end = p
        while end < n and keys[end] == DELETED:
            end += 1
        d = end - p
        lo = p
        while lo - 1 >= 0 and p - (lo - 1) <= _REALIGN and plain(lo - 1) and lo not in insertions:
            lo -= 1
        hi = end
        while hi < n and hi - end < _REALIGN and plain(hi) and hi not in insertions:
            hi += 1
        window = list(range(lo, hi))
        q = [int(keys[i]) for i in window if keys[i] != DELETED]
        best = (-1, p)
        for start in range(lo, hi - d + 1):
            assigned = [i for i in window if not start <= i < start + d]
            score = sum(_matches(c, _ref_codon(ref, i)) for c, i in zip(q, assigned, strict=True))
            if score >= best[0]:
                best = (score, start)
        start = best[1]
        assigned = [i for i in window if not start <= i < start + d]
        keys[window] = DELETED
        keys[assigned] = q
        p = hi

"""Read and validate patient input: a Kaggle-format CSV, or PR/RT FASTA files plus a clinical CSV.

Everything is checked before anything is written. A bad row raises `InputError` naming the file, the row
(PatientID and line) and the column, and what was expected; with `skip_invalid` it lands in `rejected`
instead. Extra columns holding only 0/1 are kept as further labels (candidate targets); other extra
columns are ignored and mentioned once in `notes`.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from features.errors import InputError
from features.iupac import SYMBOLS

COLUMNS = ("PatientID", "Resp", "PR Seq", "RT Seq", "VL-t0", "CD4-t0")
REQUIRED = ("PR Seq", "RT Seq", "VL-t0", "CD4-t0")
CLINICAL_REQUIRED = ("PatientID", "VL-t0", "CD4-t0")
VL_RANGE = (0.0, 8.0)
_INVALID_BASE = re.compile(f"[^{SYMBOLS}]")
_WHITESPACE = re.compile(r"\s+")
_BINARY = {"0", "1", "0.0", "1.0"}


@dataclass
class PatientRecord:
    patient_id: str
    pr: str  # cleaned upper-case IUPAC, "" when absent
    rt: str
    vl: float
    cd4: float
    labels: tuple[float, ...]  # Resp then extra 0/1 columns; () when the input has no Resp
    line: int


@dataclass
class Rejection:
    patient_id: str
    line: int
    column: str
    reason: str


@dataclass
class Cohort:
    records: list[PatientRecord]
    label_names: tuple[str, ...]
    source: str  # file name(s) for messages
    sha256: str
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_CANONICAL = {_norm(c): c for c in COLUMNS}


def read_bytes(path: str | Path) -> bytes:
    path = Path(path)
    if path.is_dir():
        raise InputError("is a directory, expected a file", path=str(path))
    if not path.exists():
        raise InputError("no such file", path=str(path))
    return path.read_bytes()


def decode_text(raw: bytes, path: str, what: str = "a UTF-8 CSV") -> str:
    """Bytes (gzip recognised by its magic number) to text; refuse anything that is not text."""
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"broken gzip file ({exc})", path=path) from None
    if b"\x00" in raw[:65536]:
        raise InputError(f"not a text file (expected {what})", path=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not a text file (expected {what}; invalid UTF-8 at byte {exc.start})",
                         path=path) from None
    return text


def clean_sequence(value: str) -> str:
    """Drop whitespace and line breaks, upper-case."""
    return _WHITESPACE.sub("", value).upper()


def check_sequence(seq: str) -> str | None:
    """Why a cleaned sequence is invalid, or None."""
    m = _INVALID_BASE.search(seq)
    if m is None:
        return None
    return (f"expected IUPAC nucleotide codes ({SYMBOLS}), found {m.group()!r} at position {m.start() + 1}")


def parse_vl(value: str) -> tuple[float | None, str | None]:
    lo, hi = VL_RANGE
    v = value.strip()
    if not v:
        return None, f"missing value: expected log10 copies/ml between {lo:g} and {hi:g}"
    try:
        x = float(v)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        return None, f"expected a number (log10 copies/ml between {lo:g} and {hi:g}), got {v!r}"
    if not lo <= x <= hi:
        hint = " (raw copies/ml? give log10)" if x > hi else ""
        return None, f"implausible value {v}: expected log10 copies/ml between {lo:g} and {hi:g}{hint}"
    return x, None


def parse_cd4(value: str) -> tuple[float | None, str | None]:
    v = value.strip()
    if not v:
        return None, "missing value: expected a CD4 count (cells/µl, 0 or more)"
    try:
        x = float(v)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        return None, f"expected a number (CD4 cells/µl, 0 or more), got {v!r}"
    if x < 0:
        return None, f"negative CD4 count {v}: expected cells/µl, 0 or more"
    return x, None


def parse_binary(value: str) -> tuple[float | None, str | None]:
    v = value.strip()
    if v in _BINARY:
        return float(v), None
    return None, f"expected 0 or 1, got {v!r}" if v else "missing value: expected 0 or 1"


@dataclass
class _Table:
    header: list[str]  # canonical names where recognised
    rows: list[tuple[int, list[str]]]  # (first line, fields)


def _parse_header(reader, path: str | Path, required: tuple[str, ...]) -> list[str]:
    """Canonical column names of the first non-blank row; refuses duplicated or missing columns."""
    header = next(reader)
    while not any(h.strip() for h in header):
        header = next(reader)
    names = [_CANONICAL.get(_norm(h), h.strip()) for h in header]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"column '{name}' appears twice in the header", path=str(path))
        seen.add(name)
    for col in required:
        if col not in names:
            raise InputError(f"missing required column: expected {', '.join(required)} in the header, "
                             f"found {', '.join(h.strip() for h in header)}", path=str(path), column=col)
    return names


def _read_table(path: str | Path, required: tuple[str, ...]) -> tuple[_Table, str]:
    raw = read_bytes(path)
    digest = hashlib.sha256(raw).hexdigest()
    text = decode_text(raw, str(path))
    if not text.strip():
        raise InputError(f"empty file: expected a CSV header ({','.join(COLUMNS)}) and one row per patient",
                         path=str(path))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        names = _parse_header(reader, path, required)
        rows, last = [], reader.line_num
        for fields in reader:
            start, last = last + 1, reader.line_num
            if not fields or not any(f.strip() for f in fields):
                continue
            rows.append((start, fields))
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", path=str(path), line=reader.line_num) from None
    if not rows:
        raise InputError("no data rows: the file holds only a header", path=str(path))
    return _Table(names, rows), digest


def _extra_columns(table: _Table, known: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(extra columns holding only 0/1, other extra columns)."""
    binary, other = [], []
    for j, name in enumerate(table.header):
        if name in known:
            continue
        values = [f[j].strip() if j < len(f) else "" for _, f in table.rows]
        (binary if values and all(v in _BINARY for v in values) else other).append(name)
    return binary, other


def _ignored_note(name: str, columns: list[str]) -> str:
    return f"{name}: ignored extra column{'s' if len(columns) > 1 else ''}: {', '.join(columns)}"


class _RowChecker:
    """Validates one data row at a time (shared by the whole-file and the streaming readers)."""

    def __init__(self, header: list[str], path: str, *, skip_invalid: bool, sequences: bool,
                 label_names: tuple[str, ...]):
        self.col = {name: j for j, name in enumerate(header)}
        self.n_fields = len(header)
        self.path, self.skip_invalid, self.sequences = path, skip_invalid, sequences
        self.label_names = label_names
        self.has_id = "PatientID" in self.col
        self.rejected: list[Rejection] = []
        self.first_line: dict[str, int] = {}

    def check(self, index: int, line: int, fields: list[str]) -> PatientRecord | None:
        """The row as a record, or None when it was rejected (`skip_invalid`); else raises InputError."""
        col = self.col
        pid = fields[col["PatientID"]].strip() if self.has_id and col["PatientID"] < len(fields) else (
            "" if self.has_id else str(index))

        def bad(column: str | None, reason: str, row_id: str | None = pid) -> None:
            if not self.skip_invalid:
                raise InputError(reason, path=self.path, row=row_id or None, column=column, line=line)
            self.rejected.append(Rejection(row_id or "", line, column or "", reason))

        if len(fields) != self.n_fields:
            return bad(None, f"expected {self.n_fields} fields as in the header, found {len(fields)}")
        if not pid:
            return bad("PatientID", "missing PatientID", None)
        if pid in self.first_line:
            return bad("PatientID", f"duplicated PatientID {pid} (first on line {self.first_line[pid]})")
        self.first_line[pid] = line
        seqs = {}
        if self.sequences:
            for gene in ("PR", "RT"):
                s = clean_sequence(fields[col[f"{gene} Seq"]])
                why = check_sequence(s)
                if why:
                    return bad(f"{gene} Seq", why)
                seqs[gene] = s
        vl, why = parse_vl(fields[col["VL-t0"]])
        if why:
            return bad("VL-t0", why)
        cd4, why = parse_cd4(fields[col["CD4-t0"]])
        if why:
            return bad("CD4-t0", why)
        labels: list[float] = []
        for name in self.label_names:
            v, why = parse_binary(fields[col[name]])
            if why:
                return bad(name, why)
            labels.append(v)
        return PatientRecord(pid, seqs.get("PR", ""), seqs.get("RT", ""), vl, cd4, tuple(labels), line)


def _read_patients(path: str | Path, *, skip_invalid: bool, sequences: bool) -> Cohort:
    required = REQUIRED if sequences else CLINICAL_REQUIRED
    table, digest = _read_table(path, required)
    p = str(path)
    has_resp = "Resp" in table.header
    known = COLUMNS if sequences else ("PatientID", "Resp", "VL-t0", "CD4-t0")
    binary, other = _extra_columns(table, known)
    if not has_resp and binary:
        other, binary = other + binary, []
    notes = [_ignored_note(Path(p).name, other)] if other else []
    label_names = (("Resp", *binary) if has_resp else ())
    checker = _RowChecker(table.header, p, skip_invalid=skip_invalid, sequences=sequences,
                          label_names=label_names)
    records = [r for index, (line, fields) in enumerate(table.rows, start=1)
               if (r := checker.check(index, line, fields)) is not None]
    return Cohort(records, label_names, p, digest, checker.rejected, notes)


def iter_csv(path: str | Path, *, chunk_size: int = 2048, skip_invalid: bool = False) -> Iterator[Cohort]:
    """Stream a Kaggle-format CSV as cohorts of at most `chunk_size` patients, memory bounded by the chunk.

    Rows are checked exactly as by `read_csv`; only `Resp` is kept as a label (extra columns are ignored,
    since deciding whether a column is 0/1 would need the whole file). Each chunk's `sha256` is empty; the
    last chunk's `notes` say what was ignored. A problem in a late row raises only when that row is reached,
    so callers write their output atomically at the end.
    """
    p = str(path)
    source = Path(path)
    if source.is_dir():
        raise InputError("is a directory, expected a file", path=p)
    if not source.exists():
        raise InputError("no such file", path=p)
    with open(source, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    try:
        with opener(source, "rb") as fh:
            head = fh.read(65536)
    except (OSError, EOFError) as exc:
        raise InputError(f"broken gzip file ({exc})", path=p) from None
    if b"\x00" in head:
        raise InputError("not a text file (expected a UTF-8 CSV)", path=p)
    try:
        with opener(source, "rt", encoding="utf-8-sig", newline="") as text:
            reader = csv.reader(text)
            try:
                header = _parse_header(reader, p, REQUIRED)
            except StopIteration:
                raise InputError(f"empty file: expected a CSV header ({','.join(COLUMNS)}) and one row per "
                                 "patient", path=p) from None
            label_names = ("Resp",) if "Resp" in header else ()
            other = [h for h in header if h not in COLUMNS]
            notes = [_ignored_note(source.name, other)] if other else []
            checker = _RowChecker(header, p, skip_invalid=skip_invalid, sequences=True,
                                  label_names=label_names)
            chunk: list[PatientRecord] = []
            index, last, seen_rows = 0, reader.line_num, False
            for fields in reader:
                start, last = last + 1, reader.line_num
                if not fields or not any(f.strip() for f in fields):
                    continue
                seen_rows = True
                index += 1
                record = checker.check(index, start, fields)
                if record is not None:
                    chunk.append(record)
                if len(chunk) >= chunk_size:
                    yield Cohort(chunk, label_names, p, "", checker.rejected, [])
                    chunk = []
            if not seen_rows:
                raise InputError("no data rows: the file holds only a header", path=p)
            if chunk or checker.rejected:
                yield Cohort(chunk, label_names, p, "", checker.rejected, notes)
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", path=p) from None
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise InputError(f"not a readable UTF-8 CSV ({exc})", path=p) from None


def read_csv(path: str | Path, *, skip_invalid: bool = False) -> Cohort:
    """A Kaggle-format CSV (.csv or .csv.gz): PatientID, Resp, PR Seq, RT Seq, VL-t0, CD4-t0."""
    cohort = _read_patients(path, skip_invalid=skip_invalid, sequences=True)
    _require_rows(cohort)
    return cohort


def _require_rows(cohort: Cohort) -> None:
    if not cohort.records:
        first = cohort.rejected[0] if cohort.rejected else None
        detail = f" (first: line {first.line}, {first.column}: {first.reason})" if first else ""
        raise InputError(f"no valid rows left: all {len(cohort.rejected)} were rejected{detail}",
                         path=cohort.source)


def _read_fasta(path: str | Path) -> tuple[dict[str, str], str]:
    """Record id -> raw sequence, via Biopython SeqIO (imported here: FASTA input is the rare path)."""
    from Bio import SeqIO

    raw = read_bytes(path)
    text = decode_text(raw, str(path), "a FASTA file")
    p = str(path)
    if not text.strip():
        raise InputError("empty file: expected FASTA records ('>id' then the sequence)", path=p)
    if not text.lstrip().startswith(">"):
        raise InputError("not a FASTA file: expected records starting with '>id'", path=p)
    records: dict[str, str] = {}
    for rec in SeqIO.parse(io.StringIO(text), "fasta"):
        if rec.id in records:
            raise InputError(f"duplicated record id {rec.id}", path=p, row=rec.id)
        records[rec.id] = str(rec.seq)
    return records, hashlib.sha256(raw).hexdigest()


def read_fasta_inputs(pr_fasta: str | Path | None, rt_fasta: str | Path | None, clinical: str | Path, *,
                      skip_invalid: bool = False) -> Cohort:
    """PR and/or RT FASTA records matched by id to a clinical CSV (PatientID, VL-t0, CD4-t0[, Resp])."""
    if pr_fasta is None and rt_fasta is None:
        raise InputError("FASTA input needs --pr-fasta and/or --rt-fasta next to --clinical")
    cohort = _read_patients(clinical, skip_invalid=skip_invalid, sequences=False)
    by_id = {r.patient_id: r for r in cohort.records}
    rejected_ids = {r.patient_id for r in cohort.rejected}
    digests = [cohort.sha256]
    sources = [cohort.source]
    for gene, fasta in (("PR", pr_fasta), ("RT", rt_fasta)):
        if fasta is None:
            continue
        records, digest = _read_fasta(fasta)
        digests.append(digest)
        sources.append(str(fasta))
        for rid, raw_seq in records.items():
            if rid in rejected_ids:
                continue
            rec = by_id.get(rid)
            seq = clean_sequence(raw_seq)
            why = check_sequence(seq) if rec is not None else "record has no row in the clinical CSV"
            if why:
                if not skip_invalid:
                    raise InputError(why, path=str(fasta), row=rid, column=f"{gene} sequence")
                cohort.rejected.append(Rejection(rid, 0, f"{gene} sequence", why))
                if rec is not None:
                    del by_id[rid]
                    rejected_ids.add(rid)
                continue
            setattr(rec, gene.lower(), seq)
    cohort.records = [r for r in cohort.records if r.patient_id in by_id]
    cohort.sha256 = hashlib.sha256("".join(digests).encode()).hexdigest()
    cohort.source = " + ".join(sources)
    _require_rows(cohort)
    return cohort

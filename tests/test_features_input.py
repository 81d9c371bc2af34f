"""`hiv featurize` input handling: every bad-input class is one stderr line + exit 2, nothing written;
tolerated variations (BOM, CRLF, gzip, line breaks, extra columns, missing ids/labels) are read."""

from __future__ import annotations

import csv
import gzip

import pytest
from conftest import EDGE_CASES
from typer.testing import CliRunner

from features.reader import read_csv
from features.reference import load_reference
from hivcli.app import app

runner = CliRunner()
HEADER = "PatientID,Resp,PR Seq,RT Seq,VL-t0,CD4-t0"
PR = load_reference().nt["PR"]
RT = load_reference().nt["RT"][:900]


def _row(pid="1", resp="0", pr=PR, rt=RT, vl="4.2", cd4="250") -> str:
    return ",".join([pid, resp, pr, rt, vl, cd4])


def _featurize(tmp_path, text: str | bytes, *extra: str, name="in.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["featurize", "--data", str(path), "--out", str(out), *extra])
    return result, path, out


BAD = {  # case: (file content, expected message; {p} = the file)
    "empty file": (
        "", "{p}: empty file: expected a CSV header (PatientID,Resp,PR Seq,RT Seq,VL-t0,CD4-t0) and one row "
            "per patient"),
    "header only": (HEADER + "\n", "{p}: no data rows: the file holds only a header"),
    "missing column": (
        "PatientID,Resp,PR Seq,VL-t0,CD4-t0\n1,0,ACG,4,100\n",
        "{p}, column 'RT Seq': missing required column: expected PR Seq, RT Seq, VL-t0, CD4-t0 in the "
        "header, found PatientID, Resp, PR Seq, VL-t0, CD4-t0"),
    "non-numeric VL": (
        f"{HEADER}\n{_row()}\n{_row(pid='7', vl='high')}\n",
        "{p}, row 7 (line 3), column 'VL-t0': expected a number (log10 copies/ml between 0 and 8), "
        "got 'high'"),
    "implausible VL": (
        f"{HEADER}\n{_row(pid='7', vl='25000')}\n",
        "{p}, row 7 (line 2), column 'VL-t0': implausible value 25000: expected log10 copies/ml between "
        "0 and 8 (raw copies/ml? give log10)"),
    "missing VL": (
        f"{HEADER}\n{_row(pid='7', vl='')}\n",
        "{p}, row 7 (line 2), column 'VL-t0': missing value: expected log10 copies/ml between 0 and 8"),
    "negative CD4": (
        f"{HEADER}\n{_row(pid='7', cd4='-5')}\n",
        "{p}, row 7 (line 2), column 'CD4-t0': negative CD4 count -5: expected cells/µl, 0 or more"),
    "non-numeric CD4": (
        f"{HEADER}\n{_row(pid='7', cd4='n/a')}\n",
        "{p}, row 7 (line 2), column 'CD4-t0': expected a number (CD4 cells/µl, 0 or more), got 'n/a'"),
    "duplicated PatientID": (
        f"{HEADER}\n{_row(pid='7')}\n{_row(pid='8')}\n{_row(pid='7')}\n",
        "{p}, row 7 (line 4), column 'PatientID': duplicated PatientID 7 (first on line 2)"),
    "non-IUPAC base": (
        f"{HEADER}\n{_row(pid='7', rt=RT[:10] + 'Z' + RT[11:])}\n",
        "{p}, row 7 (line 2), column 'RT Seq': expected IUPAC nucleotide codes (ACGTRYKMSWBDHVN), found "
        "'Z' at position 11"),
    "bad Resp": (
        f"{HEADER}\n{_row(pid='7', resp='yes')}\n",
        "{p}, row 7 (line 2), column 'Resp': expected 0 or 1, got 'yes'"),
    "short row": (f"{HEADER}\n1,0,ACG\n", "{p}, row 1 (line 2): expected 6 fields as in the header, found 3"),
    "not text": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
                 "{p}: not a text file (expected a UTF-8 CSV)"),
    "broken gzip": (b"\x1f\x8b\x08\x00garbage", "{p}: broken gzip file"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_and_exit_2_and_nothing_is_written(tmp_path, case):
    text, expected = BAD[case]
    result, path, out = _featurize(tmp_path, text)
    assert result.exit_code == 2
    message = expected.format(p=path)
    if case == "broken gzip":  # zlib's wording follows
        assert result.stderr.startswith(f"error: {message} (") and result.stderr.count("\n") == 1
    else:
        assert result.stderr == f"error: {message}\n"
    assert not out.exists()


def test_missing_file_and_bad_rt_end(tmp_path):
    missing = tmp_path / "nope.csv"
    result = runner.invoke(app, ["featurize", "--data", str(missing), "--out", str(tmp_path / "o")])
    assert (result.exit_code, result.stderr) == (2, f"error: {tmp_path / 'nope.csv'}: no such file\n")
    result = runner.invoke(app, ["featurize", "--rt-end", "600", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr == ("error: --rt-end must be between 1 and 490 (the nucleotide reference covers RT "
                             "codons 1-490), got 600\n")


def test_skip_invalid_writes_rejected_rows_with_reasons(tmp_path):
    text = "\n".join([HEADER, _row(pid="1"), _row(pid="2", cd4="-1"), _row(pid="3", pr="ACGXT"),
                      _row(pid="1")]) + "\n"
    result, _, out = _featurize(tmp_path, text, "--skip-invalid")
    assert result.exit_code == 0, result.output
    with open(out / "rejected.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["PatientID"], r["line"], r["column"]) for r in rows] == [
        ("2", "3", "CD4-t0"), ("3", "4", "PR Seq"), ("1", "5", "PatientID")]
    assert rows[0]["reason"] == "negative CD4 count -1: expected cells/µl, 0 or more"
    assert "skipped rows" in result.stdout


def test_tolerated_variations_are_read(tmp_path):
    wrapped_rt = "\n".join(RT.lower()[i: i + 60] for i in range(0, len(RT), 60))
    rows = [
        "\ufeffPatientID,Resp,PR Seq,RT Seq,VL-t0,CD4-t0,Site,Resp_NRTI",
        f'1,1,{PR},"{wrapped_rt}",4.1,300,Paris,1',
        f"2,0,,{RT[:300]} {RT[300:]},5.2,20,Rome,0",
        "3,0,,,3.0,0,Oslo,1",  # no sequence at all: kept, zero coverage
    ]
    raw = gzip.compress("\r\n".join(rows).encode("utf-8") + b"\r\n")
    path = tmp_path / "in.csv.gz"
    path.write_bytes(raw)
    cohort = read_csv(path)
    assert [r.patient_id for r in cohort.records] == ["1", "2", "3"]
    assert cohort.records[0].rt == RT and cohort.records[1].rt == RT and cohort.records[1].pr == ""
    assert cohort.label_names == ("Resp", "Resp_NRTI")
    assert [r.labels for r in cohort.records] == [(1.0, 1.0), (0.0, 0.0), (0.0, 1.0)]
    assert cohort.notes == ["in.csv.gz: ignored extra column: Site"]
    result = runner.invoke(app, ["featurize", "--data", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "note: in.csv.gz: ignored extra column: Site" in result.stdout
    assert "no sequence at all  │ 1" in result.stdout


def test_patient_id_and_resp_are_optional(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("PR Seq,RT Seq,VL-t0,CD4-t0\n" + f"{PR},{RT},4.0,100\n,{RT},3.5,50\n")
    cohort = read_csv(path)
    assert [r.patient_id for r in cohort.records] == ["1", "2"]
    assert cohort.label_names == () and cohort.records[0].labels == ()


def _fasta(path, records: dict[str, str]):
    path.write_text("".join(f">{k} some description\n{v[:60]}\n{v[60:]}\n" for k, v in records.items()))
    return path


def test_fasta_input_is_matched_by_id(tmp_path):
    single = EDGE_CASES["single_mutation"].seq
    pr = _fasta(tmp_path / "pr.fasta", {"b": PR})
    rt = _fasta(tmp_path / "rt.fasta", {"a": single, "b": RT})
    clinical = tmp_path / "clinical.csv"
    clinical.write_text("PatientID,VL-t0,CD4-t0,Resp\na,4.5,120,0\nb,3.9,400,1\nc,5.0,10,0\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["featurize", "--pr-fasta", str(pr), "--rt-fasta", str(rt), "--clinical",
                                 str(clinical), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with open(out / "mutations.csv", newline="") as fh:
        assert [(r["PatientID"], r["mutation"]) for r in csv.DictReader(fh)] == [("a", "RT:M184V")]
    from features.store import load_features

    fs = load_features(out)
    assert fs.patient_id.tolist() == ["a", "b", "c"] and fs.label.tolist() == [0, 1, 0]
    assert fs.codons[2, -1].sum() == 0  # c has no sequence: zero coverage


def test_fasta_errors(tmp_path):
    clinical = tmp_path / "clinical.csv"
    clinical.write_text("PatientID,VL-t0,CD4-t0\na,4.5,120\n")
    rt = _fasta(tmp_path / "rt.fasta", {"a": RT, "zz": RT})
    result = runner.invoke(app, ["featurize", "--rt-fasta", str(rt), "--clinical", str(clinical), "--out",
                                 str(tmp_path / "o")])
    assert (result.exit_code, result.stderr) == (
        2, f"error: {rt}, row zz, column 'RT sequence': record has no row in the clinical CSV\n")
    bad = tmp_path / "bad.fasta"
    bad.write_text("ACGT\n")
    result = runner.invoke(app, ["featurize", "--rt-fasta", str(bad), "--clinical", str(clinical), "--out",
                                 str(tmp_path / "o")])
    assert result.stderr == f"error: {bad}: not a FASTA file: expected records starting with '>id'\n"
    result = runner.invoke(app, ["featurize", "--rt-fasta", str(rt), "--out", str(tmp_path / "o")])
    assert result.stderr == ("error: FASTA input needs --clinical (CSV of PatientID, VL-t0, CD4-t0 and "
                             "optionally Resp)\n")
    assert not (tmp_path / "o").exists()

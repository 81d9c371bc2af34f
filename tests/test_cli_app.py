"""The `hiv` app as a whole: light start-up, and a README CLI reference that matches `--help`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hivcli.docs import END, START, cli_reference

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sklearn", "pandas", "matplotlib", "skorch", "Bio")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True, cwd=REPO)
    return {m.split(".")[0] for m in out.stdout.split()}


def test_help_imports_no_heavy_library():
    loaded = _modules_after("from hivcli.app import app\n"
                            "from typer.testing import CliRunner\n"
                            "assert CliRunner().invoke(app, ['--help']).exit_code == 0")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_readme_cli_reference_matches_the_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split(START, 1)[1].split(END, 1)[0]
    assert block.strip() == cli_reference().strip(), "stale README CLI reference: run python -m hivcli.docs"


def test_reference_lists_every_command_and_option():
    ref = cli_reference()
    for command in ("simulate", "featurize", "explore", "models", "cv", "report", "train", "predict"):
        assert f"### `hiv {command}" in ref
    for option in ("`--rt-end`", "`--skip-invalid`", "`--kaggle`", "`--model-dir`", "`--jobs`", "`--target`"):
        assert option in ref

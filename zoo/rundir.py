"""The run directory `hiv cv` writes and `hiv report` reads (formats in docs/CONTRACTS.md).

Every file is written to a temporary name in the same directory and moved into place, so a crash never
leaves a half-written file that a later report would trust. Undefined scores are `null` in JSON.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from features.errors import RunError
from features.store import atomic_write_path, atomic_write_text, json_safe

FORMAT_VERSION = 1
CONFIG, METRICS = "config.json", "metrics.json"
OOF, HISTORY, ATTRIBUTIONS = "oof_predictions.csv", "history.csv", "attributions.csv"
RUN_FILES = (CONFIG, METRICS, OOF, HISTORY, ATTRIBUTIONS)
# what --force clears besides RUN_FILES: a report of the old run would describe results that are gone
STALE_FILES = ("report.html", "report.md")

OOF_COLUMNS = ["model", "repeat", "fold", "PatientID", "label", "probability", "prediction"]
OOF_COLUMNS_MULTI = ["model", "repeat", "fold", "PatientID", "target", "label", "probability", "prediction"]
HISTORY_COLUMNS = ["model", "repeat", "fold", "epoch", "train_loss", "valid_loss", "valid_f1"]
ATTRIBUTION_COLUMNS = ["model", "repeat", "fold", "position", "importance"]


@dataclass
class RunResult:
    """Everything a cross-validation run produced; `metrics` is the content of metrics.json."""

    config: dict[str, Any]
    metrics: dict[str, Any]
    oof: pd.DataFrame
    history: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=HISTORY_COLUMNS))
    attributions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ATTRIBUTION_COLUMNS))
    path: Path | None = None

    @property
    def models(self) -> dict[str, dict]:
        """name → {"folds": [...], "mean": {...}, "sd": {...}}."""
        return self.metrics["models"]


def prepare_run_dir(path: str | Path, *, force: bool = False) -> Path:
    """Create RUN_DIR; refuse one that holds anything unless `force`, which clears the old run's files."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise RunError(f"{path}: exists and is not a directory")
    if path.is_dir() and any(path.iterdir()):
        if not force:
            raise RunError(f"{path}: run directory is not empty; choose another --out or add --force")
        for name in RUN_FILES + STALE_FILES:
            (path / name).unlink(missing_ok=True)
        shutil.rmtree(path / "report_figures", ignore_errors=True)  # figures of the old run's report
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(json_safe(obj), indent=2, allow_nan=False) + "\n")


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    with atomic_write_path(path) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")


def write_run(result: RunResult, path: str | Path) -> Path:
    """Write all five files of `result` into the (existing) directory `path`."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    write_json(path / CONFIG, result.config)
    write_csv(path / OOF, result.oof)
    write_csv(path / HISTORY, result.history)
    write_csv(path / ATTRIBUTIONS, result.attributions)
    write_json(path / METRICS, result.metrics)  # last: its presence marks a complete run
    result.path = path
    return path


def _nan_for_null(metrics: dict) -> dict:
    for model in metrics.get("models", {}).values():
        for part in [model.get("mean", {}), model.get("sd", {}), *model.get("folds", [])]:
            for k, v in part.items():
                if v is None:
                    part[k] = math.nan
    return metrics


def load_run(path: str | Path) -> RunResult:
    """Read a run directory back; a missing, partial or foreign one raises `RunError`."""
    path = Path(path)
    if not path.is_dir():
        raise RunError(f"{path}: no such run directory")
    for name in (CONFIG, METRICS, OOF):
        if not (path / name).is_file():
            raise RunError(f"{path}: not a complete run directory (missing {name}); "
                           f"run `hiv cv --out {path}`")
    try:
        config = json.loads((path / CONFIG).read_text(encoding="utf-8"))
        metrics = json.loads((path / METRICS).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunError(f"{path}: unreadable run file ({exc})") from None
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise RunError(f"{path}: run format version {version!r}, this hiv reads version {FORMAT_VERSION}")
    if not isinstance(metrics.get("models"), dict):
        raise RunError(f"{path}: {METRICS} has no 'models' section")

    def csv(name: str, columns: list[str]) -> pd.DataFrame:
        file = path / name
        if not file.is_file() or file.stat().st_size == 0:
            return pd.DataFrame(columns=columns)
        try:
            return pd.read_csv(file, dtype={"PatientID": str})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise RunError(f"{file}: unreadable ({exc})") from None

    multi = len(config.get("targets", ["Resp"])) > 1
    return RunResult(config=config, metrics=_nan_for_null(metrics),
                     oof=csv(OOF, OOF_COLUMNS_MULTI if multi else OOF_COLUMNS),
                     history=csv(HISTORY, HISTORY_COLUMNS),
                     attributions=csv(ATTRIBUTIONS, ATTRIBUTION_COLUMNS), path=path)

"""One call for every command that needs features: a features directory, a CSV, or the bundled cohort.

    fs, description = load_or_featurize(path)      # path: features dir | .npz | .csv/.csv.gz | None

A CSV is featurized once and cached under `runs/cache/<sha256[:16]>-rt<rt_end>/` (same input + window →
same directory; the cache holds `mutations.csv` too). `None` means the bundled simulated cohort, and the
description says so. `progress(done, total)` is called while sequences are mapped.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from features.reference import DEFAULT_RT_END
from features.store import FeatureSet, load_features

BUNDLED_COHORT = "cohort.csv.gz"
BUNDLED_NOTE = ("the bundled simulated cohort (features/data/cohort.csv.gz, 400 patients, seed 0; "
                "not real data)")


def bundled_cohort_path() -> Path:
    """Path of the simulated cohort shipped in the package (the default `--data` of every command)."""
    return Path(str(resources.files("features").joinpath("data", BUNDLED_COHORT)))


def default_cache_dir() -> Path:
    return Path("runs") / "cache"


def load_or_featurize(path: str | Path | None = None, *, rt_end: int = DEFAULT_RT_END,
                      cache_dir: str | Path | None = None, progress=None) -> tuple[FeatureSet, str]:
    """(FeatureSet, one-line description of where the data came from)."""
    from features.errors import InputError

    if path is not None:
        p = Path(path)
        if p.is_dir() or p.suffix == ".npz":
            if p.is_dir() and not (p / "features.npz").exists():
                raise InputError("directory holds no features.npz (featurize a CSV, or pass the CSV itself)",
                                 path=str(p))
            fs = load_features(p)
            return fs, f"features {p} ({len(fs)} patients, {fs.n_positions} positions)"
    fs, sha = featurize_cached(path, rt_end=rt_end, cache_dir=cache_dir, progress=progress)
    if path is None:
        return fs, f"using {BUNDLED_NOTE}"
    return fs, f"{path} ({len(fs)} patients, sha256 {sha[:12]})"


def featurize_cached(path: str | Path | None, *, rt_end: int = DEFAULT_RT_END,
                     cache_dir: str | Path | None = None, progress=None) -> tuple[FeatureSet, str]:
    """Featurize a Kaggle CSV (None = bundled cohort) into the cache, or reuse it: (features, sha256)."""
    from features.featurize import featurize_to_dir
    from features.reader import read_csv

    source = bundled_cohort_path() if path is None else Path(path)
    cohort = read_csv(source)
    out = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    out = out / f"{cohort.sha256[:16]}-rt{rt_end}"
    featurize_to_dir(cohort, out, rt_end=rt_end, progress=progress,
                     description=BUNDLED_NOTE if path is None else str(path))
    return load_features(out / "features.npz"), cohort.sha256


def iter_feature_chunks(path: str | Path | None, *, rt_end: int = DEFAULT_RT_END, chunk_size: int = 2048,
                        notes: list[str] | None = None):
    """Featurize a Kaggle CSV (None = bundled cohort) chunk by chunk: yields FeatureSets of ≤ chunk_size.

    Memory is bounded by the chunk, whatever the file's size. Notes on ignored columns are appended to
    `notes` when given.
    """
    from features.featurize import featurize_cohort
    from features.reader import iter_csv

    source = bundled_cohort_path() if path is None else Path(path)
    for cohort in iter_csv(source, chunk_size=chunk_size):
        if notes is not None:
            notes.extend(cohort.notes)
        if cohort.records:
            yield featurize_cohort(cohort, rt_end=rt_end).features

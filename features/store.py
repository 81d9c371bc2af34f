"""The features file (`DIR/features.npz`) and the `FeatureSet` every model consumes.

The codon tensor is almost all zeros (one codon and coverage per position), so it is stored as its
non-zero entries (`codons_shape`, `codons_index`, `codons_value`) and rebuilt dense on load: 8 MB and a
few milliseconds instead of 90 MB (or a second of zlib) for 800 patients. Read it with `load_features`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from features.codons import N_CHANNELS
from features.errors import InputError

FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class FeatureSet:
    """Codon tensors, clinical values and labels of N patients on L consensus-B positions."""

    codons: np.ndarray  # float32 (N, 67, L)
    clinical: np.ndarray  # float32 (N, 2): VL-t0 (log10 copies/ml), CD4-t0 (cells/µl)
    labels: np.ndarray | None  # float32 (N, K): column 0 = Resp, then extra 0/1 columns
    label_names: tuple[str, ...]
    patient_id: np.ndarray  # str (N,)
    positions: tuple[str, ...]  # "PR1".."PR99", "RT1"..
    consensus: str  # consensus-B amino acid per position
    manifest: dict = field(default_factory=dict)

    def __post_init__(self):
        n = self.codons.shape[0]
        if self.codons.ndim != 3 or self.codons.shape[1] != N_CHANNELS:
            raise ValueError(f"codons must be (N, {N_CHANNELS}, L), got {self.codons.shape}")
        if self.codons.shape[2] != len(self.positions) or len(self.consensus) != len(self.positions):
            raise ValueError("codons, positions and consensus disagree on the number of positions")
        if self.clinical.shape != (n, 2) or len(self.patient_id) != n:
            raise ValueError("clinical and patient_id must have one row per patient")
        if self.labels is not None and (self.labels.shape != (n, len(self.label_names))):
            raise ValueError("labels must be (N, len(label_names))")

    def __len__(self) -> int:
        return int(self.codons.shape[0])

    @property
    def n_positions(self) -> int:
        return len(self.positions)

    @property
    def label(self) -> np.ndarray | None:
        """Resp as int (N,), or None for unlabelled (prediction) input."""
        return None if self.labels is None else self.labels[:, 0].astype(int)

    def target(self, name: str) -> np.ndarray:
        """One label column by name, as int."""
        if self.labels is None or name not in self.label_names:
            raise InputError(f"no label column '{name}' (available: {', '.join(self.label_names) or 'none'})")
        return self.labels[:, self.label_names.index(name)].astype(int)

    def to_X(self) -> np.ndarray:  # noqa: N802 (scikit-learn's name)
        """Flat float32 (N, 67*L + 2): codon tensor then VL-t0, CD4-t0 — the X every zoo model takes."""
        n = len(self)
        flat = np.concatenate([self.codons.reshape(n, -1), self.clinical], axis=1)
        return flat.astype(np.float32, copy=False)

    def subset(self, idx) -> FeatureSet:
        idx = np.asarray(idx)
        return replace(self, codons=self.codons[idx], clinical=self.clinical[idx],
                       labels=None if self.labels is None else self.labels[idx],
                       patient_id=self.patient_id[idx], manifest=dict(self.manifest))


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def json_safe(obj):
    """JSON-safe copy: NaN/inf -> null, numpy scalars/arrays -> Python, tuples/sets -> lists, Path -> str."""
    if obj is None or isinstance(obj, bool | str | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [json_safe(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    item = getattr(obj, "item", None)  # numpy scalar
    if callable(item) and getattr(obj, "ndim", None) == 0:
        return json_safe(item())
    tolist = getattr(obj, "tolist", None)  # numpy array
    if callable(tolist):
        return json_safe(tolist())
    return repr(obj)


@contextlib.contextmanager
def atomic_write_path(path: str | Path, suffix: str = ".tmp"):
    """Yield a temp path beside `path`; on success it replaces `path`, on error it is removed.

    Readers never see half a file, and a failed run leaves the previous file (or none) in place.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        os.fchmod(fd, _umask_mode())  # mkstemp makes 0600; keep the usual permissions
        os.close(fd)
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write(path: Path, write, suffix: str = ".tmp") -> None:
    with atomic_write_path(path, suffix) as tmp, open(tmp, "wb") as fh:
        write(fh)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    _atomic_write(Path(path), lambda fh: fh.write(data))


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def save_features(fs: FeatureSet, path: str | Path) -> Path:
    """Write `fs` to `path` (a .npz file, or a directory that gets `features.npz`), atomically."""
    flat = fs.codons.reshape(-1)
    nz = np.flatnonzero(flat)
    return write_features_npz(
        path, shape=fs.codons.shape, index=nz, value=flat[nz], clinical=fs.clinical, labels=fs.labels,
        label_names=fs.label_names, patient_id=fs.patient_id, positions=fs.positions, consensus=fs.consensus,
        manifest=fs.manifest)


def write_features_npz(path: str | Path, *, shape: tuple[int, int, int], index: np.ndarray, value: np.ndarray,
                       clinical: np.ndarray, labels: np.ndarray | None, label_names, patient_id, positions,
                       consensus: str, manifest: dict) -> Path:
    """The file format itself, from the tensor's non-zero entries (featurize never builds it dense)."""
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path.mkdir(parents=True, exist_ok=True)
        path = path / "features.npz"
    index_dtype = np.uint32 if int(np.prod(shape)) < 2**32 else np.int64
    arrays = {
        "format_version": np.array(FORMAT_VERSION),
        "codons_shape": np.array(shape, dtype=np.int64),
        "codons_index": np.asarray(index).astype(index_dtype),
        "codons_value": np.asarray(value, dtype=np.float32),
        "clinical": np.asarray(clinical, dtype=np.float32),
        "patient_id": np.asarray(patient_id, dtype=str),
        "positions": np.asarray(positions, dtype=str),
        "consensus": np.array(consensus),
        "label_names": np.asarray(label_names, dtype=str),
        "manifest": np.array(json.dumps(manifest, sort_keys=True, default=str)),
    }
    if labels is not None:
        arrays["labels"] = np.asarray(labels, dtype=np.float32)
        arrays["label"] = np.asarray(labels)[:, 0].astype(np.int64)
    _atomic_write(path, lambda fh: np.savez(fh, **arrays), suffix=".tmp.npz")
    return path


def load_features(path: str | Path) -> FeatureSet:
    """Read a features file (or a directory holding `features.npz`)."""
    path = Path(path)
    if path.is_dir():
        path = path / "features.npz"
    if not path.exists():
        raise InputError("no features file here (run `hiv featurize` first)", path=str(path))
    try:
        with np.load(path, allow_pickle=False) as z:
            if "codons" in z:  # dense, e.g. written by hand
                codons = z["codons"].astype(np.float32, copy=False)
            else:
                shape = tuple(int(s) for s in z["codons_shape"])
                codons = np.zeros(int(np.prod(shape)), dtype=np.float32)
                codons[z["codons_index"]] = z["codons_value"]
                codons = codons.reshape(shape)
            label_names = tuple(str(s) for s in z["label_names"])
            labels = z["labels"].astype(np.float32) if "labels" in z else None
            manifest = json.loads(str(z["manifest"])) if "manifest" in z else {}
            fs = FeatureSet(
                codons=codons, clinical=z["clinical"].astype(np.float32), labels=labels,
                label_names=label_names if labels is not None else (),
                patient_id=z["patient_id"].astype(str), positions=tuple(str(s) for s in z["positions"]),
                consensus=str(z["consensus"]), manifest=manifest)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"not a readable features file ({exc})", path=str(path)) from None
    fs.manifest["features_dir"] = str(path.parent.resolve())
    return fs

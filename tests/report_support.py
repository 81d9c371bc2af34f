"""Fixtures for the report and explore tests: a fake run directory in the contract's format and a small
labelled cohort with mutation calls, both with planted signal so the pages have something true to show."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from features.codons import COV_CHANNEL, N_CHANNELS

DRM = pd.DataFrame([("RT", 184, "M", "IV", "NRTI"), ("RT", 103, "K", "NS", "NNRTI"),
                    ("PR", 90, "L", "M", "PI"), ("PR", 46, "M", "IL", "PI")],
                   columns=["gene", "position", "consensus", "mutant", "drug_class"])


@dataclasses.dataclass(frozen=True)
class Cohort:
    """Just the FeatureSet fields cohort_stats reads."""

    codons: np.ndarray
    clinical: np.ndarray
    labels: np.ndarray
    label_names: tuple[str, ...]
    patient_id: np.ndarray
    positions: tuple[str, ...]
    consensus: str

    @property
    def label(self) -> np.ndarray:
        return self.labels[:, 0].astype(int)


def cohort(n: int = 200, seed: int = 0, rt_end: int = 240) -> tuple[Cohort, pd.DataFrame]:
    """(features, mutation calls): RT:M184V mostly in non-responders (planted), PR:L90M carried at random,
    RT:K103KN as a mixture, 20 patients without PR, RT coverage ending early for a third of them."""
    rng = np.random.default_rng(seed)
    positions = tuple([f"PR{i}" for i in range(1, 100)] + [f"RT{i}" for i in range(1, rt_end + 1)])
    codons = np.zeros((n, N_CHANNELS, len(positions)), dtype=np.float32)
    codons[:, COV_CHANNEL, :] = 1.0
    no_pr = np.arange(n) < 20
    codons[no_pr, COV_CHANNEL, :99] = 0.0
    short = rng.random(n) < 0.33
    codons[short, COV_CHANNEL, 99 + 200:] = 0.0
    y = (rng.random(n) < 0.3).astype(int)
    m184v = np.where(y == 1, rng.random(n) < 0.08, rng.random(n) < 0.6)
    l90m = (rng.random(n) < 0.25) & ~no_pr
    k103 = rng.random(n) < 0.15
    unknown = rng.random(n) < 0.1
    pid = np.array([str(1000 + i) for i in range(n)])
    rows = []
    for i in range(n):
        if m184v[i]:
            rows.append((pid[i], "RT", 184, "M", "V", "RT:M184V", True, "NRTI"))
        if l90m[i]:
            rows.append((pid[i], "PR", 90, "L", "M", "PR:L90M", True, "PI"))
        if k103[i]:
            rows.append((pid[i], "RT", 103, "K", "KN", "RT:K103KN", True, "NNRTI"))
        if unknown[i]:
            rows.append((pid[i], "RT", 60, "V", "X", "RT:V60X", False, ""))
    calls = pd.DataFrame(rows, columns=["PatientID", "gene", "position", "consensus", "amino_acids",
                                        "mutation", "is_drm", "drug_class"])
    vl = rng.normal(4.5, 0.7, n) - 0.5 * y
    cd4 = rng.normal(300, 120, n).clip(5)
    fs = Cohort(codons=codons, clinical=np.column_stack([vl, cd4]).astype(np.float32),
                labels=y[:, None].astype(np.float32), label_names=("Resp",), patient_id=pid,
                positions=positions, consensus="A" * len(positions))
    return fs, calls


def fake_run(path: Path, *, models=("logreg", "cbam-resnet"), deep=("cbam-resnet",), n: int = 60,
             folds: int = 3, repeats: int = 1, targets=("Resp",), attributions: bool = True,
             seed: int = 0) -> Path:
    """A run directory as `hiv cv` writes it (zoo.rundir.write_run), from synthetic predictions."""
    from zoo.metrics import aggregate, binary_metrics, multilabel_metrics
    from zoo.rundir import FORMAT_VERSION, HISTORY_COLUMNS, RunResult, write_run

    rng = np.random.default_rng(seed)
    pid = np.array([f"P{i:03d}" for i in range(n)])
    y = (rng.random((n, len(targets))) < 0.3).astype(int)
    y[:3], y[3:9] = 1, 0  # both classes in every fold
    positions = [f"PR{i}" for i in range(1, 100)] + [f"RT{i}" for i in range(1, 41)]
    oof, history, attr, metrics = [], [], [], {}
    multi = len(targets) > 1
    for k, name in enumerate(models):
        scores = []
        for r in range(repeats):
            fold_of = rng.permutation(np.arange(n) % folds)
            for f in range(folds):
                test = fold_of == f
                noise = rng.normal(0, 0.15, y[test].shape)
                p = np.clip(0.25 + (0.35 - 0.05 * k) * (y[test] - 0.3) + noise, 0.01, 0.99)
                thr = np.full(len(targets), 0.3 + 0.02 * f)
                if multi:
                    s = multilabel_metrics(y[test], p, thr, targets)
                else:
                    s = binary_metrics(y[test, 0], p[:, 0], float(thr[0]))
                scores.append({"repeat": r, "fold": f, **s})
                for j, t in enumerate(targets):
                    row = {"model": name, "repeat": r, "fold": f, "PatientID": pid[test], "label": y[test, j],
                           "probability": p[:, j], "prediction": (p[:, j] >= thr[j]).astype(int)}
                    if multi:
                        row["target"] = t
                    oof.append(pd.DataFrame(row))
                if name in deep:
                    for e in range(1, 6 + f):
                        history.append({"model": name, "repeat": r, "fold": f, "epoch": e,
                                        "train_loss": 0.7 / e, "valid_loss": 0.6 + 0.01 * (e - 3) ** 2,
                                        "valid_f1": min(0.9, 0.1 * e)})
                    if attributions:
                        imp = rng.random(len(positions)) * 0.1
                        imp[positions.index("RT40")] = 3.0  # planted: most important, not a DRM position
                        imp[positions.index("PR90")] = 2.0  # planted: a DRM position
                        attr.append(pd.DataFrame({"model": name, "repeat": r, "fold": f,
                                                  "position": positions, "importance": imp}))
        mean, sd = aggregate(scores)
        metrics[name] = {"folds": scores, "mean": mean, "sd": sd}
    config = {"format_version": FORMAT_VERSION, "command": "hiv cv --model " + ",".join(models),
              "models": {m: {"family": "deep" if m in deep else "classical", "params": {"C": 1.0},
                             "ignored_options": []} for m in models},
              "folds": folds, "repeats": repeats, "seed": seed, "targets": list(targets), "options": {},
              "jobs": 1, "attributions": attributions,
              "data": {"description": "synthetic test run", "n_patients": n, "sha256": "0" * 64},
              "versions": {"python": "3.11", "numpy": np.__version__}}

    def frame(parts, columns):
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)

    result = RunResult(config=config, metrics={"config": config, "models": metrics},
                       oof=frame(oof, []), history=pd.DataFrame(history, columns=HISTORY_COLUMNS),
                       attributions=frame(attr, ["model", "repeat", "fold", "position", "importance"]))
    path.mkdir(parents=True, exist_ok=True)
    write_run(result, path)
    return path


def check_page(html_path: Path, section_ids) -> dict:
    """Parse a page with html.parser and check what the issue asks of it: every section present, every
    embedded image a decodable PNG, nothing fetched from the network. Returns what was found."""
    import base64
    import io
    from html.parser import HTMLParser

    import matplotlib.image

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.imgs, self.links, self.tags = [], [], [], []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            self.tags.append(tag)
            if "id" in a:
                self.ids.append(a["id"])
            if tag == "img":
                self.imgs.append(a.get("src", ""))
            for key in ("src", "href"):
                if key in a:
                    self.links.append(a[key])

    text = Path(html_path).read_text(encoding="utf-8")
    parser = Collect()
    parser.feed(text)
    parser.close()
    missing = [s for s in section_ids if s not in parser.ids]
    assert not missing, f"sections missing: {missing}"
    assert parser.imgs, "no image"
    for src in parser.imgs:
        assert src.startswith("data:image/png;base64,"), src[:60]
        png = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # one full decode is enough to prove the encoding; the signature check covers the rest
    first = parser.imgs[0].split(",", 1)[1]
    assert matplotlib.image.imread(io.BytesIO(base64.b64decode(first)), format="png").ndim == 3
    external = [u for u in parser.links if u.lower().startswith(("http://", "https://", "//"))]
    assert not external, external
    assert "script" not in parser.tags and "link" not in parser.tags
    assert "http://" not in text and "https://" not in text
    return {"ids": parser.ids, "images": len(parser.imgs), "text": text}


def check_markdown(md_path: Path, page_text: str, titles) -> str:
    """The Markdown twin has the same section titles and every figure it names exists beside it."""
    import re

    md = Path(md_path).read_text(encoding="utf-8")
    for title in titles:
        assert f"\n## {title}\n" in md, title
        assert title in page_text
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert figures and all((Path(md_path).parent / f).is_file() for f in figures)
    return md


def skip_drawing(mp, *modules) -> None:
    """Replace `to_png` in the page modules by a 1×1 PNG: for tests of captions, tables and structure,
    where drawing the pixels would only cost time (the CLI tests draw every figure for real)."""
    import io

    import matplotlib.image

    from hivcli.pages.plotting import pyplot

    buf = io.BytesIO()
    matplotlib.image.imsave(buf, np.zeros((1, 1, 3)), format="png")
    png = buf.getvalue()

    def to_png(fig) -> bytes:
        pyplot().close(fig)
        return png

    for module in modules:
        mp.setattr(module, "to_png", to_png)

"""The page of `hiv report RUN_DIR`: scores with their uncertainty, curves, calibration, attributions, config.

Everything shown is read from the run directory (plus the DRM table); nothing is refitted, so the page
describes exactly the run that was made.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from hivcli.pages.document import Cell, Page
from hivcli.pages.plotting import DRM, NEUTRAL, model_colours, percent, pyplot, to_png

SECTIONS = {"leaderboard": "Leaderboard", "learning-curves": "Training curves",
            "roc-pr": "ROC and precision-recall curves", "confusion": "Confusion matrices",
            "calibration": "Calibration", "attributions": "Which positions the deep models use",
            "config": "Run configuration", "data": "Data summary", "versions": "Software versions"}
METRIC_NAMES = {"auc": "AUC", "pr_auc": "PR AUC", "f1": "F1", "f1_macro": "F1 macro", "f1_micro": "F1 micro",
                "accuracy": "accuracy", "balanced_accuracy": "balanced acc.", "mcc": "MCC", "brier": "Brier",
                "threshold": "threshold"}
ATTRIBUTION_METHOD = (
    "Attributions are computed by `hiv cv` itself, on each fold's fitted model and that fold's test "
    "patients, with captum Integrated Gradients (from an all-zero codon tensor, i.e. no sequence, to the "
    "patient's tensor, clinical values held fixed; the first target of a multi-label run): per position, "
    "the sum over input channels of |attribution|, averaged over the fold's test patients "
    "(attributions.csv). Doing it during "
    "cross-validation means the run directory does not have to keep every fold model and the report never "
    "refits anything. Here each fold's importances are turned into shares of that fold's total and "
    "averaged over folds.")
MIN_BIN = 5  # calibration bins with fewer predictions are not drawn


def check_run(run) -> None:
    """Refuse a run directory the page cannot describe honestly (RunError, one line)."""
    from features.errors import RunError
    from zoo import rundir

    where = run.path or "run"
    if not run.models:
        raise RunError(f"{where}: {rundir.METRICS} lists no model; the run did not finish")
    multi = "target" in run.oof.columns
    for name, frame, columns in (
        (rundir.OOF, run.oof, rundir.OOF_COLUMNS_MULTI if multi else rundir.OOF_COLUMNS),
        (rundir.HISTORY, run.history, rundir.HISTORY_COLUMNS),
        (rundir.ATTRIBUTIONS, run.attributions, rundir.ATTRIBUTION_COLUMNS),
    ):
        missing = [c for c in columns if c not in frame.columns]
        if missing and not (frame.empty and name != rundir.OOF):
            raise RunError(f"{where}/{name}: missing column(s) {', '.join(missing)}")
    if run.oof.empty:
        raise RunError(f"{where}/{rundir.OOF}: no predictions; the run did not finish")
    absent = [m for m in run.models if m not in set(run.oof["model"])]
    if absent:
        raise RunError(f"{where}/{rundir.OOF}: no predictions for {', '.join(absent)}; the run is incomplete")


def metric_label(key: str) -> str:
    target, _, metric = key.rpartition("/")
    name = METRIC_NAMES.get(metric, metric)
    return f"{target} {name}" if target else name


def build_report_page(run, ci: pd.DataFrame, drm: pd.DataFrame, *, consensus: dict[str, str] | None = None,
                      n_boot: int = 1000, top_k: int = 20) -> Page:
    """`run` is a `zoo.rundir.RunResult`; `ci` comes from `zoo.bootstrap.bootstrap_oof`."""
    names = list(run.models)
    colours = model_colours(names)
    targets = list(run.config.get("targets") or ["Resp"])
    data = run.config.get("data", {})
    n = run.oof["PatientID"].nunique()
    page = Page(f"Cross-validation report — {run.path.name if run.path else 'run'}",
                f"{len(names)} model(s) · {run.config.get('folds', '?')} folds × "
                f"{run.config.get('repeats', '?')} repeat(s) · seed {run.config.get('seed', '?')} · "
                f"{n} patients · target {', '.join(targets)} · written by `hiv report`")
    _leaderboard(page.section("leaderboard", SECTIONS["leaderboard"]), run, ci, colours, n_boot)
    _learning(page.section("learning-curves", SECTIONS["learning-curves"]), run, colours)
    _roc_pr(page.section("roc-pr", SECTIONS["roc-pr"]), run, colours, targets)
    _confusion(page.section("confusion", SECTIONS["confusion"]), run, targets)
    _calibration(page.section("calibration", SECTIONS["calibration"]), run, colours, targets)
    _attributions(page.section("attributions", SECTIONS["attributions"]), run, drm, colours,
                  consensus or {}, top_k)
    _config(page.section("config", SECTIONS["config"]), run)
    _data(page.section("data", SECTIONS["data"]), run, data, targets)
    _versions(page.section("versions", SECTIONS["versions"]), run)
    return page


# -- leaderboard ----------------------------------------------------------------------------------
def _leaderboard(sec, run, ci, colours, n_boot) -> None:
    from zoo.metrics import best_by_metric, format_mean_sd, leaderboard_metrics

    models = run.models
    metrics = leaderboard_metrics(models)
    first = metrics[0]
    order = sorted(models, key=lambda m: -_num(models[m]["mean"].get(first), -math.inf))
    best = best_by_metric(models, metrics)
    family = {k: v.get("family", "") for k, v in run.config.get("models", {}).items()}
    rows = []
    for name in order:
        cells = [name, family.get(name, "")]
        for m in metrics:
            cells.append(Cell(format_mean_sd(models[name]["mean"].get(m), models[name]["sd"].get(m)),
                              strong=name in best.get(m, ())))
        rows.append(cells)
    sec.text(f"Rows are sorted by mean {metric_label(first)}; the best mean of each column is in bold. The "
             "threshold column is each fold's decision threshold, chosen (F1-maximising) on that fold's "
             "training part only; F1, accuracy, balanced accuracy and MCC use it.")
    sec.table(["model", "family"] + [metric_label(m) for m in metrics], rows,
              caption="Cross-validation: mean ± sd over folds.")
    if ci.empty:
        sec.note("No out-of-fold predictions: no bootstrap intervals.")
        return
    ci_rows = []
    lookup = {(r.model, r.target if isinstance(r.target, str) else None, r.metric): r
              for r in ci.itertuples()}
    available = {(target, metric) for _, target, metric in lookup}
    ci_metrics = [m for m in metrics if _ci_key(m) in available]
    for name in order:
        cells = [name]
        for m in ci_metrics:
            target, metric = _ci_key(m)
            r = lookup.get((name, target, metric))
            cells.append("n/a" if r is None or r.estimate != r.estimate
                         else f"{r.estimate:.3f}\n[{r.low:.3f}–{r.high:.3f}]")
        ci_rows.append(cells)
    sec.table(["model"] + [metric_label(m) for m in ci_metrics], ci_rows,
              caption=f"Pooled out-of-fold predictions: estimate [bootstrap 95% CI], {n_boot} stratified "
                      "resamples of patients, the same resamples for every model.")
    skipped = [m for m in metrics if m not in ci_metrics and m != "threshold"]
    if skipped:
        sec.note("No bootstrap interval for " + ", ".join(metric_label(m) for m in skipped)
                 + " (scores across several labels).")
    sec.figure("leaderboard.png", _forest(run, ci, order, colours), _forest_caption(ci, order))


def _ci_key(metric: str) -> tuple[str | None, str]:
    target, _, m = metric.rpartition("/")
    return (target or None), m


def _num(v, default=math.nan) -> float:
    return default if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _forest(run, ci, order, colours) -> bytes:
    plt = pyplot()
    targets = [t for t in ci["target"].dropna().unique()] or [None]
    panels = [(t, m) for t in targets for m in ("auc", "pr_auc")]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 0.42 * len(order) + 1.4),
                             squeeze=False)
    for ax, (target, metric) in zip(axes[0], panels, strict=True):
        part = ci[(ci["metric"] == metric) & ((ci["target"] == target) if target else ci["target"].isna())]
        part = part.set_index("model")
        y = np.arange(len(order))[::-1]
        for yi, name in zip(y, order, strict=True):
            if name not in part.index:
                continue
            r = part.loc[name]
            ax.errorbar(r["estimate"], yi, xerr=[[r["estimate"] - r["low"]], [r["high"] - r["estimate"]]],
                        fmt="o", color=colours[name], capsize=4, markersize=6)
        if metric == "auc":
            ax.axvline(0.5, color=NEUTRAL, linestyle=":", linewidth=1, label="chance")
        else:
            prev = _prevalence(run, target)
            ax.axvline(prev, color=NEUTRAL, linestyle=":", linewidth=1, label=f"chance ({prev:.2f})")
        ax.set_yticks(y, order)
        ax.set_ylim(-0.6, len(order) - 0.4)
        ax.set_xlabel(f"{METRIC_NAMES[metric]} (pooled out-of-fold, bootstrap 95% CI)")
        ax.set_title(METRIC_NAMES[metric] + (f" — {target}" if target else ""))
        ax.legend(loc="lower right")
    return to_png(fig)


def _forest_caption(ci, order) -> str:
    auc = ci[ci["metric"] == "auc"].dropna(subset=["estimate"])
    if auc.empty:
        return "Pooled out-of-fold AUC and PR AUC with bootstrap 95% intervals."
    top = auc.sort_values("estimate", ascending=False).iloc[0]
    overlap = auc[(auc["model"] != top["model"]) & (auc["high"] >= top["low"])]["model"].unique()
    tail = (f"; the intervals of {len(overlap)} other model(s) overlap it" if len(overlap)
            else "; no other model's interval overlaps it")
    return (f"{top['model']} has the highest pooled out-of-fold AUC, {top['estimate']:.3f} "
            f"(95% CI {top['low']:.3f}–{top['high']:.3f}){tail}.")


def _prevalence(run, target) -> float:
    oof = run.oof
    if target is not None and "target" in oof.columns:
        oof = oof[oof["target"] == target]
    first = oof[oof["model"] == oof["model"].iloc[0]]
    return float(first["label"].mean())


# -- training curves ------------------------------------------------------------------------------
def _learning(sec, run, colours) -> None:
    h = run.history
    if h is None or h.empty:
        sec.note("No model of this run trains by epochs (no deep model), so there are no training curves.")
        return
    plt = pyplot()
    sec.text("Thin lines: one per fold; thick lines: the mean over the folds that reached that epoch. The "
             "validation split is an inner split of each training part (used for early stopping), never "
             "the test fold.")
    for name in [m for m in run.models if m in set(h["model"])]:
        part = h[h["model"] == name]
        fig, (ax_loss, ax_f1) = plt.subplots(1, 2, figsize=(11, 3.6))
        colour = colours[name]
        for _, f in part.groupby(["repeat", "fold"]):
            ax_loss.plot(f["epoch"], f["train_loss"], color=colour, alpha=0.3, linewidth=0.9)
            ax_loss.plot(f["epoch"], f["valid_loss"], color=colour, alpha=0.3, linewidth=0.9, linestyle="--")
            ax_f1.plot(f["epoch"], f["valid_f1"], color=colour, alpha=0.3, linewidth=0.9, linestyle="--")
        mean = part.groupby("epoch")[["train_loss", "valid_loss", "valid_f1"]].mean()
        ax_loss.plot(mean.index, mean["train_loss"], color=colour, linewidth=2.2, label="training (mean)")
        ax_loss.plot(mean.index, mean["valid_loss"], color=colour, linewidth=2.2, linestyle="--",
                     label="validation (mean)")
        ax_f1.plot(mean.index, mean["valid_f1"], color=colour, linewidth=2.2, linestyle="--",
                   label="validation F1 (mean)")
        ax_loss.set_xlabel("epoch")
        ax_loss.set_ylabel("loss (training objective)")
        ax_loss.set_title(f"{name}: loss per fold")
        ax_loss.legend(loc="upper right")
        ax_f1.set_xlabel("epoch")
        ax_f1.set_ylabel("F1 (responder class)")
        ax_f1.set_ylim(0, 1)
        ax_f1.set_title(f"{name}: validation F1 per fold")
        ax_f1.legend(loc="lower right")
        epochs = part.groupby(["repeat", "fold"])["epoch"].max()
        best = mean["valid_loss"].idxmin() if mean["valid_loss"].notna().any() else None
        sec.figure(f"history_{_slug(name)}.png", to_png(fig),
                   f"{name} trained for {_span(epochs.min(), epochs.max())} epochs per fold"
                   + (f"; the mean validation loss is lowest at epoch {best}." if best is not None else "."))


# -- ROC / PR -------------------------------------------------------------------------------------
def _series(run, targets):
    """(title, model, target or None, out-of-fold rows) per model, and per target for multi-label runs."""
    oof = run.oof
    multi = "target" in oof.columns and len(targets) > 1
    for name in run.models:
        part = oof[oof["model"] == name]
        if multi:
            for t in targets:
                yield f"{name} · {t}", name, t, part[part["target"] == t]
        else:
            yield name, name, None, part


def _roc_pr(sec, run, colours, targets) -> None:
    from zoo.curves import GRID, pr_curves, roc_curves

    plt = pyplot()
    sec.text("Thin lines: one per fold (and repeat); thick line: the mean of the fold curves interpolated on "
             "a common grid, with ±1 sd shaded. Dotted: chance (the diagonal for ROC, the responder share "
             "for precision-recall).")
    summary = []
    for title, name, _target, part in _series(run, targets):
        roc, pr = roc_curves(part), pr_curves(part)
        if not roc.scores:
            sec.note(f"{title}: no fold holds both classes, so there is no ROC curve.")
            continue
        colour = colours[name]
        fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.4))
        for x, y in zip(roc.x, roc.y, strict=True):
            a.plot(x, y, color=colour, alpha=0.25, linewidth=0.9)
        a.plot(GRID, roc.mean, color=colour, linewidth=2.4,
               label=f"mean (AUC {np.mean(roc.scores):.3f} ± {_sd(roc.scores):.3f})")
        a.fill_between(GRID, np.clip(roc.mean - roc.sd, 0, 1), np.clip(roc.mean + roc.sd, 0, 1),
                       color=colour, alpha=0.12, label="± 1 sd")
        a.plot([0, 1], [0, 1], color=NEUTRAL, linestyle=":", label="chance")
        a.set_xlabel("false positive rate (1 − specificity)")
        a.set_ylabel("true positive rate (sensitivity)")
        a.set_title(f"ROC — {title}")
        a.legend(loc="lower right")
        for x, y in zip(pr.x, pr.y, strict=True):
            b.plot(x, y, color=colour, alpha=0.25, linewidth=0.9, drawstyle="steps-post")
        b.plot(GRID, pr.mean, color=colour, linewidth=2.4,
               label=f"mean (AP {np.mean(pr.scores):.3f} ± {_sd(pr.scores):.3f})")
        b.fill_between(GRID, np.clip(pr.mean - pr.sd, 0, 1), np.clip(pr.mean + pr.sd, 0, 1), color=colour,
                       alpha=0.12, label="± 1 sd")
        prev = float(part["label"].mean())
        b.axhline(prev, color=NEUTRAL, linestyle=":", label=f"chance ({prev:.2f})")
        b.set_xlabel("recall (sensitivity)")
        b.set_ylabel("precision (positive predictive value)")
        b.set_ylim(0, 1.02)
        b.set_title(f"Precision-recall — {title}")
        b.legend(loc="lower left")
        for ax in (a, b):
            ax.set_xlim(-0.01, 1.01)
        sec.figure(f"roc_pr_{_slug(title)}.png", to_png(fig),
                   f"{title}: AUC {np.mean(roc.scores):.3f} ± {_sd(roc.scores):.3f} and average precision "
                   f"{np.mean(pr.scores):.3f} ± {_sd(pr.scores):.3f} over {len(roc.scores)} folds "
                   f"(chance: 0.5 and {prev:.2f}).")
        summary.append((title, name, GRID, roc.mean, np.mean(roc.scores)))
    if len(summary) > 1:
        fig, ax = plt.subplots(figsize=(5.8, 5))
        for title, name, grid, mean, auc in sorted(summary, key=lambda s: -s[4]):
            ax.plot(grid, mean, color=colours[name], linewidth=2, label=f"{title} ({auc:.3f})")
        ax.plot([0, 1], [0, 1], color=NEUTRAL, linestyle=":", label="chance")
        ax.set_xlabel("false positive rate (1 − specificity)")
        ax.set_ylabel("true positive rate (sensitivity)")
        ax.set_title("Mean ROC of every model (mean fold AUC)")
        ax.legend(loc="lower right", fontsize=8)
        best = max(summary, key=lambda s: s[4])
        sec.figure("roc_all.png", to_png(fig),
                   f"Mean ROC curves side by side; {best[0]} has the highest mean fold AUC ({best[4]:.3f}).")


def _span(low, high) -> str:
    return f"{low}" if low == high else f"{low}–{high}"


def _sd(values) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


# -- confusion ------------------------------------------------------------------------------------
def _confusion(sec, run, targets) -> None:
    from zoo.curves import confusion_counts

    plt = pyplot()
    series = list(_series(run, targets))
    ncols = min(4, len(series))
    nrows = math.ceil(len(series) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols, 3.1 * nrows), squeeze=False)
    repeats = run.oof["repeat"].nunique()
    worst = []
    for ax, (title, name, target, part) in zip(axes.flat, series, strict=False):
        c = confusion_counts(part)
        m = np.array([[c["tn"], c["fp"]], [c["fn"], c["tp"]]])
        rows = m.sum(axis=1, keepdims=True)
        share = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i in range(2):
            for j in range(2):
                count = f"{m[i, j]:.0f}" if repeats == 1 else f"{m[i, j]:.1f}"
                ax.text(j, i, f"{count}\n{percent(share[i, j], 0)}", ha="center", va="center", fontsize=9.5,
                        color="white" if share[i, j] > 0.6 else "black")
        thr = [f.get("threshold") for f in run.models[name]["folds"]]
        if target is not None:
            thr = [f.get(f"{target}/threshold") for f in run.models[name]["folds"]]
        thr = [t for t in thr if t is not None and not (isinstance(t, float) and math.isnan(t))]
        ax.set_xticks([0, 1], ["pred. 0", "pred. 1"])
        ax.set_yticks([0, 1], ["true 0", "true 1"])
        ax.grid(False)
        ax.set_title(f"{title}\nthreshold {np.mean(thr):.2f} ± {_sd(thr):.2f}" if thr else title,
                     fontsize=9.5)
        sens = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else math.nan
        worst.append((title, sens))
    for ax in list(axes.flat)[len(series):]:
        ax.axis("off")
    per = "patients" if repeats == 1 else f"patients per repeat (mean of {repeats} repeats)"
    sens = "; ".join(f"{t} {percent(s, 0)}" for t, s in worst)
    sec.figure("confusion.png", to_png(fig),
               f"Out-of-fold predictions at each fold's stored threshold, counted in {per} with row "
               f"percentages; responders found (sensitivity): {sens}.")


# -- calibration ----------------------------------------------------------------------------------
def _calibration(sec, run, colours, targets) -> None:
    from zoo.curves import calibration_bins

    plt = pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.4), gridspec_kw={"width_ratios": [1.15, 1]})
    a.plot([0, 1], [0, 1], color=NEUTRAL, linestyle=":", label="perfect calibration")
    briers = []
    linestyles = ["-", "--", "-.", ":"]
    for title, name, target, part in _series(run, targets):
        bins = calibration_bins(part)
        bins = bins[bins["n"] >= MIN_BIN]  # a bin of 2 predictions says nothing about calibration
        style = linestyles[targets.index(target) % 4] if target in targets else "-"
        brier = float(np.mean((part["probability"] - part["label"]) ** 2))
        briers.append((title, brier))
        a.plot(bins["mean_predicted"], bins["observed"], marker="o", markersize=4, color=colours[name],
               linestyle=style, label=f"{title} (Brier {brier:.3f})")
        b.hist(part["probability"], bins=20, range=(0, 1), histtype="step", color=colours[name],
               linestyle=style, linewidth=1.5, label=title, weights=np.full(len(part), 100 / len(part)))
    a.set_xlim(0, 1)
    a.set_ylim(0, 1)
    a.set_xlabel("mean predicted probability of response (10 equal-width bins)")
    a.set_ylabel("observed responder fraction")
    a.set_title("Reliability (pooled out-of-fold predictions)")
    a.legend(loc="upper left", fontsize=8)
    b.set_xlabel("predicted probability of response")
    b.set_ylabel("% of predictions")
    b.set_title("Distribution of predicted probabilities")
    b.legend(loc="upper right", fontsize=8)
    best = min(briers, key=lambda x: x[1])
    sec.figure("calibration.png", to_png(fig),
               f"Points on the diagonal mean predicted probabilities can be read as risks; {best[0]} has "
               f"the lowest Brier score ({best[1]:.3f}); bins with fewer than {MIN_BIN} predictions are not "
               "drawn. Class balancing and focal loss shift probabilities away from the observed rates by "
               "design.")


# -- attributions ---------------------------------------------------------------------------------
def _attributions(sec, run, drm, colours, consensus, top_k) -> None:
    from zoo.importance import drm_enrichment, mean_importance, top_positions

    sec.text(ATTRIBUTION_METHOD)
    att = run.attributions
    deep = [m for m, c in run.config.get("models", {}).items() if c.get("family", "classical") != "classical"]
    if att is None or att.empty:
        if not deep:
            sec.note("This run has no deep model, so there are no per-position attributions to show.")
        elif run.config.get("attributions") is False:
            sec.note("This run was made without attributions (switched off in `run_cv`); rerun with "
                     "attributions on to see which positions the deep models use.")
        else:
            sec.note("The run directory holds no attributions for its deep models.")
        return
    plt = pyplot()
    from matplotlib.patches import Patch

    drm_pos = {(g, int(p)) for g, p in zip(drm["gene"], drm["position"], strict=True)}
    for name in [m for m in run.models if m in set(att["model"])]:
        imp = mean_importance(att[att["model"] == name])
        fig, axes = plt.subplots(2, 1, figsize=(12, 6.4))
        for ax, gene in zip(axes, ("PR", "RT"), strict=True):
            g = imp[imp["gene"] == gene]
            if g.empty:
                ax.axis("off")
                continue
            is_drm = np.array([(gene, int(p)) in drm_pos for p in g["position"]])
            share = 100 * g["importance"].to_numpy()
            ax.bar(g["position"], share, width=1.0, color=np.where(is_drm, DRM, NEUTRAL))
            top = share.max() if len(share) else 1
            ax.plot(g["position"][is_drm], np.full(is_drm.sum(), top * 1.08), "v", color=DRM, markersize=4)
            ax.set_ylim(0, top * 1.18)
            ax.set_xlim(g["position"].min() - 1, g["position"].max() + 1)
            ax.set_xlabel(f"{gene} codon position (consensus B)")
            ax.set_ylabel("importance (% of total)")
            ax.set_title(f"{name}: {gene}", loc="left")
            ax.legend(handles=[Patch(color=DRM, label="known DRM position (▼)"),
                               Patch(color=NEUTRAL, label="other position")],
                      loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, borderaxespad=0.2)
        hits, k, base = drm_enrichment(imp, drm, top_k)
        sec.figure(f"attributions_{_slug(name)}.png", to_png(fig),
                   f"{name}: mean Integrated-Gradients importance per position over {imp['n_folds'].max()} "
                   f"fold(s), known DRM positions in red; {hits} of the {k} most important positions are "
                   f"known DRM positions (they are {percent(base, 0)} of all positions).")
        top = top_positions(imp, drm, top_k)
        rows = []
        for r in top.itertuples():
            mark = bool(r.is_drm)
            rows.append([r.rank, Cell(r.name, strong=mark, mark=mark),
                         Cell(consensus.get(r.name, "") or "–", mark=mark),
                         Cell(f"{100 * r.importance:.2f}% ± {100 * r.sd:.2f}", mark=mark),
                         Cell(f"yes ({r.drug_class})" if mark else "no", mark=mark),
                         Cell(r.drm_mutations or "–", mark=mark)])
        sec.table(["rank", "position", "consensus", "importance (mean ± sd over folds)",
                   "known DRM position", "DRMs at this position"], rows,
                  caption=f"{name}: the {len(top)} most important positions.")


# -- config, data, versions -----------------------------------------------------------------------
def _config(sec, run) -> None:
    c = run.config
    if c.get("command"):
        sec.text("Reproduce with:")
        sec.code(c["command"])
    models = c.get("models", {})
    rows = [["models", ", ".join(f"{k} ({v.get('family', '')})" for k, v in models.items())],
            ["folds × repeats", f"{c.get('folds')} × {c.get('repeats')}"], ["seed", c.get("seed")],
            ["targets", ", ".join(c.get("targets", []))],
            ["options", json.dumps(c.get("options", {}), sort_keys=True)],
            ["random_state", c.get("random_state", "")], ["jobs", c.get("jobs", "")],
            ["attributions", c.get("attributions", "")]]
    sec.table(["setting", "value"], [[k, "" if v is None else str(v)] for k, v in rows])
    ignored = {k: v.get("ignored_options") for k, v in models.items() if v.get("ignored_options")}
    if ignored:
        sec.note("Options a model does not take were ignored: "
                 + "; ".join(f"{k}: {', '.join(v)}" for k, v in ignored.items()) + ".")
    sec.text("Resolved hyper-parameters of every model:")
    sec.code(json.dumps({k: v.get("params", {}) for k, v in models.items()}, indent=2, sort_keys=True,
                        default=str))


def _data(sec, run, data, targets) -> None:
    oof = run.oof
    first = oof[oof["model"] == oof["model"].iloc[0]]
    first = first[first["repeat"] == first["repeat"].iloc[0]]
    rows = []
    for key in ("description", "source", "path", "features"):
        if data.get(key):
            rows.append([key, str(data[key])])
    rows.append(["patients", str(data.get("n_patients", first["PatientID"].nunique()))])
    if data.get("n_positions"):
        rows.append(["positions (PR + RT codons)", str(data["n_positions"])])
    for t in targets:
        part = first[first["target"] == t] if "target" in first.columns else first
        k, n = int(part["label"].sum()), len(part)
        rows.append([f"{t} = 1", f"{k} of {n} ({percent(k / n if n else math.nan)})"])
    if data.get("sha256"):
        rows.append(["features sha256", str(data["sha256"])])
    for k, v in data.items():
        if k not in {"description", "source", "path", "features", "n_patients", "n_positions", "sha256",
                     "prevalence"}:
            rows.append([k, json.dumps(v, default=str) if not isinstance(v, str) else v])
    sec.table(["item", "value"], rows)


def _versions(sec, run) -> None:
    versions = run.config.get("versions", {})
    if not versions:
        sec.note("The run does not record software versions.")
        return
    sec.table(["package", "version"], [[k, v] for k, v in versions.items()])


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text).strip("_")

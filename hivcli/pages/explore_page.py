"""The cohort page of `hiv explore`: one figure per question, each captioned with numbers from the data."""

from __future__ import annotations

import math

import numpy as np

from hivcli.pages.document import Cell, Page
from hivcli.pages.plotting import DRM, NEUTRAL, NONRESP, RESP, fmt_p, percent, pyplot, to_png

SECTIONS = {"balance": "Response balance", "clinical": "Baseline viral load and CD4 count",
            "correlation": "Correlations", "sequences": "Sequence lengths and coverage",
            "missing-genes": "Missing genes", "mutations": "Mutations in responders vs non-responders",
            "drm-classes": "Drug-resistance mutations per class vs response"}


def build_explore_page(stats, source: str, *, top: int = 25, min_carriers: int = 5) -> Page:
    """`stats` is a `features.cohort_stats.CohortStats`; `source` says where the data came from."""
    page = Page("HIV-1 cohort overview",
                f"{stats.n} patients · {source} · computed by `hiv explore`; responders (Resp = 1) in blue, "
                "non-responders in orange throughout.")
    _balance(page.section("balance", SECTIONS["balance"]), stats)
    _clinical(page.section("clinical", SECTIONS["clinical"]), stats)
    _correlation(page.section("correlation", SECTIONS["correlation"]), stats)
    _sequences(page.section("sequences", SECTIONS["sequences"]), stats)
    _missing(page.section("missing-genes", SECTIONS["missing-genes"]), stats)
    _mutations(page.section("mutations", SECTIONS["mutations"]), stats, top,
               min_carriers)
    _drm_classes(page.section("drm-classes", SECTIONS["drm-classes"]), stats)
    return page


def _balance(sec, s) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 2.6))
    counts = [s.n - s.responders, s.responders]
    bars = ax.barh(["non-responders\n(Resp = 0)", "responders\n(Resp = 1)"], counts, color=[NONRESP, RESP])
    for bar, c in zip(bars, counts, strict=True):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {c} ({percent(c / s.n)})",
                va="center", fontsize=9)
    ax.set_xlim(0, max(counts) * 1.3)
    ax.set_xlabel("patients")
    ax.set_title("Response balance")
    ax.grid(axis="y", visible=False)
    sec.figure("balance.png", to_png(fig),
               f"{percent(s.response_rate)} of {s.n} patients responded ({s.responders} responders, "
               f"{s.n - s.responders} non-responders).")
    if s.response_rate < 0.35:
        sec.text("The classes are imbalanced: accuracy alone would reward predicting 'no response' for "
                 "everyone, which is why the leaderboard of `hiv cv` ranks by AUC and reports F1, "
                 "balanced accuracy and MCC.")


def _clinical(sec, s) -> None:
    plt = pyplot()
    c = s.clinical
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    med = {}
    for ax, col, unit in zip(axes, ("VL-t0", "CD4-t0"), ("log10 copies/ml", "cells/µl"), strict=True):
        values = c[col].to_numpy(dtype=float)
        bins = np.histogram_bin_edges(values, bins=30)
        for resp, colour, label in ((0, NONRESP, "non-responders"), (1, RESP, "responders")):
            v = values[c["Resp"].to_numpy() == resp]
            if len(v) == 0:
                continue
            med[(col, resp)] = float(np.median(v))
            ax.hist(v, bins=bins, weights=np.full(len(v), 100 / len(v)), histtype="stepfilled", alpha=0.35,
                    color=colour, label=f"{label} (n = {len(v)})")
            ax.hist(v, bins=bins, weights=np.full(len(v), 100 / len(v)), histtype="step", color=colour,
                    linewidth=1.2)
            ax.axvline(med[(col, resp)], color=colour, linestyle="--", linewidth=1.2)
        ax.set_xlabel(f"{col} ({unit})")
        ax.set_ylabel("% of group")
        ax.set_title(f"{col} by response (dashed: median)")
        ax.legend(loc="upper right")
    sec.figure("clinical.png", to_png(fig),
               f"Responders had a median VL-t0 of {med.get(('VL-t0', 1), math.nan):.2f} vs "
               f"{med.get(('VL-t0', 0), math.nan):.2f} log10 copies/ml and a median CD4-t0 of "
               f"{med.get(('CD4-t0', 1), math.nan):.0f} vs {med.get(('CD4-t0', 0), math.nan):.0f} cells/µl "
               "in non-responders.")


def _correlation(sec, s) -> None:
    plt = pyplot()
    corr = s.correlation
    labels = list(corr.columns)
    fig, ax = plt.subplots(figsize=(6.8, 5.6))
    im = ax.imshow(corr.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.grid(False)
    for i in range(len(labels)):
        for j in range(len(labels)):
            v = corr.iat[i, j]
            ax.text(j, i, "–" if v != v else f"{v:.2f}", ha="center", va="center", fontsize=8.5,
                    color="white" if abs(v) > 0.6 else "black")
    fig.colorbar(im, ax=ax, label="Spearman ρ", shrink=0.85)
    ax.set_title("Spearman correlation (pairwise complete)")
    resp = corr["Resp"].drop("Resp").dropna()
    if len(resp):
        strongest = resp.abs().idxmax()
        caption = (f"Resp correlates most strongly with {strongest} (Spearman ρ = {resp[strongest]:+.2f}); "
                   "DRM counts are per drug class, left out for patients whose gene is not sequenced.")
    else:
        caption = "No variable varies enough to correlate with Resp."
    sec.figure("correlation.png", to_png(fig), caption)


def _sequences(sec, s) -> None:
    plt = pyplot()
    lengths, cov = s.covered_codons, s.coverage
    fig = plt.figure(figsize=(11, 6.2))
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.1])
    medians = {}
    for k, gene in enumerate(("PR", "RT")):
        ax = fig.add_subplot(grid[0, k])
        v = lengths[gene].to_numpy()
        present = v[v > 0]
        medians[gene] = float(np.median(present)) if len(present) else 0.0
        span = int(present.max() - present.min()) if len(present) else 0
        bins = np.arange(present.min(), present.max() + 2) - 0.5 if 0 < len(present) and span < 40 else 40
        ax.hist(present, bins=bins, color=NEUTRAL)
        ax.set_xlabel(f"covered {gene} codons per patient (window: {s.window[gene]})")
        ax.set_ylabel("patients")
        ax.set_title(f"{gene} sequence length ({(v == 0).sum()} patients without {gene} not shown)")
    ax = fig.add_subplot(grid[1, :])
    x = np.arange(len(cov))
    for gene, colour in (("PR", "#009E73"), ("RT", "#CC79A7")):
        m = (cov["gene"] == gene).to_numpy()
        ax.fill_between(x[m], 100 * cov["fraction"].to_numpy()[m], step="mid", alpha=0.35, color=colour)
        ax.step(x[m], 100 * cov["fraction"].to_numpy()[m], where="mid", color=colour, label=gene)
    ticks = [i for i, (g, p) in enumerate(zip(cov["gene"], cov["position"], strict=True))
             if p == 1 or p % 50 == 0]
    ax.set_xticks(ticks, [cov["name"].iat[i] for i in ticks], rotation=0, fontsize=8.5)
    ax.set_ylim(0, 105)
    ax.set_xlim(-1, len(cov))
    ax.set_xlabel("consensus-B codon position")
    ax.set_ylabel("patients covered (%)")
    ax.set_title("Per-position coverage")
    ax.legend(loc="lower left")
    rt = cov[cov["gene"] == "RT"]
    low = rt[rt["fraction"] < 0.9 * rt["fraction"].max()] if len(rt) else rt
    tail = (f"; coverage drops below 90% of its maximum from {low['name'].iat[0]} on" if len(low)
            else "; RT coverage stays within 90% of its maximum over the whole window")
    sec.figure("sequences.png", to_png(fig),
               f"Sequenced patients cover a median of {medians['PR']:.0f} of {s.window['PR']} PR codons and "
               f"{medians['RT']:.0f} of {s.window['RT']} RT codons{tail}.")


def _missing(sec, s) -> None:
    plt = pyplot()
    m = s.missing_genes
    fig, ax = plt.subplots(figsize=(6.5, 2.6))
    y = np.arange(len(m))
    non = (m["patients"] - m["responders"]).to_numpy()
    ax.barh(y, non, color=NONRESP, label="non-responders")
    ax.barh(y, m["responders"], left=non, color=RESP, label="responders")
    for i, (n, r) in enumerate(zip(m["patients"], m["responders"], strict=True)):
        ax.text(n, i, f" {n} ({percent(r / n, 0) if n else 'n/a'} resp.)", va="center", fontsize=8.5)
    ax.set_yticks(y, m["group"])
    ax.set_xlim(0, max(m["patients"].max(), 1) * 1.35)
    ax.set_xlabel("patients")
    ax.set_title("Genes sequenced")
    ax.legend(loc="lower right")
    ax.grid(axis="y", visible=False)
    g = dict(zip(m["group"], m["patients"], strict=True))
    sec.figure("missing_genes.png", to_png(fig),
               f"{g['PR missing']} patients ({percent(g['PR missing'] / s.n)}) lack PR, "
               f"{g['RT missing']} lack RT and {g['both missing']} lack both; missing genes are kept with "
               "zero coverage, never read as wild type.")


def _mutations(sec, s, top: int, min_carriers: int) -> None:
    prev = s.prevalence
    if prev.empty:
        sec.note(f"No mutation is carried by {min_carriers} or more patients.")
        return
    show = prev.head(top)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 0.26 * len(show) + 1.3))
    y = np.arange(len(show))[::-1]
    ax.hlines(y, 100 * show["prev_nonresp"], 100 * show["prev_resp"], color="#BBBBBB", linewidth=2)
    ax.scatter(100 * show["prev_nonresp"], y, color=NONRESP, s=28, label="non-responders", zorder=3)
    ax.scatter(100 * show["prev_resp"], y, color=RESP, s=28, label="responders", zorder=3)
    ax.set_yticks(y, [f"{m}  ●" if d else m for m, d in zip(show["mutation"], show["is_drm"], strict=True)],
                  fontsize=8.5)
    for tick, is_drm in zip(ax.get_yticklabels(), show["is_drm"], strict=True):
        if is_drm:
            tick.set_color(DRM)
            tick.set_fontweight("bold")
    ax.set_xlabel("carriers among patients sequenced at the position (%)")
    ax.set_title(f"The {len(show)} most prevalent mutations (red ●: known DRM)")
    ax.legend(loc="lower right")
    ax.set_ylim(-0.7, len(show) - 0.3)
    best = prev.sort_values("p_value", kind="mergesort").iloc[0]
    sec.figure("mutations.png", to_png(fig),
               f"Of the {len(show)} most prevalent mutations, {int(show['is_drm'].sum())} are known DRMs; of "
               f"all {len(prev)} mutations carried by ≥ {min_carriers} patients, {best['mutation']} is the "
               f"most associated with response (OR {best['odds_ratio']:.2f}, Fisher p = "
               f"{fmt_p(best['p_value'])}).")
    sec.text("Odds ratio > 1: carriers respond more often. Odds ratios use the Haldane-Anscombe correction "
             "(+0.5 per cell) with a Woolf 95% interval; p is the two-sided Fisher exact test and q the "
             "Benjamini-Hochberg false-discovery rate over all tested mutations. Mixtures count for each "
             "residue they contain. Highlighted rows are known drug-resistance mutations.")
    rows = []
    for r in show.itertuples():
        mark = bool(r.is_drm)
        rows.append([Cell(r.mutation, strong=mark, mark=mark), Cell(r.drug_class or "–", mark=mark),
                     Cell(f"{r.carriers} / {r.covered}", mark=mark), Cell(percent(r.prev_resp), mark=mark),
                     Cell(percent(r.prev_nonresp), mark=mark),
                     Cell(f"{r.odds_ratio:.2f} ({r.or_low:.2f}–{r.or_high:.2f})", mark=mark),
                     Cell(fmt_p(r.p_value), mark=mark), Cell(fmt_p(r.q_value), mark=mark)])
    sec.table(["mutation", "DRM class", "carriers / sequenced", "prevalence, responders",
               "prevalence, non-responders", "odds ratio (95% CI)", "Fisher p", "BH q"], rows)
    sig = prev[prev["q_value"] < 0.05]
    if len(sig):
        sec.text(f"{len(sig)} mutation(s) pass q < 0.05: " + ", ".join(sig["mutation"].head(15)) +
                 (" …" if len(sig) > 15 else "") + ".")
    else:
        sec.text("No mutation passes a false-discovery rate of 5% (q < 0.05).")


def _drm_classes(sec, s) -> None:
    plt = pyplot()
    d = s.drm_response
    classes = list(dict.fromkeys(d["drug_class"]))
    fig, axes = plt.subplots(1, len(classes), figsize=(11, 3.5), sharey=True)
    parts = []
    for ax, cls in zip(np.atleast_1d(axes), classes, strict=True):
        part = d[d["drug_class"] == cls].reset_index(drop=True)
        x = np.arange(len(part))
        rate = 100 * part["rate"].to_numpy(dtype=float)
        err = np.vstack([rate - 100 * part["low"].to_numpy(dtype=float),
                         100 * part["high"].to_numpy(dtype=float) - rate])
        ax.bar(x, rate, color=RESP, alpha=0.8, width=0.6)
        ax.errorbar(x, rate, yerr=err, fmt="none", ecolor="black", capsize=3, linewidth=1)
        ax.set_xticks(x, [f"{k}\n(n = {n})" for k, n in zip(part["n_drms"], part["patients"], strict=True)])
        ax.set_xlabel(f"{cls} DRMs per patient")
        ax.set_title(cls)
        ax.set_ylim(0, 100)
        ax.grid(axis="x", visible=False)
        first = part.iloc[0]
        last = part[part["patients"] > 0].iloc[-1] if (part["patients"] > 0).any() else first
        parts.append(f"{cls} {percent(first['rate'], 0)} with none vs {percent(last['rate'], 0)} with "
                     f"{last['n_drms']}")
    np.atleast_1d(axes)[0].set_ylabel("response rate (%), Wilson 95% CI")
    sec.figure("drm_classes.png", to_png(fig), "Response rate by number of drug-resistance mutations: "
               + "; ".join(parts) + " (patients without the class's gene left out).")
    sec.table(["drug class", "DRMs", "patients", "responders", "response rate (95% CI)"],
              [[r.drug_class, r.n_drms, r.patients, r.responders,
                f"{percent(r.rate)} ({percent(r.low)}–{percent(r.high)})" if r.patients else "n/a"]
               for r in d.itertuples()])

"""Shared look of every figure: Agg backend, one style, fixed colours, PNG bytes out.

matplotlib is imported on first use, never at module import, so importing the page builders is cheap.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

RESP, NONRESP = "#0072B2", "#E69F00"      # Okabe-Ito blue / orange: responders / non-responders
DRM = "#C0392B"                          # known drug-resistance positions and mutations
NEUTRAL = "#7F8C8D"
# Okabe-Ito then tab10 extras: distinguishable for colour-blind readers, stable per model order
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B",
           "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD")

STYLE = {
    "figure.dpi": 100, "savefig.dpi": 110, "font.size": 10, "axes.titlesize": 11, "axes.titleweight": "bold",
    "axes.labelsize": 10, "legend.fontsize": 8.5, "legend.frameon": False, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.25, "grid.linewidth": 0.6,
    "figure.constrained_layout.use": True, "svg.hashsalt": "hiv",
}


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed), imported on first use."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(STYLE)
    return plt


def to_png(fig) -> bytes:
    """The figure as PNG bytes (no timestamp metadata, so the same data gives the same file)."""
    plt = pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def model_colours(names: Iterable[str]) -> dict[str, str]:
    """One colour per model, by the order the run lists them, reused in every figure of the report."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def percent(x: float, digits: int = 1) -> str:
    return "n/a" if x != x else f"{100 * x:.{digits}f}%"


def fmt_p(p: float) -> str:
    """p-values as people read them: 0.031, 2.4e-05."""
    if p != p:
        return "n/a"
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"

"""Charts for the steering-committee report: SVG drawn by matplotlib without a browser or a
display, text kept as text (svg.fonttype none) so the PDF stays searchable and pdftotext reads it."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, Sequence

import matplotlib

matplotlib.use("Agg")  # no display: the report is made by a command or a web worker

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from audit_app.web import rupees  # noqa: E402

STYLE = {"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 8,
         "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "pca-steering"}
GREEN, BLUE, PALE, RED, OCHRE = "#1f6b3a", "#2b6cb0", "#9db4d3", "#b83232", "#7a5d06"


def _millions(value: float, _pos: Any = None) -> str:
    return f"{value / 1e6:,.1f}m" if abs(value) >= 1e6 else f"{value:,.0f}"


def _svg(fig: Any) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return out.getvalue()


def funnel(labels: Sequence[str], amounts: Sequence[Decimal]) -> str:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.2, 2.4))
        values = [float(a) for a in amounts]
        bars = ax.barh(list(labels), values, color=GREEN)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(FuncFormatter(_millions))
        for bar, value in zip(bars, amounts):
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, " " + rupees(value),
                    va="center", fontsize=7)
        ax.set_xlabel("rupees")
        return _svg(fig)


def trend(months: Sequence[str], recovered: Sequence[Decimal], detected: Sequence[Decimal],
          targets: Sequence[Decimal | None]) -> str:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.2, 2.4))
        x = range(len(months))
        ax.bar([i - 0.2 for i in x], [float(v) for v in detected], width=0.4, color=PALE,
               label="Detected")
        ax.bar([i + 0.2 for i in x], [float(v) for v in recovered], width=0.4, color=GREEN,
               label="Recovered")
        if any(t is not None for t in targets):
            ax.plot(list(x), [float(t) if t is not None else float("nan") for t in targets],
                    color=RED, linestyle="--", marker="o", markersize=3, label="Recovery target")
        ax.set_xticks(list(x), [m[2:] for m in months], rotation=0)
        ax.yaxis.set_major_formatter(FuncFormatter(_millions))
        ax.legend(frameon=False, ncol=3, loc="upper left")
        return _svg(fig)


def arrears(labels: Sequence[str], outstanding: Sequence[Decimal], stayed: Sequence[Decimal]) -> str:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.2, 2.0))
        o = [float(v) for v in outstanding]
        ax.bar(list(labels), o, color=RED, label="Outstanding")
        ax.bar(list(labels), [float(v) for v in stayed], bottom=o, color=OCHRE, label="Stayed")
        ax.yaxis.set_major_formatter(FuncFormatter(_millions))
        ax.legend(frameon=False, ncol=2, loc="upper right")
        return _svg(fig)

"""The readable report: where the chain is thin, as one self-contained HTML file (docs/gaps.md,
"The report").

``keten report`` (the C++ program hands its arguments here), ``keten-report`` and
``python -m keten.report`` run :func:`main`; :func:`write_report` is the same from Python. The
numbers come from the C++ core (:func:`keten.gaps`, :func:`keten.cooperation`,
:func:`keten.chain_dot`); the charts are drawn by matplotlib and the chain's network by Graphviz,
embedded as data URIs so that the page needs no network access and no other file. Nothing about a
person is written: cases count only as needs per municipality and help form.
"""

from __future__ import annotations

import argparse
import base64
import datetime as _dt
import html
import io
import math
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Sequence

import keten

PathLike = Any

#: Colours of the help forms (ColorBrewer Set2, as the chain's DOT picture).
FORM_COLOURS = {
    "money": "#66c2a5",
    "neighbour": "#fc8d62",
    "work": "#8da0cb",
    "group": "#e78ac3",
    "youth": "#a6d854",
}

CONDITION_LABELS = {
    "shared_ambition": "shared ambition",
    "recognition_of_interests": "recognition of interests",
    "meaningful_process": "meaningful process",
    "building_relationships": "building relationships",
    "professional_organisation": "professional organisation",
}


@dataclass
class Report:
    """What :func:`write_report` wrote: the HTML page, the keten.gaps JSON beside it, the scope,
    and any part left out (with why)."""

    html: Path
    gaps_json: Path
    municipalities: List[str]
    chain: Optional[str]
    images: int
    notes: List[str] = field(default_factory=list)


def _plt():
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _img(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{html.escape(alt)}">'


def _num(v: float) -> str:
    return f"{v:,.0f}" if math.isfinite(v) else "-"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 1) -> str:
    out = ["<table><thead><tr>"]
    out += [f"<th>{html.escape(str(h))}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            cls = ' class="num"' if i >= numeric_from else ""
            out.append(f"<td{cls}>{html.escape(str(cell))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _gap_bars(totals, title: str) -> str:
    plt = _plt()
    forms = list(totals["form"])
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = range(len(forms))
    ax.bar([i - 0.2 for i in x], totals["demand"], width=0.4, label="expected demand / year",
           color="#bbbbbb")
    ax.bar([i + 0.2 for i in x], totals["capacity"], width=0.4, label="capacity / year",
           color=[FORM_COLOURS[f] for f in forms])
    for i, s in enumerate(totals["shortfall"]):
        if s > 0:
            ax.annotate(f"short {s:,.0f}", (i, max(totals["demand"][i], totals["capacity"][i])),
                        ha="center", va="bottom", fontsize=8, color="#b2182b")
    ax.set_xticks(list(x), [f.capitalize() for f in forms])
    ax.set_ylabel("needs or units per year")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(y=0.15)
    return _png(fig)


def _map(table, scope: Sequence[str]) -> str:
    """The Netherlands as one point per municipality at its point, sized by population and
    coloured by shortfall per 1,000 inhabitants: all help forms, then each."""
    import numpy as np

    plt = _plt()
    code = np.asarray(table["code"], dtype=object)
    form = np.asarray(table["form"], dtype=object)
    lat, lon = np.asarray(table["lat"]), np.asarray(table["lon"])
    pop = np.asarray(table["population"], dtype=float)
    short = np.asarray(table["shortfall"], dtype=float)
    first = form == "money"  # one row per municipality
    codes = code[first]
    per_form = {f: short[form == f] for f in keten.FORMS}
    total = sum(per_form.values())
    fig, axes = plt.subplots(2, 3, figsize=(11, 8.4))
    panels = [("all help forms", total)] + [(f, per_form[f]) for f in keten.FORMS]
    in_scope = np.isin(codes, np.asarray(list(scope), dtype=object)) if scope else None
    for ax, (name, values) in zip(axes.flat, panels):
        rate = values / np.maximum(pop[first], 1) * 1000.0
        sizes = 4 + 120 * np.sqrt(pop[first] / pop[first].max())
        sc = ax.scatter(lon[first], lat[first], s=sizes, c=rate, cmap="YlOrRd", vmin=0,
                        vmax=max(float(np.percentile(rate, 98)), 1e-9), edgecolors="#555555",
                        linewidths=0.2)
        if in_scope is not None and in_scope.any():
            ax.scatter(lon[first][in_scope], lat[first][in_scope], s=sizes[in_scope] + 30,
                       facecolors="none", edgecolors="#08306b", linewidths=1.4)
        ax.set_title(f"shortfall per 1,000: {name}", fontsize=9)
        ax.set_aspect(1 / math.cos(math.radians(52.2)))
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_visible(False)
        fig.colorbar(sc, ax=ax, shrink=0.7)
    fig.suptitle("Municipalities at their points: size = population, colour = shortfall per "
                 "1,000 inhabitants" + ("; ringed: the report's scope" if scope else ""),
                 fontsize=10)
    return _png(fig)


def _conditions_chart(conditions, chain: str) -> str:
    import numpy as np

    plt = _plt()
    rows = conditions[conditions["chain"] == chain]
    labels = [CONDITION_LABELS.get(c, c) for c in rows["condition"]]
    mean = rows["mean"].to_numpy(dtype=float)
    before = rows["before"].to_numpy(dtype=float) if "before" in rows else None
    spread = rows["spread"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(8, 3.4))
    y = np.arange(len(labels))
    if before is not None and np.isfinite(before).any():
        ax.barh(y + 0.2, before, height=0.38, color="#cccccc", label="previous scan")
        ax.barh(y - 0.2, mean, height=0.38, color="#2b8cbe", label="latest scan",
                xerr=spread / 2, error_kw={"ecolor": "#444444", "capsize": 3})
    else:
        ax.barh(y, mean, height=0.6, color="#2b8cbe", label="latest scan", xerr=spread / 2,
                error_kw={"ecolor": "#444444", "capsize": 3})
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(1, 5)
    ax.set_xlabel("mean of the partners' means (1 = fully disagree, 5 = fully agree); "
                  "whisker: half the spread between partners", fontsize=8)
    ax.set_title(f"The five conditions of cooperation: {chain}")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def _chain_svg(dot_text: str) -> Optional[str]:
    dot = shutil.which("dot")
    if dot is None:
        return None
    done = subprocess.run([dot, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True,
                          check=True, timeout=60)
    return "data:image/svg+xml;base64," + base64.b64encode(done.stdout).decode("ascii")


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.45;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid
#ddd}table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{padding:.25em .6em;
border-bottom:1px solid #eee;text-align:left}td.num{text-align:right;font-variant-numeric:
tabular-nums}img{max-width:100%;height:auto;display:block;margin:.6em 0}.note{color:#666;
font-size:.88em}.warn{color:#b2182b}
"""


def write_report(
    landscape: Any,
    out: PathLike,
    *,
    cases: Sequence[Any] = (),
    scan: Any = None,
    municipalities: Sequence[str] = (),
    provinces: Sequence[str] = (),
    chain: Optional[str] = None,
    reach_km: float = 3.0,
    teams: int = 3,
    demand: str = "rates",
    cases_period_days: float = 365.0,
    title: Optional[str] = None,
) -> Report:
    """Writes ``out/index.html`` (self-contained) and ``out/gaps.json`` (the keten.gaps document)
    for ``landscape`` (a Landscape or a path). ``cases`` are batches (or paths of keten.cases
    files) whose unmet needs count as evidence; ``scan`` (a Scan or path) adds the five conditions
    of cooperation; ``municipalities`` / ``provinces`` set the scope (default: the whole
    landscape); ``chain`` the chain to draw (default: the first chain covering the scope)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if not isinstance(landscape, keten.Landscape):
        landscape = keten.load_landscape(Path(landscape))
    batches = [keten.load_cases(Path(c), landscape) if isinstance(c, (str, Path)) else c
               for c in cases]
    if scan is not None and not isinstance(scan, keten.Scan):
        scan = keten.load_scan(scan, landscape)

    analysis = keten.gaps(landscape, batches[0] if batches else None, rounds=batches[1:],
                          demand=demand, cases_period_days=cases_period_days, reach_km=reach_km)
    scope_kw = {"municipalities": list(municipalities), "provinces": list(provinces)}
    scoped = bool(municipalities or provinces)
    table = analysis.table(**scope_kw).to_pandas()
    everywhere = analysis.table().to_pandas()
    totals = analysis.totals(**scope_kw).to_pandas()
    scope_codes = list(dict.fromkeys(table["code"])) if scoped else []
    notes: List[str] = []
    images = 0

    plans = []
    for f in keten.FORMS:
        if teams > 0 and float(totals.loc[totals["form"] == f, "shortfall"].iloc[0]) > 0:
            plans.append(analysis.plan_teams(f, teams=teams, **scope_kw))
    gaps_json = out / "gaps.json"
    gaps_json.write_text(analysis.to_json(plans=plans, **scope_kw), encoding="utf-8")

    # The chain of the scope.
    chains = keten.chains(landscape).to_pandas()
    if chain is None and len(chains):
        if scoped:
            covering = chains[chains["municipalities"].apply(
                lambda ms: any(c in ms.split() for c in scope_codes))]
            chain = covering["chain"].iloc[0] if len(covering) else None
        else:
            chain = chains["chain"].iloc[0]
    report = None
    if scan is not None:
        report = keten.cooperation(scan, chain=chain) if chain else keten.cooperation(scan)

    name = landscape.summary().name or "the landscape"
    names = dict(zip(everywhere["code"], everywhere["name"]))
    if scoped and len(scope_codes) <= 6 and not provinces:
        where = ", ".join(f"{c} {names[c]}" for c in scope_codes)
    elif scoped:
        where = ", ".join(list(provinces) + [f"{c} {names[c]}" for c in municipalities])
        where += f" ({len(scope_codes)} municipalities)"
    else:
        where = "the Netherlands"
    heading = title or f"Where the chain is thin — {where}"
    parts: List[str] = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{html.escape(heading)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(heading)}</h1>",
        f"<p class=\"note\">{html.escape(name)} · keten {html.escape(keten.__version__)} · "
        f"written {_dt.date.today().isoformat()} · demand "
        f"{'from the cases' if demand == 'cases' else 'from population × yearly rates'} · reach "
        f"within {reach_km:g} km · numbers per year · synthetic data unless your landscape is "
        "real</p>",
    ]

    # 1. Gap bars and totals.
    parts.append("<h2>Demand and capacity per help form</h2>")
    parts.append(_img(_gap_bars(totals, f"Expected demand and capacity: {where}"),
                      "bars of expected demand and capacity per help form"))
    images += 1
    rows = [[f.capitalize(), _num(r.demand), _num(r.capacity), _num(r.shortfall),
             f"{100 * r.reach:.0f} %", int(r.municipalities_missing)]
            for f, r in zip(totals["form"], totals.itertuples())]
    parts.append(_table(["help form", "demand", "capacity", "shortfall", "reach",
                         "municipalities without it"], rows))
    all_five = analysis.with_all_forms()
    in_scope_all = [c for c in all_five if not scoped or c in scope_codes]
    parts.append(f"<p>{len(in_scope_all)} of {len(scope_codes) if scoped else len(everywhere) // 5}"
                 " municipalities have all five help forms.</p>")

    # 2. The map.
    parts.append("<h2>The map</h2>")
    parts.append(_img(_map(everywhere, scope_codes), "map of the shortfall per municipality"))
    images += 1

    # 3. The largest shortfalls and missing help forms.
    parts.append("<h2>Where the shortfall is largest</h2>")
    top = table.sort_values("shortfall", ascending=False, kind="stable").head(15)
    parts.append(_table(
        ["municipality", "help form", "demand", "capacity", "shortfall", "reach", "offerings"],
        [[f"{r.code} {r.name}", r.form, _num(r.demand), _num(r.capacity), _num(r.shortfall),
          f"{100 * r.reach:.0f} %", int(r.offerings)] for r in top.itertuples()], 2))
    if scoped and len(scope_codes) <= 25:
        missing = table[~table["present"]]
        if len(missing):
            parts.append("<p>Help forms missing: " + html.escape("; ".join(
                f"{c} {names[c]}: {', '.join(g['form'])}"
                for c, g in missing.groupby("code", sort=False)))
                + "</p>")

    # 4. Unmet needs as evidence.
    if analysis.rounds > 0:
        parts.append("<h2>Needs left unmet by the allocations</h2>")
        reasons = [c for c in table.columns if c.startswith("unmet_")]
        by_form = table.groupby("form", sort=False)[reasons].sum()
        parts.append(f"<p>{analysis.rounds} allocation round(s) of the given cases; unmet "
                     "needs per help form and reason (allocate's reasons).</p>")
        parts.append(_table(["help form"] + [r[len("unmet_"):].replace("_", " ") for r in reasons],
                            [[f] + [int(v) for v in row] for f, row in by_form.iterrows()]))

    # 5. New teams.
    if plans:
        parts.append("<h2>Where a new local team would help most</h2>")
        parts.append("<p class=\"note\">Greedy maximum coverage: each step the municipality "
                     "whose team (reaching the municipalities within 10 km) reaches the most "
                     "shortfall not yet reached; "
                     "guaranteed at least 63 % (1 − 1/e) of the best choice.</p>")
        rows = []
        for p in plans:
            rows.append([p.form, ", ".join(f"{c} {names[c]}" for c in p.sites), _num(p.covered),
                         _num(p.team_capacity),
                         f"{_num(p.shortfall_before)} → {_num(p.shortfall_after)}"])
        parts.append(_table(["help form", "new teams in", "shortfall reached",
                             "units / team / year", "shortfall before → after"], rows, 2))

    # 6. The chain and its cooperation.
    parts.append("<h2>The local chain</h2>")
    if chain is None:
        parts.append("<p>No local chain covers this scope.</p>")
    else:
        row = chains[chains["chain"] == chain].iloc[0]
        parts.append(_table(["chain", "name", "form", "since", "members", "initiators"],
                            [[row["chain"], row["name"], row["form"], row["started"],
                              row["members"], row["initiators"]]], 99))
        svg = _chain_svg(keten.chain_dot(landscape, chain, report))
        if svg is None:
            notes.append("Graphviz's dot is not installed: the chain's picture is left out")
            parts.append("<p class=\"warn\">The picture of the chain needs Graphviz "
                         "(apt-get install graphviz).</p>")
        else:
            parts.append(_img(svg, f"partner network of {chain}"))
            images += 1
            parts.append("<p class=\"note\">Members in their help form's colour; a double border "
                         "marks an initiator (kartrekker); a line joins partners who can "
                         "complement each other here" + ("; with a scan, its label and colour "
                         "give the pair's cooperation strength (0–1), dashed where they rated "
                         "each other but do not complement" if report is not None else "")
                         + ".</p>")
        if report is not None:
            conditions = report.conditions().to_pandas()
            if (conditions["chain"] == chain).any():
                parts.append("<h2>The five conditions of cooperation</h2>")
                parts.append(_img(_conditions_chart(conditions, chain),
                                  f"the five conditions of cooperation of {chain}"))
                images += 1
                rows = []
                for r in conditions[conditions["chain"] == chain].itertuples():
                    trend = "-" if not math.isfinite(r.change) else (
                        f"{r.change:+.2f} (p {r.p_value:.3f}"
                        f"{', significant' if r.significant else ''})")
                    rows.append([CONDITION_LABELS.get(r.condition, r.condition),
                                 f"{r.mean:.2f}", f"{r.spread:.2f}", f"{r.sd:.2f}", trend,
                                 "weakest" if r.weakest else ""])
                parts.append(_table(["condition", "mean", "spread", "sd", "trend", ""], rows))
            else:
                parts.append("<p>The scan has no answers for this chain.</p>")

    for n in notes:
        parts.append(f"<p class=\"warn\">{html.escape(n)}</p>")
    parts.append("<p class=\"note\">Made with keten (docs/gaps.md). The numbers are in "
                 "gaps.json beside this page.</p></body></html>")
    page = out / "index.html"
    page.write_text("\n".join(parts), encoding="utf-8")
    return Report(page, gaps_json, scope_codes, chain, images, notes)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="keten report",
        description="Write a self-contained HTML report of where the chain is thin: gap bars per "
        "help form, a map of the Netherlands, new teams, the chain's partner network and its five "
        "conditions of cooperation (docs/gaps.md).")
    p.add_argument("--landscape", "-l", help="landscape file (default: the national landscape)")
    p.add_argument("--cases", "-c", action="append", default=[],
                   help="keten.cases file whose unmet needs count as evidence (repeatable)")
    p.add_argument("--scan", "-s", help="cooperation scan (CSV or JSON)")
    p.add_argument("--out", "-o", required=True, help="directory to write index.html into")
    p.add_argument("--municipality", "-m", action="append", default=[],
                   help="scope: CBS code (repeatable)")
    p.add_argument("--province", "-p", action="append", default=[], help="scope: province")
    p.add_argument("--chain", help="the chain to draw (default: the first covering the scope)")
    p.add_argument("--reach-km", type=float, default=3.0, help="distance of the reach share")
    p.add_argument("--teams", "-k", type=int, default=3, help="new teams to plan per help form")
    p.add_argument("--demand", choices=("rates", "cases"), default="rates")
    p.add_argument("--cases-days", type=float, default=365.0,
                   help="days the cases files cover together (demand from cases)")
    a = p.parse_args(argv)
    try:
        landscape = (keten.load_landscape(Path(a.landscape)) if a.landscape
                     else keten.default_landscape())
        r = write_report(landscape, a.out, cases=a.cases, scan=a.scan,
                         municipalities=a.municipality, provinces=a.province, chain=a.chain,
                         reach_km=a.reach_km, teams=a.teams, demand=a.demand,
                         cases_period_days=a.cases_days)
    except keten.Error as e:
        print(f"keten report: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"keten report: {e}", file=sys.stderr)
        return 4
    for n in r.notes:
        print(f"keten report: note: {n}", file=sys.stderr)
    print(f"report: {r.html.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A scan's findings for people: a table sorted by severity, each finding's sentence, and the
false-alarm rate each indicator's thresholds imply (rendered with rich)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from caresignal.monitor._replay_truth import family
from caresignal.monitor._scan_types import Finding, ScanResult
from caresignal.monitor.replay import ReplayResult

__all__ = ["LEVEL_STYLES", "METHOD_NAMES", "render_replay", "render_scan"]

#: How each level is shown.
LEVEL_STYLES = {"red": "bold red", "amber": "bold yellow"}


#: Short names of the SPC rules for the table.
RULES = {"outside_limits": "outside", "two_in_three": "2 of 3"}
#: Short names of the methods for the table.
CHARTS = {
    "bernoulli_cusum": "CUSUM",
    "poisson_cusum": "Poisson CUSUM",
    "funnel": "funnel",
    "p_chart": "p chart",
    "u_chart": "u chart",
    "xmr": "XmR",
}


def _level(finding: Finding) -> Text:
    label = RULES.get(finding.level, finding.level)
    if finding.direction == "improvement":
        return Text(f"{label}, better", style="green")
    return Text(label, style=LEVEL_STYLES.get(finding.level, "magenta"))


def _chart(finding: Finding) -> str:
    short = CHARTS.get(finding.method, finding.method)
    return f"{short}, unadjusted" if finding.chart.startswith("unadjusted") else short


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def render_scan(
    result: ScanResult,
    console: Console,
    findings_file: Path | None = None,
    *,
    limit: int | None = None,
) -> None:
    """Print the findings table, the sentences, and each indicator's false-alarm rate.

    With ``limit``, only the first (most severe) ``limit`` findings are shown, with a count of
    the rest by level.
    """
    concerns = sum(f.direction == "concern" for f in result.findings)
    console.print(
        f"[bold]Scan as of {result.as_of:%d %B %Y}[/]: {len(result.findings)} findings "
        f"({concerns} concerns, {len(result.findings) - concerns} improvements)."
    )
    shown = result.findings if limit is None else result.findings[:limit]
    if shown:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("level", no_wrap=True)
        table.add_column("unit", no_wrap=True)
        table.add_column("indicator", min_width=24, ratio=1)
        table.add_column("chart")
        table.add_column("since", no_wrap=True)
        table.add_column("O / E", justify="right", no_wrap=True)
        for number, finding in enumerate(shown, start=1):
            table.add_row(
                str(number),
                _level(finding),
                finding.unit,
                finding.title,
                _chart(finding),
                f"{finding.change_began:%b %Y}",
                f"{_number(finding.observed)} / {_number(finding.expected)}",
            )
        console.print(table)
        console.print("[bold]What each finding means[/]")
        for number, finding in enumerate(shown, start=1):
            console.print(f"{number:>3}. {finding.unit}: {finding.explanation}", soft_wrap=False)
        rest = result.findings[len(shown) :]
        if rest:
            levels = Counter(RULES.get(f.level, f.level) for f in rest)
            counts = ", ".join(f"{count} {level}" for level, count in levels.most_common())
            console.print(f"… and {len(rest)} more ({counts}): `caresignal scan` lists every one.")
    designed = [s for s in result.indicators if s.false_alarms]
    if designed:
        console.print()
        console.print("[bold]False alarms the CUSUM thresholds are designed for[/]")
        for summary in designed:
            console.print(f"  {summary.title}: {summary.false_alarms}.")
    unfitted = [skip for skip in result.skipped if skip.method == "risk_model"]
    for skip in unfitted:
        console.print(f"\n[bold]Not scanned[/]: {skip.reason}", soft_wrap=False)
    others = len(result.skipped) - len(unfitted)
    if others:
        console.print(
            f"\n[dim]{others} charts could not run (too little data or no expected rate); "
            "`--json` lists them.[/]"
        )
    if findings_file is not None:
        console.print(f"\n[dim]Findings written to {findings_file}.[/]")


#: How each compared method is named for people, and in a narrow column.
METHOD_NAMES = {
    "risk_adjusted_cusum": "risk-adjusted CUSUM",
    "moss_cusum": "MOSS-style CUSUM (unadjusted)",
    "poisson_cusum": "Poisson CUSUM",
    "spc": "monthly SPC (Making Data Count)",
    "annual_funnel": "annual funnel, published 18 months on",
}
SHORT_NAMES = {
    "risk_adjusted_cusum": "RA CUSUM",
    "moss_cusum": "MOSS",
    "poisson_cusum": "Poisson",
    "spc": "SPC",
    "annual_funnel": "funnel",
}


def _delay(days: int | None) -> str:
    return "—" if days is None else f"{days / 30.44:.1f}"


def _indicator_detections(result: ReplayResult) -> Table:
    """Each hidden problem's indicators and the months to each one's first signal, whatever
    the method: which charts found the problem."""
    table = Table(
        title="Months from each problem's onset to each of its indicators' first signal",
        box=box.SIMPLE_HEAD,
    )
    for column in ("problem", "unit", "indicator"):
        table.add_column(column, no_wrap=True)
    table.add_column("months", justify="right")
    for problem in result.problems:
        for ident, found in sorted(problem.by_indicator.items()):
            table.add_row(problem.id, problem.unit, ident, _delay(found.delay_days))
    return table


def render_replay(result: ReplayResult, console: Console) -> None:
    """Print the signals by year and method, each hidden problem's detections, and the false
    alarms observed against the design."""
    counted = [s for s in result.signals if s.level != "amber"]
    console.print(
        f"[bold]Replay from {result.start:%d %B %Y} to {result.end:%d %B %Y}[/]: "
        f"{len(result.signals)} signals fired ({len(counted)} red or SPC, "
        f"{len(result.signals) - len(counted)} amber)."
    )
    console.print(
        "Methods: " + "; ".join(f"{SHORT_NAMES[m]} = {METHOD_NAMES[m]}" for m in result.methods)
    )
    by_year = Table(
        title="Signals fired each year (red CUSUM and funnel, every SPC signal)",
        box=box.SIMPLE_HEAD,
    )
    by_year.add_column("year")
    for method in result.methods:
        by_year.add_column(SHORT_NAMES.get(method, method), justify="right")
    years = sorted({s.fired.year for s in counted})
    for year in years:
        row = [str(year)]
        for method in result.methods:
            row.append(str(sum(s.fired.year == year and family(s) == method for s in counted)))
        by_year.add_row(*row)
    if years:
        console.print(by_year)
    if result.problems:
        problems = Table(
            title="Months from each hidden problem's onset to its detection (— not found)",
            box=box.SIMPLE_HEAD,
        )
        for column in ("problem", "unit", "began"):
            problems.add_column(column, no_wrap=True)
        for method in result.methods:
            problems.add_column(SHORT_NAMES.get(method, method), justify="right")
        for problem in result.problems:
            problems.add_row(
                problem.id,
                problem.unit,
                f"{problem.start:%b %Y}" + (" ↑" if problem.direction == "improvement" else ""),
                *(_delay(problem.detections[m].delay_days) for m in result.methods),
            )
        console.print(problems)
        console.print(_indicator_detections(result))
    if result.false_alarms_per_unit_year:
        alarms = Table(title="False alarms on charts no problem touched", box=box.SIMPLE_HEAD)
        for column in ("method", "per chart-year", "designed for", "chart-years"):
            alarms.add_column(column, justify="left" if column == "method" else "right")
        for method, rate in result.false_alarms_per_unit_year.items():
            design = result.design_false_alarms_per_unit_year.get(method)
            alarms.add_row(
                METHOD_NAMES.get(method, method),
                f"{rate:.4f}",
                "" if design is None else f"{design:.4f}",
                f"{result.chart_years[method]:,.0f}",
            )
        console.print(alarms)

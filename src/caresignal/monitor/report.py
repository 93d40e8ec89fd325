"""A scan's findings for people: a table sorted by severity, each finding's sentence, and the
false-alarm rate each indicator's thresholds imply (rendered with rich)."""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from caresignal.monitor._scan_types import Finding, ScanResult

__all__ = ["LEVEL_STYLES", "render_scan"]

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


def render_scan(result: ScanResult, console: Console, findings_file: Path | None = None) -> None:
    """Print the findings table, the sentences, and each indicator's false-alarm rate."""
    concerns = sum(f.direction == "concern" for f in result.findings)
    console.print(
        f"[bold]Scan as of {result.as_of:%d %B %Y}[/]: {len(result.findings)} findings "
        f"({concerns} concerns, {len(result.findings) - concerns} improvements)."
    )
    if result.findings:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("level", no_wrap=True)
        table.add_column("unit", no_wrap=True)
        table.add_column("indicator", min_width=24, ratio=1)
        table.add_column("chart")
        table.add_column("since", no_wrap=True)
        table.add_column("O / E", justify="right", no_wrap=True)
        for number, finding in enumerate(result.findings, start=1):
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
        for number, finding in enumerate(result.findings, start=1):
            console.print(f"{number:>3}. {finding.unit}: {finding.explanation}", soft_wrap=False)
    designed = [s for s in result.indicators if s.false_alarms]
    if designed:
        console.print()
        console.print("[bold]False alarms the CUSUM thresholds are designed for[/]")
        for summary in designed:
            console.print(f"  {summary.title}: {summary.false_alarms}.")
    if result.skipped:
        console.print(
            f"\n[dim]{len(result.skipped)} charts could not run (too little data or no "
            "expected rate); `--json` lists them.[/]"
        )
    if findings_file is not None:
        console.print(f"\n[dim]Findings written to {findings_file}.[/]")

"""Render the demo report for a person: a heading, a few plain sentences and a table per part."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

from caresignal.monitor.report import render_scan
from caresignal.monitor.scan import FINDINGS

if TYPE_CHECKING:
    from caresignal.demo import DemoReport
    from caresignal.demo.ae import AESection
    from caresignal.demo.history import AccountabilitySection
    from caresignal.demo.lengthofstay import LengthOfStaySection
    from caresignal.demo.surgery import SurgerySection
    from caresignal.demo.switch import SwitchSection
    from caresignal.demo.synthetic import SyntheticSection

#: How many trusts of concern the A&E table lists.
SHOWN_TRUSTS = 10
#: How many of the current signals (the most severe) the demo shows.
SHOWN_FINDINGS = 20

VARIATION_WORDS = {
    "common_cause": "common-cause variation only",
    "special_cause_concern_low": "special-cause concern (performance lower than usual)",
    "special_cause_concern_high": "special-cause concern (higher than usual)",
    "special_cause_improvement_high": "special-cause improvement (performance higher than usual)",
    "special_cause_improvement_low": "special-cause improvement (lower than usual)",
}
ASSURANCE_WORDS = {
    "consistently_fail": "will consistently fail the standard unless the process changes",
    "hit_or_miss": "may hit or miss it from month to month",
    "consistently_pass": "will consistently pass it",
}


def render(report: DemoReport, console: Console) -> None:
    """Print the four parts of the demo report."""
    console.print(
        "[bold]caresignal demo[/]: the bundled real datasets, analysed as caresignal does."
    )
    _ae(report.ae, console)
    _length_of_stay(report.length_of_stay, console)
    _surgery(report.surgery, console)
    _switch(report.switch, console)
    _synthetic(report.synthetic, console)
    _heading(console, "6. The signals caresignal finds in it now")
    console.print(
        "Every site, ward and emergency department, every indicator of the catalogue and every "
        "method, as of the last day of the data (`caresignal scan`; `caresignal replay` shows "
        "when each would have fired and how soon each method found each hidden problem)."
    )
    render_scan(
        report.signals, console, Path(report.synthetic.data_dir) / FINDINGS, limit=SHOWN_FINDINGS
    )
    _accountability(report.accountability, console)


def _accountability(section: AccountabilitySection, console: Console) -> None:
    _heading(console, "7. Who acted on the signals, and who did not")
    if not section.episodes:
        console.print("No signal is of concern, so no one had anything to act on.")
        return
    how = (
        "replayed just now through the past as people would have handled them"
        if section.built_now
        else "as the earlier run replayed them, with anything done since"
    )
    climbed = section.open_by_owner.get("regulator", 0)
    console.print(
        f"The store ({section.database}) holds {section.episodes} signal episodes from these "
        f"findings, {how}, through the same steps `caresignal signals`, `escalate` and `board` "
        f"take. {section.acknowledged_in_time} were acknowledged in time and acted on, "
        f"{section.closed_with_evidence} of them closed with evidence; {section.escalated} missed "
        f"a deadline and climbed the escalation ladder, {climbed} of them as far as the "
        f"regulator. The trusts' boards met {section.board_meetings} times. The reviews made "
        f"{section.recommendations} recommendations with {section.actions} actions: "
        f"{section.actions_verified} done and verified by a second person, "
        f"{section.actions_escalated} overdue and escalated.",
        soft_wrap=True,
    )
    if section.stories:
        console.print("What the boards were shown again and again, and did not act on:")
        for story in section.stories:
            console.print(f"  • [bold]{story.summary}[/]: {story.history}.", soft_wrap=True)
    intact = "intact" if section.audit_intact else "BROKEN"
    trust = section.example_trust or "TRUST"
    if section.concerns:
        console.print(
            f"{section.concerns:,} concerns from patients, families and staff about {trust} in "
            "the last six months are in the store, loaded as a trust moving from another "
            "system would load them; those nobody answered have climbed the ladder "
            "(`caresignal concerns list`).",
            soft_wrap=True,
        )
    console.print(
        f"{section.users} people hold the roles of the ladder; {section.notifications} "
        f"notifications wait in the outbox (`caresignal outbox list`). The audit log holds "
        f"{section.audit_entries:,} entries and is {intact} (`caresignal audit verify`). Try "
        f"`caresignal signals list`, `caresignal board agenda {trust}` and `caresignal board "
        f"history --signal N`.",
        soft_wrap=True,
    )


def _heading(console: Console, text: str) -> None:
    console.print()
    console.rule(f"[bold]{text}[/]", align="left")


def _ae(section: AESection, console: Console) -> None:
    _heading(console, "1. A&E: is the 4-hour standard met, and is anything changing?")
    latest = max(trust.latest_period for trust in section.trusts)
    console.print(
        f"XmR charts (NHS Making Data Count rules; the catalogue's ed_4h indicator) of the "
        f"monthly share of patients seen within 4 hours, for the {len(section.trusts)} trusts "
        f"with a type-1 emergency department and at least 12 months of data, to {latest:%B %Y}. "
        f"At each trust's latest month:"
    )
    for icon, count in section.variation_counts().items():
        console.print(f"  • {count:>3} trusts: {VARIATION_WORDS.get(icon, icon)}")
    console.print(f"Against the {section.target:.0%} standard, judged by each trust's limits:")
    for icon, count in section.assurance_counts().items():
        console.print(f"  • {count:>3} trusts {ASSURANCE_WORDS.get(icon, icon)}")
    concerns = section.concerns()
    table = Table(
        title=f"Special-cause concern at the latest month ({len(concerns)} trusts; lowest first)"
    )
    for column in ("trust", "within 4 h", "mean", "process limits", "rule"):
        table.add_column(column, justify="left" if column in {"trust", "rule"} else "right")
    for trust in concerns[:SHOWN_TRUSTS]:
        table.add_row(
            trust.org_code,
            f"{trust.latest:.1%}",
            f"{trust.mean:.1%}",
            f"{trust.lpl:.1%} – {trust.upl:.1%}",
            (trust.latest_rule or "").replace("_", " "),
        )
    console.print(table)


def _length_of_stay(section: LengthOfStaySection, console: Console) -> None:
    _heading(console, "2. Length of stay: which providers stand out from their case mix?")
    outliers = section.outliers()
    console.print(
        f"A funnel plot of observed over expected days at {len(section.providers)} providers "
        f"(expected from a Poisson model of age, HMO membership, death and admission type). The "
        f"providers differ {section.phi:.1f} times as much as chance alone would make them "
        f"(φ = {section.phi:.2f}), so the limits allow for that spread (τ² = {section.tau2:.4f}, "
        f"DerSimonian–Laird). {len(outliers)} providers lie outside the {section.level:.1%} "
        f"limits; without the allowance {section.unadjusted_outliers} would, most of them false "
        f"alarms."
    )
    table = Table(title=f"Providers outside the {section.level:.1%} limits")
    for column in ("provider", "observed days", "expected days", "O/E", "limits", "stays"):
        table.add_column(column, justify="left" if column in {"provider", "stays"} else "right")
    for provider in outliers:
        table.add_row(
            provider.provider,
            f"{provider.observed:,.0f}",
            f"{provider.expected:,.1f}",
            f"{provider.ratio:.2f}",
            f"{provider.lower:.2f} – {provider.upper:.2f}",
            "longer" if provider.outlier == "high" else "shorter",
        )
    console.print(table)


def _surgery(section: SurgerySection, console: Console) -> None:
    _heading(console, "3. Cardiac surgery: did any surgeon's mortality change?")
    model = section.model
    intercept, slope = (float(value) for value in model.coefficients)
    console.print(
        f"Risk model fitted on the first two years ({model.n:,} operations, {model.events} deaths "
        f"within 30 days) and then frozen: logit(risk) = {intercept:.3f} + {slope:.4f} × Parsonnet "
        f"score (c-statistic {model.c_statistic:.2f}). Each surgeon's later operations are "
        f"monitored with risk-adjusted CUSUMs (Steiner et al. 2000) for a doubling of the odds of "
        f"death (h = 4.5) and a halving (h = 4). With this case mix the doubling chart raises a "
        f"false alarm once in {section.arl0:,.0f} operations on average."
    )
    table = Table(title="Operations from day 730 on, by surgeon", box=box.SIMPLE_HEAD)
    columns = ("surgeon", "ops", "died", "expected", "VLAD", "worse", "better")
    for column in columns:
        table.add_column(column, justify="right" if column in columns[:5] else "left", no_wrap=True)
    table.add_column("one false alarm in")
    for surgeon in section.surgeons:
        table.add_row(
            str(surgeon.surgeon),
            f"{surgeon.operations:,}",
            str(surgeon.observed),
            f"{surgeon.expected:.1f}",
            f"{surgeon.vlad:+.1f}",
            _days(surgeon.deterioration_signals),
            _days(surgeon.improvement_signals),
            _every(surgeon.false_alarms),
        )
    console.print(table)
    console.print(
        "VLAD: lives saved (+) or lost (−) against the model's expectation. Worse, better: the "
        "day of the operation at which the doubling (h = 4.5) or halving (h = 4) CUSUM crossed "
        "its threshold. False alarms: how often the doubling chart would signal by chance at the "
        "surgeon's own volume."
    )


def _every(sentence: str) -> str:
    """'about one false alarm every 40 years at …' → '40 years'."""
    interval = sentence.partition("false alarm every ")[2].removesuffix(" at this unit's volume")
    return interval or sentence


def _days(days: tuple[int, ...]) -> str:
    return ", ".join(f"day {day:,}" for day in days) if days else "none"


def _switch(section: SwitchSection, console: Console) -> None:
    _heading(console, "4. Arterial switch operations: would a CUSUM have seen the cluster?")
    expected = section.operations * section.expected_risk
    signals = " and ".join(str(n) for n in section.signals)
    where = f"signals at operation{'s' if len(section.signals) > 1 else ''} {signals}"
    rate = section.false_alarms.removesuffix(" at this unit's volume")
    console.print(
        f"{section.operations} operations on newborn babies by one surgeon (de Leval et al. 1994): "
        f"{section.deaths} deaths where {expected:.1f} were expected at a risk of "
        f"{section.expected_risk:.1%}. A Bernoulli CUSUM for a doubling of the odds of death, with "
        f"its threshold designed for one false alarm in 1,000 operations (h = {section.h:.2f}: "
        f"{rate} at this surgeon's volume), {where if signals else 'never signals'}. "
        f"By the end, the VLAD stands at {section.vlad_final:+.1f}: "
        f"{-section.vlad_final:.1f} more deaths than expected."
    )


def _synthetic(section: SyntheticSection, console: Console) -> None:
    _heading(console, "5. The synthetic national dataset: realistic data with known problems")
    how = "generated and imported just now" if section.loaded_now else "already loaded"
    span = (
        f", births from {section.first_birth} to {section.last_birth}"
        if section.first_birth
        else ""
    )
    console.print(
        f"The data directory {section.data_dir} holds ({how}) {section.trusts} trusts, "
        f"{section.sites} sites and {section.units} units{span}. Every table went through the "
        f"same checks as `caresignal import`."
    )
    records = Table(title="Records per table", box=box.SIMPLE_HEAD)
    records.add_column("table")
    records.add_column("records", justify="right")
    for name, count in section.records.items():
        records.add_row(name, f"{count:,}")
    console.print(records)
    rates = Table(title="Birth outcomes beside England's rates", box=box.SIMPLE_HEAD)
    for column in ("outcome", "among", "loaded", "England"):
        rates.add_column(column, justify="left" if column in {"outcome", "among"} else "right")
    for rate in section.rates:
        unit = "‰" if rate.per == 1000 else "%"
        observed = "–" if rate.observed is None else f"{rate.observed:.2f} {unit}"
        rates.add_row(rate.outcome, rate.among, observed, f"{rate.england:.1f} {unit}")
    console.print(rates)
    if section.problems:
        console.print(
            "Hidden in the data (truth.json), for caresignal's monitor to find, and one it must "
            "not flag:"
        )
        for problem in section.problems:
            console.print(
                f"  • [bold]{problem.where}[/] from {problem.start_date}: {problem.description}"
            )

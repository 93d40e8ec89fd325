"""``caresignal study``: the false-alarm and detection-delay study over many synthetic seeds, in
this process or on Spark (docs/replay.md, docs/spark.md)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from caresignal._cli_common import _fail, _print_json, _stdout, _translate_errors
from caresignal.cli_spark import BackendOption, MasterOption, chosen_backend

if TYPE_CHECKING:
    from caresignal.data.synth import Scale
    from caresignal.monitor.study import StudySummary

__all__ = ["study"]


@_translate_errors
def study(
    seeds: Annotated[int, typer.Option("--seeds", min=1, help="How many seeds to study.")] = 5,
    first: Annotated[
        int, typer.Option("--first-seed", min=0, help="The first seed; the others follow it.")
    ] = 1,
    scale: Annotated[
        str, typer.Option("--scale", help="small (3 years, 6 sites), medium, national or huge.")
    ] = "small",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write every seed's result and the summary to this JSON file."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    backend: BackendOption = "local",
    master: MasterOption = None,
) -> None:
    """Generate and replay the synthetic dataset of each seed, and report each method's false
    alarms and detection delays pooled over the seeds (exit 1 when a seed failed)."""
    from caresignal.data.synth import SCALES
    from caresignal.monitor.study import StudySettings, run_study, summarise

    if scale not in SCALES:
        _fail(f"--scale {scale!r} is not a scale", f"choose one of: {', '.join(SCALES)}")
    with chosen_backend(backend, master) as (runner, workers):
        settings = StudySettings(cast("Scale", scale), workers=workers)
        started = time.perf_counter()
        results = run_study(range(first, first + seeds), settings, runner)
        seconds = time.perf_counter() - started
    summary = summarise(results)
    report: dict[str, Any] = {
        "scale": scale,
        "backend": backend,
        "master": master,
        "seconds": round(seconds, 2),
        "summary": summary.to_dict(),
        "seeds": [result.to_dict() for result in results],
    }
    if out is not None:
        out.write_text(json.dumps(report, indent=2, allow_nan=False) + "\n", "utf-8")
    if as_json:
        _print_json({key: value for key, value in report.items() if key != "seeds"})
    else:
        _render(summary, scale, seconds)
        if out is not None:
            _stdout().print(f"Every seed's result: {out}", soft_wrap=True)
    if summary.failed:
        errors = Console(stderr=True, highlight=False)
        for seed, why in summary.failed.items():
            errors.print(f"Seed {seed} failed: {escape(why)}", soft_wrap=True)
        raise typer.Exit(1)


def _render(summary: StudySummary, scale: str, seconds: float) -> None:
    """Two tables: false alarms by method, and each problem's median delay and detection."""
    console = _stdout()
    seeds = f"{summary.seeds} seed{'' if summary.seeds == 1 else 's'}"
    failed = f" ({len(summary.failed)} more failed)" if summary.failed else ""
    console.print(f"{seeds} of the {scale} dataset in {seconds:.1f} s{failed}")
    alarms = Table("method", "false alarms / chart-year", "in control", "design")
    for method, rate in summary.false_alarms_per_chart_year.items():
        pooled = summary.in_control_per_chart_year.get(method)
        design = summary.design.get(method)
        alarms.add_row(method, f"{rate:.4f}", _number(pooled, ".4f"), _number(design, ".2f"))
    console.print(alarms)
    delays = Table("problem", *summary.false_alarms_per_chart_year, title="median delay, days")
    for problem, by_method in summary.median_delay_days.items():
        shares = summary.detected_share[problem]
        delays.add_row(
            problem,
            *(
                f"{_number(by_method.get(m), '.0f')} ({shares.get(m, 0.0):.0%})"
                for m in summary.false_alarms_per_chart_year
            ),
        )
    console.print(delays)
    console.print("In brackets: the share of seeds in which the method detected the problem.")


def _number(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)

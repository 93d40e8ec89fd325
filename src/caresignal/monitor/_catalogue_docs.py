"""The shipped indicators as Markdown, for ``docs/indicators.md`` (kept in step by a test).

Regenerate the section after changing a shipped file::

    python -c "from caresignal.monitor._catalogue_docs import update; update('docs/indicators.md')"
"""

from __future__ import annotations

from pathlib import Path

from caresignal.monitor._catalogue_methods import METHODS
from caresignal.monitor._catalogue_types import Indicator, MethodSpec, ParameterValue
from caresignal.monitor.catalogue import load_catalogue

__all__ = ["END", "START", "generated_section", "indicators_markdown", "methods_markdown", "update"]

START = "<!-- shipped indicators: generated from the catalogue files; do not edit by hand -->"
END = "<!-- end of shipped indicators -->"


def indicators_markdown(indicators: tuple[Indicator, ...]) -> str:
    """One Markdown section per indicator: what it counts, where, and which methods run."""
    lines = ["| id | title | table | level | methods |", "|---|---|---|---|---|"]
    for ind in indicators:
        methods = ", ".join(spec.method for spec in ind.methods)
        lines.append(f"| `{ind.id}` | {ind.title} | {ind.table} | {ind.level} | {methods} |")
    for ind in indicators:
        lines += ["", *_section(ind)]
    return "\n".join(lines) + "\n"


def _section(ind: Indicator) -> list[str]:
    d = ind.definition
    facts = [
        ("file", Path(ind.file).name),
        ("table", f"{ind.table}, dated by `{d.date_column}`, unit column `{ind.unit_column}`"),
        ("unit types", ", ".join(ind.unit_types) or "any"),
        ("period", ind.period),
        ("worse", ind.worse),
        (
            "counts indicator",
            d.counts_indicator and f"`{d.counts_indicator}` ({d.denominator_kind})",
        ),
        (
            "concerns",
            d.categories
            and "share of the unit's concerns a month of HCAT categories "
            + ", ".join(f"`{c}`" for c in d.categories)
            + " (recorded, else suggested)",
        ),
        (
            "bedside measure",
            d.measure
            and f"`{d.measure}` of the ward care audit, from the encounters, observations and "
            "responses tables",
        ),
        ("population", d.population and f"`{d.population}`"),
        ("outcome", d.outcome and f"`{d.outcome}`"),
        ("numerator", d.numerator and f"`{d.numerator}`"),
        ("denominator", d.denominator and f"`{d.denominator}`"),
    ]
    lines = [f"### `{ind.id}`: {ind.title}", "", ind.description, ""]
    lines += [f"- {name}: {value}" for name, value in facts if value]
    if ind.risk_model is not None:
        model = ind.risk_model
        terms = ", ".join(f"`{c}`" for c in model.covariates) or f"`{model.formula}`"
        lines.append(f"- risk model: {terms}; fitted on {model.baseline.describe()}, then frozen")
    if ind.reference is not None:
        ref = ind.reference
        lines.append(f"- reference rate: {ref.scope}, over {ref.baseline.describe()}")
    lines += [f"- method: {_method(spec)}" for spec in ind.methods]
    if any(spec.method.endswith("cusum") for spec in ind.methods):
        targets = ind.false_alarms
        lines.append(
            f"- false alarms: amber once per {targets.amber_years:g} years, "
            f"red once per {targets.red_years:g} years, per unit"
        )
    if ind.note:
        lines += ["", f"Note: {ind.note}"]
    return lines


def _method(spec: MethodSpec) -> str:
    given = ", ".join(f"{k} = {_value(v)}" for k, v in spec.parameters if v is not None)
    return f"`{spec.method}` ({given})" if given else f"`{spec.method}`"


def _value(value: ParameterValue) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def methods_markdown() -> str:
    """Every method and its parameters: name, default and meaning."""
    lines = ["| method | parameter | default | meaning |", "|---|---|---|---|"]
    for method, parameters in METHODS.items():
        for name, parameter in parameters.items():
            default = _value(parameter.default) if parameter.default is not None else "—"
            default = "required" if parameter.required else default
            lines.append(f"| `{method}` | `{name}` | {default} | {parameter.description} |")
    return "\n".join(lines) + "\n"


def generated_section(indicators: tuple[Indicator, ...]) -> str:
    """The generated block, markers included: the methods' parameters, then the indicators."""
    return (
        f"{START}\n\n## Methods and their parameters\n\n{methods_markdown()}\n"
        f"## The shipped indicators\n\n{indicators_markdown(indicators)}\n{END}"
    )


def update(path: str | Path) -> bool:
    """Rewrite the generated block of the page at ``path``; ``True`` if it changed."""
    page = Path(path)
    text = page.read_text("utf-8")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    new = before + generated_section(load_catalogue().indicators) + after
    page.write_text(new, "utf-8")
    return new != text

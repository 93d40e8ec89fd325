"""Demo, part 2: a funnel plot of length of stay, observed over expected, at 54 providers."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from caresignal.data.public import medpar
from caresignal.stats.funnel import funnel

#: The outermost funnel limit: 99.8 %, about three standard errors.
OUTER_LEVEL = 0.998


@dataclass(frozen=True, slots=True)
class ProviderRatio:
    """One provider's observed and expected length of stay and where it sits on the funnel."""

    provider: str
    observed: float
    expected: float
    ratio: float
    lower: float
    upper: float
    outlier: str | None

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class LengthOfStaySection:
    """A funnel of O/E length of stay per provider, with DerSimonian–Laird over-dispersion."""

    providers: tuple[ProviderRatio, ...]
    phi: float
    tau2: float
    unadjusted_outliers: int
    level: float = OUTER_LEVEL

    def outliers(self) -> tuple[ProviderRatio, ...]:
        """Providers outside the over-dispersed 99.8 % limits, highest ratio first."""
        flagged = [p for p in self.providers if p.outlier is not None]
        return tuple(sorted(flagged, key=lambda provider: -provider.ratio))

    def to_dict(self) -> dict[str, Any]:
        """The section as JSON-ready values."""
        return {
            "level": self.level,
            "phi": self.phi,
            "tau2": self.tau2,
            "outliers_without_overdispersion": self.unadjusted_outliers,
            "outliers": [provider.provider for provider in self.outliers()],
            "providers": [provider.to_dict() for provider in self.providers],
        }


def analyse_length_of_stay(frame: pl.DataFrame | None = None) -> LengthOfStaySection:
    """Sum observed and GLM-expected days by provider and draw the over-dispersed funnel."""
    totals = (
        (medpar() if frame is None else frame)
        .group_by("provnum")
        .agg(observed=pl.col("los").sum(), expected=pl.col("prds").sum())
        .sort("provnum")
    )
    observed, expected = totals["observed"], totals["expected"]
    labels = totals["provnum"].to_list()
    adjusted, unadjusted = (
        funnel(
            observed,
            expected,
            kind="ratio",
            method="SHMI",
            overdispersion=overdispersion,
            levels=(0.95, OUTER_LEVEL),
            labels=labels,
        )
        for overdispersion in ("additive", None)
    )
    providers = tuple(
        ProviderRatio(
            provider=label,
            observed=float(adjusted.numerator[i]),
            expected=float(adjusted.denominator[i]),
            ratio=float(adjusted.value[i]),
            lower=float(adjusted.lower[OUTER_LEVEL][i]),
            upper=float(adjusted.upper[OUTER_LEVEL][i]),
            outlier=adjusted.outlier[i],
        )
        for i, label in enumerate(labels)
    )
    return LengthOfStaySection(
        providers=providers,
        phi=adjusted.phi,
        tau2=adjusted.tau2,
        unadjusted_outliers=sum(flag is not None for flag in unadjusted.outlier),
    )

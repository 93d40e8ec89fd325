"""One contract over every public statistics function, discovered automatically.

Each public function of :mod:`caresignal.stats` must be documented in numpydoc (parameters,
returns, references, a doctest), return frozen results whose arrays are read-only, leave its
inputs exactly as they were, and give the same answer when called again. A function added to a
module's ``__all__`` without an entry in ``CALLS`` fails
``test_every_function_has_a_contract_call``, so nothing escapes the contract.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import polars as pl
import pytest

from caresignal.stats.spc import xmr

MODULES = ("spc", "funnel", "cusum", "arl", "riskmodel", "design")
#: Functions whose docstring needs no References section, and why.
NO_REFERENCES = {
    # Turns a number of cases into words; no statistical method to cite.
    "describe_false_alarm_rate",
}

rng = np.random.default_rng(20261123)


def case_mix_of(risk: np.ndarray) -> object:
    from caresignal.stats.design import case_mix

    return case_mix(risk)


RISK = rng.uniform(0.01, 0.3, 60)
OUTCOME = (rng.uniform(size=60) < RISK).astype(np.int64)
VALUES = rng.normal(50, 5, 30)
COUNTS = rng.poisson(20, 30).astype(np.float64)
SIZES = rng.integers(200, 400, 30).astype(np.float64)
#: A chart with its limits fixed on its first 12 points, as ``as_latest`` reads one.
BASELINED = xmr(VALUES, baseline_points=12)
SURGERY = pl.DataFrame({"died": OUTCOME, "score": rng.integers(0, 40, 60)})

#: One representative call per public function: (positional arrays, keyword options).
CALLS: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "anhoej_thresholds": ((np.arange(10, 40),), {}),
    "as_latest": ((BASELINED,), {"shift_points": 6}),
    "c_chart": ((COUNTS,), {"improvement": "decrease"}),
    "p_chart": ((COUNTS, SIZES), {"laney": True}),
    "u_chart": ((COUNTS, SIZES), {"multiplier": 1000.0}),
    "run_chart": ((VALUES,), {}),
    "runs_analysis": ((VALUES,), {}),
    "xmr": ((VALUES,), {"improvement": "increase", "target": 55.0, "rebase_at": [15]}),
    "funnel": ((COUNTS, SIZES / 15), {"kind": "ratio", "overdispersion": "additive"}),
    "bernoulli": ((OUTCOME, RISK), {"odds_ratio": 2.0, "h": 1.5}),
    "poisson": ((COUNTS, np.full(30, 18.0)), {"rate_ratio": 1.5, "h": 3.0}),
    "vlad": ((OUTCOME, RISK), {}),
    "weights": ((OUTCOME, RISK), {"odds_ratio": 0.5}),
    "poisson_weights": ((COUNTS, np.full(30, 18.0)), {"rate_ratio": 1.5}),
    "bernoulli_cusum_arl": ((RISK,), {"odds_ratio": 2.0, "h": 2.0}),
    "bernoulli_cusum_threshold": ((RISK,), {"odds_ratio": 2.0, "arl0": 500.0}),
    "describe_false_alarm_rate": ((5000.0, 300.0), {}),
    "normal_cusum_arl": ((0.5, 4.0), {"sided": "two"}),
    "normal_cusum_threshold": ((0.5, 370.0), {}),
    "poisson_cusum_arl": ((np.full(12, 4.0),), {"rate_ratio": 2.0, "h": 5.0}),
    "poisson_cusum_threshold": ((np.full(12, 4.0),), {"rate_ratio": 2.0, "arl0": 200.0}),
    "c_statistic": ((OUTCOME, RISK), {}),
    "calibration_table": ((OUTCOME, RISK), {"groups": 5}),
    "fit_logistic": ((SURGERY,), {"outcome": "died", "covariates": ["score"]}),
    "case_mix": ((RISK,), {}),
    "expected_mix": ((np.full(12, 4.0),), {}),
    "thresholds": ((case_mix_of(RISK),), {"ratio": 2.0, "arl0": [500.0, 2500.0]}),
}


def _public_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    for name in MODULES:
        module = importlib.import_module(f"caresignal.stats.{name}")
        for attribute in module.__all__:
            value = getattr(module, attribute)
            if inspect.isfunction(value):
                yield attribute, value


def _public_classes() -> Iterator[type]:
    for name in MODULES:
        module = importlib.import_module(f"caresignal.stats.{name}")
        for attribute in module.__all__:
            value = getattr(module, attribute)
            if inspect.isclass(value):
                yield value


FUNCTIONS = dict(_public_functions())


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray | pl.DataFrame):
        return value.clone() if isinstance(value, pl.DataFrame) else value.copy()
    return value


def _arrays_in(result: Any) -> Iterator[np.ndarray]:
    """Every numpy array reachable from a result's fields (nested results and mappings too)."""
    if isinstance(result, np.ndarray):
        yield result
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        for field in dataclasses.fields(result):
            yield from _arrays_in(getattr(result, field.name))
    elif isinstance(result, Mapping | MappingProxyType):
        for item in result.values():
            yield from _arrays_in(item)
    elif isinstance(result, tuple):
        for item in result:
            yield from _arrays_in(item)


def _equal(first: Any, second: Any) -> bool:
    left, right = list(_arrays_in(first)), list(_arrays_in(second))
    if len(left) != len(right):
        return False
    same = all(
        a.shape == b.shape and (np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
        for a, b in zip(left, right, strict=True)
    )
    if not dataclasses.is_dataclass(first):
        return same and (left != [] or first == second)
    return same


def test_every_function_has_a_contract_call() -> None:
    assert set(FUNCTIONS) == set(CALLS)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_docstring_follows_numpydoc(name: str) -> None:
    doc = inspect.getdoc(FUNCTIONS[name]) or ""
    sections = ["Returns", "Examples"]
    if name not in NO_REFERENCES:
        sections.append("References")
    if inspect.signature(FUNCTIONS[name]).parameters:
        sections.append("Parameters")
    for section in sections:
        assert f"{section}\n{'-' * len(section)}" in doc, f"{name} lacks a {section} section"


@pytest.mark.parametrize("cls", list(_public_classes()), ids=lambda cls: cls.__name__)
def test_result_classes_are_frozen_dataclasses(cls: type) -> None:
    assert dataclasses.is_dataclass(cls)
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen, f"{cls.__name__} is not frozen"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_inputs_unchanged_results_read_only_and_repeatable(name: str) -> None:
    args, options = CALLS[name]
    before = [_copy(arg) for arg in args]
    first = FUNCTIONS[name](*args, **options)
    for arg, kept in zip(args, before, strict=True):
        if isinstance(arg, np.ndarray):
            np.testing.assert_array_equal(arg, kept)
        elif isinstance(arg, pl.DataFrame):
            assert arg.equals(kept)
    for array in _arrays_in(first):
        assert not array.flags.writeable, f"{name} returned a writeable array"
    second = FUNCTIONS[name](*args, **options)
    assert _equal(first, second), f"{name} gave a different answer the second time"

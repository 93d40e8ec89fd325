"""The ward care audit in parts (issue 8's speed): a large audit is split into runs of whole
stays, audited on every core and put back together; the result must be the whole audit's, frame
for frame, on the synthetic dataset's bedside tables."""

from __future__ import annotations

import polars as pl
import pytest

from caresignal.data import synth
from caresignal.monitor import wardcare


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    small = synth.generate("small", seed=1)
    return {name: small.tables[name] for name in ("encounters", "observations", "responses")}


def _audit(tables: dict[str, pl.DataFrame]) -> wardcare.WardcareAudit:
    return wardcare.audit(tables["encounters"], tables["observations"], tables["responses"])


@pytest.mark.parametrize("cores", [2, 3, 4])
def test_the_audit_in_parts_is_the_whole_audit(
    tables: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch, cores: int
) -> None:
    whole = _audit(tables)
    monkeypatch.setattr(wardcare, "SPLIT_ROWS", 1_000)
    monkeypatch.setattr(wardcare, "_CORES", cores)
    stays = wardcare._stays_of(
        tables["observations"], tables["encounters"].with_row_index("_stay"), "observations"
    )
    assert len(wardcare._spans(stays)) == cores  # the synthetic rows come grouped by stay
    parts = _audit(tables)
    for name in ("scores", "triggers", "sepsis", "weight", "monthly"):
        assert getattr(parts, name).equals(getattr(whole, name)), name
    episode = parts.triggers.get_column("episode")
    first = parts.triggers.get_column("first_in_episode")
    assert (episode.gather(first.arg_true()) == first.arg_true()).all()


def test_rows_not_grouped_by_stay_are_audited_whole(
    tables: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    shuffled = {
        **tables,
        "observations": tables["observations"].sample(fraction=1.0, shuffle=True, seed=2),
    }
    monkeypatch.setattr(wardcare, "SPLIT_ROWS", 1_000)
    monkeypatch.setattr(wardcare, "_CORES", 2)
    stays = wardcare._stays_of(
        shuffled["observations"], tables["encounters"].with_row_index("_stay"), "observations"
    )
    assert wardcare._spans(stays) == [(0, len(stays))]
    result = _audit(shuffled)
    assert result.triggers.equals(_audit(tables).triggers)

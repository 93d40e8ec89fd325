"""The synthetic concerns' texts: varied, reproducible, and about their recorded category."""

from __future__ import annotations

import polars as pl
import pytest

from caresignal.data import synth
from caresignal.data._synth_texts import CONCERN_CLOSINGS, CONCERN_VAGUE
from caresignal.text.themes import classify


@pytest.fixture(scope="module")
def concerns() -> pl.DataFrame:
    return synth.concerns_table(synth.build_plan(synth.SCALES["small"], 1))


def test_texts_are_reproducible_from_the_seed(concerns: pl.DataFrame) -> None:
    again = synth.concerns_table(synth.build_plan(synth.SCALES["small"], 1))
    assert again.get_column("text").equals(concerns.get_column("text"))
    other = synth.concerns_table(synth.build_plan(synth.SCALES["small"], 2)).get_column("text")
    assert not other.head(100).equals(concerns.get_column("text").head(100))


def test_texts_vary_in_wording_length_and_tone(concerns: pl.DataFrame) -> None:
    text = concerns.get_column("text")
    assert text.n_unique() > 0.8 * text.len()
    lengths = text.str.len_chars()
    assert lengths.min() < 40  # a line
    assert lengths.max() > 250  # a short paragraph
    angry = text.str.contains_any(list(CONCERN_CLOSINGS["angry"])).mean()
    assert 0.15 < angry < 0.35
    vague = text.str.contains_any(list(CONCERN_VAGUE)).mean()
    assert 0.02 < vague < 0.1
    assert not text.str.contains(r"\{|\}").any()  # every slot filled


def test_texts_are_about_their_recorded_category(concerns: pl.DataFrame) -> None:
    """The classifier, blind to the recorded category, agrees on most coded concerns (the rest
    are vague, or about a second thing as much as the first)."""
    coded = concerns.filter(pl.col("category").is_not_null())
    suggested = classify(coded.get_column("text")).category
    agree = (suggested == coded.get_column("category")).fill_null(False).mean()
    assert agree is not None
    assert agree > 0.75

"""HCAT themes of concerns: domain, category and severity from what a person wrote, offline.

The Healthcare Complaints Analysis Tool (HCAT; Reader, Gillespie & Roberts, BMJ Quality & Safety
2014) codes a complaint into three domains and seven categories, each with a severity:

- *clinical*: ``quality``, ``safety``;
- *management*: ``environment``, ``institutional_processes``;
- *relationships*: ``listening``, ``communication``, ``respect_and_patient_rights``.

**Why a lexicon.** The classifier is a transparent weighted lexicon (``hcat_lexicon.toml``):
phrases per category, derived from HCAT's category definitions, and cues per severity level. We
chose it over a learned model because hospital servers have no internet and no GPU, no labelled
set of real concerns is available to train on (and none may leave a trust), and a person must be
able to see *why* a concern was given its theme: every result carries the words that decided it.
A trust extends the lexicon with a file of its own (:func:`load_lexicon`), without code. A person's
recorded category always wins over the suggestion. Its measured accuracy (on a hand-written,
labelled set) is in ``docs/themes.md``.

**How it scores.** Each text is normalised (see :func:`caresignal.text._lexicon.normalise`) and
every phrase of the lexicon is looked for in one Aho-Corasick pass over the whole column
(``polars`` ``str.extract_many``), so it runs at tens of thousands of texts a second. A
category's score is the sum of the weights of its distinct phrases found; the highest score
wins, ties going to the category listed first (quality … respect). Confidence is
``score / (sum of all categories' scores + 1)``: near 1 when the evidence is strong and all of
one category, ½ for a single weak hint, lower when categories compete. Severity is ``high`` when
the high cues' weights reach their threshold (3), else ``medium`` when the medium cues reach
theirs (2), else ``low``. Phrases are negation-free: a phrase that needs a negation carries it
("nobody listened"), so "they listened to us" suggests nothing. A text with no phrase of any
category has no category (``None``), confidence 0.

>>> result = classify(["We told the nurses he was getting worse and nobody listened."])
>>> result[0].domain, result[0].category, result[0].severity
('relationships', 'listening', 'medium')
>>> result[0].words
('nobody listened', 'told the nurse*')
>>> suggest("The toilets were filthy.")
[('management', 'environment', 0.8333)]
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from caresignal.text._lexicon import (
    CATEGORIES,
    DOMAINS,
    SEVERITIES,
    Lexicon,
    LexiconError,
    normalise,
    read_lexicon,
)

__all__ = [
    "CATEGORIES",
    "DOMAINS",
    "SEVERITIES",
    "Lexicon",
    "LexiconError",
    "Theme",
    "ThemeResult",
    "categories_of",
    "classify",
    "load_lexicon",
    "suggest",
]

Texts = Sequence[str | None] | pl.Series


@dataclass(frozen=True, slots=True)
class Theme:
    """The theme of one concern.

    Attributes
    ----------
    domain, category : str or None
        The HCAT domain and category; None when no phrase of any category was found.
    severity : str
        ``high``, ``medium`` or ``low``.
    confidence : float
        From 0 to 1 (1 for a category a person recorded).
    words : tuple of str
        The lexicon's phrases that decided the category, strongest first.
    severity_words : tuple of str
        The cues that decided the severity.
    source : str
        ``recorded`` (a person's category) or ``suggested`` (this classifier's).
    """

    domain: str | None
    category: str | None
    severity: str
    confidence: float
    words: tuple[str, ...]
    severity_words: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True, eq=False)
class ThemeResult:
    """The themes of a column of concerns, one row per text in the order given.

    ``frame`` has columns ``domain``, ``category``, ``severity``, ``confidence``, ``words``,
    ``severity_words`` (lists of str) and ``source``; ``result[i]`` is row ``i`` as a
    :class:`Theme`.
    """

    frame: pl.DataFrame

    def __len__(self) -> int:
        return self.frame.height

    def __getitem__(self, index: int) -> Theme:
        row = self.frame.row(index, named=True)
        return Theme(
            row["domain"],
            row["category"],
            row["severity"],
            float(row["confidence"]),
            tuple(row["words"]),
            tuple(row["severity_words"]),
            row["source"],
        )

    @property
    def category(self) -> pl.Series:
        """Each text's category (null when none)."""
        return self.frame.get_column("category")


@functools.cache
def _shipped() -> Lexicon:
    return read_lexicon()


def load_lexicon(*paths: str | os.PathLike[str]) -> Lexicon:
    """The shipped lexicon, extended by a trust's own files (same shape; later phrases win).

    Raises
    ------
    LexiconError
        A file is not TOML, names an unknown category or level, or gives a weight not above 0.
    """
    return read_lexicon(*paths) if paths else _shipped()


def _scores(texts: pl.Series, lexicon: Lexicon) -> pl.DataFrame:
    """One row per text, label and phrase found: ``row``, ``kind``, ``label``, ``term``,
    ``weight``."""
    found = normalise(texts).str.extract_many(lexicon.patterns, overlapping=True)
    hits = (
        pl.DataFrame(
            {"row": pl.int_range(texts.len(), eager=True, dtype=pl.Int64), "pattern": found}
        )
        .explode("pattern")
        .drop_nulls("pattern")
        .unique(maintain_order=True)
    )
    return hits.join(lexicon.phrases, on="pattern", how="inner").drop("pattern")


def _words(hits: pl.DataFrame, n: int, key: str, labels: pl.Series) -> pl.Series:
    """The terms of each row's chosen label, strongest first (empty lists where none)."""
    chosen = pl.DataFrame({"row": pl.int_range(n, eager=True, dtype=pl.Int64), key: labels})
    words = (
        hits.join(chosen, left_on=["row", "label"], right_on=["row", key], how="inner")
        .sort(["row", "weight", "term"], descending=[False, True, False])
        .group_by("row", maintain_order=True)
        .agg(pl.col("term"))
    )
    joined = chosen.join(words, on="row", how="left").sort("row").get_column("term")
    return joined.fill_null(pl.lit([], dtype=pl.List(pl.String))).rename(key)


def _matrix(hits: pl.DataFrame, n: int, labels: Sequence[str]) -> np.ndarray:
    """Summed weights, one row per text and one column per label."""
    sums = (
        hits.filter(pl.col("label").is_in(list(labels)))
        .group_by("row", "label")
        .agg(pl.col("weight").sum())
    )
    scores = np.zeros((n, len(labels)))
    column = sums.get_column("label").replace_strict({k: i for i, k in enumerate(labels)})
    scores[sums.get_column("row").to_numpy(), column.to_numpy()] = sums.get_column("weight")
    return scores


_SCHEMA: dict[str, pl.DataType] = {
    "domain": pl.String(), "category": pl.String(), "severity": pl.String(),
    "confidence": pl.Float64(), "words": pl.List(pl.String()),
    "severity_words": pl.List(pl.String()), "source": pl.String(),
}  # fmt: skip


def _suggested(texts: pl.Series, lexicon: Lexicon) -> pl.DataFrame:
    n = texts.len()
    if n == 0:
        return pl.DataFrame(schema=_SCHEMA)
    hits = _scores(texts, lexicon)
    scores = _matrix(hits.filter(kind="category"), n, CATEGORIES)
    best = scores.argmax(axis=1)
    top = scores[np.arange(n), best]
    found = top > 0
    category = pl.Series("category", np.array(CATEGORIES, dtype=object)[best]).set(
        pl.Series(~found), None
    )
    levels = _matrix(hits.filter(kind="severity"), n, SEVERITIES[:2])
    high = levels[:, 0] >= lexicon.thresholds["high"]
    medium = levels[:, 1] >= lexicon.thresholds["medium"]
    severity = pl.Series("severity", np.where(high, "high", np.where(medium, "medium", "low")))
    level = severity.replace("low", None)
    return pl.DataFrame(
        {
            "domain": category.replace_strict(dict(DOMAINS), default=None, return_dtype=pl.String),
            "category": category.cast(pl.String),
            "severity": severity,
            "confidence": np.where(found, top / (scores.sum(axis=1) + 1.0), 0.0),
            "words": _words(hits.filter(kind="category"), n, "category", category.cast(pl.String)),
            "severity_words": _words(hits.filter(kind="severity"), n, "severity", level),
            "source": pl.repeat("suggested", n, dtype=pl.String, eager=True),
        }
    )


def classify(
    texts: Texts,
    *,
    recorded: Sequence[str | None] | pl.Series | None = None,
    lexicon: Lexicon | None = None,
) -> ThemeResult:
    """The HCAT theme of each concern's text.

    Parameters
    ----------
    texts : sequence of str or polars.Series
        What each person wrote (a missing text is treated as empty).
    recorded : sequence of str or None, optional
        A category a person recorded for each text (None where none was): it wins over the
        suggestion, with confidence 1 and source ``recorded``; its severity is still suggested.
    lexicon : Lexicon, optional
        The phrases to use (default: the shipped lexicon; see :func:`load_lexicon`).

    Returns
    -------
    ThemeResult
        One row per text, in order.

    Raises
    ------
    ValueError
        ``recorded`` is not as long as ``texts``, or names a category HCAT does not have.
    """
    column = pl.Series("text", texts, dtype=pl.String)
    frame = _suggested(column, lexicon or load_lexicon())
    if recorded is None:
        return ThemeResult(frame)
    people = pl.Series("recorded", recorded, dtype=pl.String)
    if people.len() != column.len():
        raise ValueError(f"recorded: {people.len()} categories for {column.len()} texts")
    unknown = people.drop_nulls().filter(~people.drop_nulls().is_in(list(CATEGORIES)))
    if unknown.len():
        raise ValueError(f"recorded: {unknown[0]!r}: expected one of {', '.join(CATEGORIES)}")
    mask = people.is_not_null()
    frame = frame.with_columns(
        category=pl.when(mask).then(people).otherwise(pl.col("category")),
        domain=pl.when(mask)
        .then(people.replace_strict(dict(DOMAINS), default=None, return_dtype=pl.String))
        .otherwise(pl.col("domain")),
        confidence=pl.when(mask).then(1.0).otherwise(pl.col("confidence")),
        words=pl.when(mask).then(pl.lit([], dtype=pl.List(pl.String))).otherwise(pl.col("words")),
        source=pl.when(mask).then(pl.lit("recorded")).otherwise(pl.col("source")),
    )
    return ThemeResult(frame)


def suggest(text: str, *, lexicon: Lexicon | None = None) -> list[tuple[str, str, float]]:
    """Every category the text suggests, best first: ``(domain, category, confidence)``.

    Confidence is the category's score ÷ (all categories' scores + 1), as in :func:`classify`;
    an empty list when no phrase of any category is found.
    """
    n = 1
    hits = _scores(pl.Series([text], dtype=pl.String), lexicon or load_lexicon())
    scores = _matrix(hits.filter(kind="category"), n, CATEGORIES)[0]
    total = scores.sum() + 1.0
    order = sorted(range(len(CATEGORIES)), key=lambda i: (-scores[i], i))
    return [
        (DOMAINS[CATEGORIES[i]], CATEGORIES[i], round(float(scores[i] / total), 4))
        for i in order
        if scores[i] > 0
    ]


def categories_of(texts: pl.Series, recorded: pl.Series) -> pl.Series:
    """Each concern's category: the recorded one, else the suggested one (null if neither).

    Only the texts without a recorded category are classified, so a column that is mostly
    coded costs little. This is what the monitor's theme series count.
    """
    missing = recorded.is_null()
    if not missing.any():
        return recorded.cast(pl.String).rename("category")
    guessed = classify(texts.filter(missing)).category
    index = pl.int_range(recorded.len(), eager=True).filter(missing)
    return recorded.cast(pl.String).scatter(index, guessed).rename("category")

"""Reading the HCAT lexicon (private; see :mod:`caresignal.text.themes` and ``docs/themes.md``).

The lexicon is data: ``hcat_lexicon.toml`` beside this module, and any files a trust adds with
the same shape. Each phrase is normalised exactly as the texts are, then turned into the literal
pattern that a single Aho-Corasick pass over a whole column looks for: ``" word "`` for a whole
word or phrase, ``" stem"`` for a phrase ending in ``*``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

__all__ = [
    "CATEGORIES",
    "DOMAINS",
    "SEVERITIES",
    "Lexicon",
    "LexiconError",
    "normalise",
    "read_lexicon",
]

#: The HCAT categories, in the order ties are broken, and their domains.
DOMAINS: Mapping[str, str] = {
    "quality": "clinical",
    "safety": "clinical",
    "environment": "management",
    "institutional_processes": "management",
    "listening": "relationships",
    "communication": "relationships",
    "respect_and_patient_rights": "relationships",
}
CATEGORIES = tuple(DOMAINS)
#: Severity levels, most severe first (a concern with no cue is low).
SEVERITIES = ("high", "medium", "low")

_SHIPPED = "hcat_lexicon.toml"
#: Contractions spelt out before matching, so that a lexicon need carry only one form.
_CONTRACTIONS = (
    ("won't", "will not"),
    ("can't", "can not"),
    ("cannot", "can not"),
    ("n't", " not"),
)


class LexiconError(ValueError):
    """A lexicon file is wrong: the message names the file, the key and what was expected."""


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    """The phrases of every category and severity level, ready to match.

    Attributes
    ----------
    phrases : polars.DataFrame
        One row per phrase and label: ``pattern`` (what is searched for in a normalised text),
        ``term`` (the phrase as the file writes it), ``kind`` (``category`` or ``severity``),
        ``label`` (a category, or ``high``/``medium``) and ``weight``.
    thresholds : mapping of str to float
        The score a severity level's cues must reach (``high``, ``medium``).
    files : tuple of str
        The files read, in order.
    """

    phrases: pl.DataFrame
    thresholds: Mapping[str, float]
    files: tuple[str, ...]

    @property
    def patterns(self) -> list[str]:
        """The distinct patterns, in a fixed order."""
        return self.phrases.get_column("pattern").unique(maintain_order=True).to_list()


def normalise(texts: pl.Series) -> pl.Series:
    """Texts as the lexicon's phrases are matched against them, padded with one space each side.

    NFKC Unicode normalisation (full-width letters, ligatures), lower case, curly quotes as
    straight ones, contractions spelt out (``didn't`` as ``did not``), and every run of
    characters other than letters, digits and apostrophes (inside a word) as one space. A
    missing text becomes a blank.
    """
    out = texts.cast(pl.String).fill_null("")
    wide = out.str.contains(r"[^\x00-\x7f]")  # NFKC only where it can change something
    if wide.any():
        out = out.zip_with(~wide, out.str.normalize("NFKC"))
    out = out.str.to_lowercase().str.replace_all(r"[\u2018\u2019\u02bc\u0060\u00b4]", "'")
    out = out.str.replace_many(
        [short for short, _ in _CONTRACTIONS], [full for _, full in _CONTRACTIONS]
    )
    out = out.str.replace_all(r"[^\p{L}\p{N}']+", " ").str.replace_all(r"(^|\s)'+|'+(\s|$)", " ")
    return (" " + out.str.replace_all(r"\s+", " ").str.strip_chars() + " ").rename("text")


def _pattern(phrase: str, where: str) -> str:
    prefix = phrase.endswith("*")
    words = normalise(pl.Series([phrase.rstrip("*")])).item().strip()
    if not words:
        raise LexiconError(f"{where}: phrase {phrase!r}: expected letters or digits")
    return f" {words}" if prefix else f" {words} "


def _weights(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping) or not value:
        raise LexiconError(f"{where}: expected a table of phrases and weights")
    weights: dict[str, float] = {}
    for phrase, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
            raise LexiconError(f"{where}: phrase {phrase!r}: weight {weight!r}: expected above 0")
        weights[str(phrase)] = float(weight)
    return weights


def _rows(document: Mapping[str, Any], name: str) -> tuple[list[dict[str, Any]], dict[str, float]]:
    unknown = set(document) - {"version", "categories", "severity"}
    if unknown:
        raise LexiconError(
            f"{name}: unknown key {sorted(unknown)[0]!r}; expected categories, severity"
        )
    rows: list[dict[str, Any]] = []
    for category, entry in dict(document.get("categories", {})).items():
        where = f"{name}: categories.{category}"
        if category not in DOMAINS:
            raise LexiconError(f"{where}: expected one of {', '.join(CATEGORIES)}")
        if "domain" in entry and entry["domain"] != DOMAINS[category]:
            raise LexiconError(f"{where}.domain: expected {DOMAINS[category]!r}")
        for phrase, weight in _weights(entry.get("phrases"), f"{where}.phrases").items():
            rows.append(
                {"term": phrase, "kind": "category", "label": category, "weight": weight,
                 "pattern": _pattern(phrase, where)}
            )  # fmt: skip
    thresholds: dict[str, float] = {}
    for level, entry in dict(document.get("severity", {})).items():
        where = f"{name}: severity.{level}"
        if level not in SEVERITIES[:2]:
            raise LexiconError(f"{where}: expected high or medium")
        if "threshold" in entry:
            thresholds[level] = float(entry["threshold"])
        for phrase, weight in _weights(entry.get("phrases"), f"{where}.phrases").items():
            rows.append(
                {"term": phrase, "kind": "severity", "label": level, "weight": weight,
                 "pattern": _pattern(phrase, where)}
            )  # fmt: skip
    return rows, thresholds


def read_lexicon(*paths: str | os.PathLike[str]) -> Lexicon:
    """The shipped lexicon, extended by the files ``paths`` in order.

    A later file's phrase for the same label replaces the earlier weight; new phrases are
    added. Raises :class:`LexiconError` for a file that is not TOML or not of the lexicon's shape.
    """
    shipped = resources.files("caresignal.text").joinpath(_SHIPPED).read_text("utf-8")
    sources = [(f"caresignal/text/{_SHIPPED}", shipped)]
    sources += [(str(path), Path(path).read_text("utf-8")) for path in paths]
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    thresholds = {"high": 3.0, "medium": 2.0}
    for name, content in sources:
        try:
            document = tomllib.loads(content)
        except tomllib.TOMLDecodeError as error:
            raise LexiconError(f"{name}: expected a TOML file: {error}") from None
        rows, levels = _rows(document, name)
        thresholds |= levels
        merged |= {(row["kind"], row["label"], row["pattern"]): row for row in rows}
    schema = {"term": pl.String, "kind": pl.String, "label": pl.String, "weight": pl.Float64,
              "pattern": pl.String}  # fmt: skip
    frame = pl.DataFrame(list(merged.values()), schema=schema)
    return Lexicon(frame, thresholds, tuple(name for name, _ in sources))

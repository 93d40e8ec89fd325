"""Paediatric early-warning tables held as data: loading, checking and replacing them.

A user's table is a TOML file in the format docs/wardcare.md describes. Every problem must be
refused with the file, the age band, the parameter and the band named, and what was expected.
The small table below is made up for these tests; its numbers mean nothing clinically.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from caresignal.stats import ews
from caresignal.stats._ews_bands import band_rows
from caresignal.stats.ews import load_pews_table, pews

SMALL = """
title = "test table"
source = "made up for the tests"

[parameters]
respiration_rate = { required = true, resolution = 1 }
consciousness = { required = true, labels = ["A", "V", "P", "U"] }

[[escalation]]
level = "urgent review"
aggregate = 3
single_parameter = 2

[[escalation]]
level = "emergency response"
aggregate = 5

[[age_bands]]
name = "babies"
from_months = 0
to_months = 12
respiration_rate = [
    { to = 19, score = 2 },
    { from = 20, to = 59, score = 0 },
    { from = 60, score = 3 },
]
consciousness = { A = 0, V = 1, P = 2, U = 3 }

[[age_bands]]
name = "children"
from_months = 12
respiration_rate = [
    { to = 14, score = 1 },
    { from = 15, to = 39, score = 0 },
    { from = 40, score = 2 },
]
consciousness = { A = 0, V = 1, P = 2, U = 3 }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "table.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_users_table_replaces_the_default(tmp_path: Path) -> None:
    table = load_pews_table(write(tmp_path, SMALL))
    assert table.band_names == ("babies", "children")
    result = pews(
        [6, 6, 24, 24, 24],
        [19, 20, 14, 40, 40],
        consciousness=["A", "A", "A", "P", "U"],
        carer_concern=None,
        table=table,
    )
    # babies: RR 19 → 2 (a single 2: urgent review); RR 20 → 0. children: RR 14 → 1;
    # RR 40 → 2 with P → 2 (aggregate 4: urgent); RR 40 → 2 with U → 3 (aggregate 5: emergency).
    assert result.aggregate.tolist() == [2, 0, 1, 4, 5]
    assert result.escalation.tolist() == [
        ews.URGENT_REVIEW,
        ews.NO_TRIGGER,
        ews.NO_TRIGGER,
        ews.URGENT_REVIEW,
        ews.EMERGENCY_RESPONSE,
    ]
    assert result.table == "test table"
    assert set(result.scores) == {"respiration_rate", "consciousness"}


def test_a_parameter_the_table_does_not_score_is_refused(tmp_path: Path) -> None:
    table = load_pews_table(write(tmp_path, SMALL))
    with pytest.raises(ValueError, match="heart_rate was given but the table 'test table'"):
        pews([6], [30], consciousness=["A"], heart_rate=[120], carer_concern=None, table=table)


def test_the_default_table_is_shipped_inside_the_package() -> None:
    shipped = Path(ews.__file__).parent / "ews_tables" / "pews.toml"
    assert shipped.is_file()
    assert load_pews_table(shipped).charts[0]["heart_rate"].scores == (4, 2, 1, 0, 1, 2, 4)


BROKEN = [
    (
        ("{ from = 20, to = 59, score = 0 },", "{ from = 21, to = 59, score = 0 },"),
        "age band 'babies', respiration_rate: band 2 (21 to 59) leaves a gap after band 1 (up to "
        "19): values from 20 to 20 have no band; expected it to start at 20",
    ),
    (
        ("{ from = 20, to = 59, score = 0 },", "{ from = 19, to = 59, score = 0 },"),
        "age band 'babies', respiration_rate: band 2 (19 to 59) overlaps band 1 (up to 19); "
        "expected it to start at 20",
    ),
    (
        ("{ from = 60, score = 3 },", "{ from = 60, to = 90, score = 3 },"),
        "the last band ends at 90; expected it to have no upper bound",
    ),
    (
        ("{ to = 19, score = 2 },", "{ from = 5, to = 19, score = 2 },"),
        "the first band starts at 5; expected it to have no lower bound",
    ),
    (
        ("{ from = 60, score = 3 },", "{ from = 60, score = 1.5 },"),
        "band 3 has score 1.5; expected a whole number >= 0",
    ),
    (
        ("from_months = 12\n", "from_months = 13\n"),
        "age band 'babies' ends at to_months = 12 but the next band starts at from_months = 13: "
        "a gap between age bands",
    ),
    (
        ("from_months = 12\n", "from_months = 10\n"),
        "an overlap between age bands",
    ),
    (
        ("to_months = 12\n", "to_months = 0\n"),
        "age band 'babies': to_months 0 is not after from_months 0",
    ),
    (
        ("from_months = 0\n", "from_months = 1\n"),
        "from_months is 1; expected the first band to start at 0 months",
    ),
    (
        (
            'name = "children"\nfrom_months = 12\n',
            'name = "children"\nfrom_months = 12\nto_months = 200\n',
        ),
        "the last age band ends at to_months = 200; expected no to_months",
    ),
    (
        (
            "consciousness = { A = 0, V = 1, P = 2, U = 3 }\n\n[[age_bands]]",
            "consciousness = { A = 0, V = 1, P = 2 }\n\n[[age_bands]]",
        ),
        "age band 'babies', consciousness: no score for 'U'",
    ),
    (
        (
            "consciousness = { A = 0, V = 1, P = 2, U = 3 }\n\n[[age_bands]]",
            "consciousness = { A = 0, V = 1, P = 2, U = 3, C = 3 }\n\n[[age_bands]]",
        ),
        "age band 'babies', consciousness: 'C' is not a category",
    ),
    (
        ("respiration_rate = [\n    { to = 14", "heart_rate = [\n    { to = 14"),
        "age band 'children': respiration_rate missing",
    ),
    (
        ("aggregate = 5", "aggregate = 0"),
        "escalation rule 2: 0 is not a score",
    ),
    (
        ('level = "emergency response"', 'level = "call everybody"'),
        "escalation rule 2: level is 'call everybody'; expected one of",
    ),
    (
        ("resolution = 1", "resolution = 0"),
        "resolution is 0.0; expected a number > 0",
    ),
    (
        ("required = true, resolution", "required = 1, resolution"),
        "required is 1; expected true or false",
    ),
    (
        ('labels = ["A", "V", "P", "U"]', 'labels = ["A", "A"]'),
        "repeat a name",
    ),
    (
        ("[parameters]", "[parameters]\nheight = { required = true, resolution = 1 }"),
        "unknown key height",
    ),
    (
        ('title = "test table"', 'titel = "test table"'),
        "title missing",
    ),
    (
        ("{ to = 19, score = 2 },", "{ to = 19, score = 2, colour = 'red' },"),
        "band 1: unknown key colour",
    ),
    (
        ("aggregate = 3\nsingle_parameter = 2\n", ""),
        "escalation rule 1: expected aggregate, single_parameter or both",
    ),
    (
        ("[[age_bands]]", "[[age_bands"),
        "not valid TOML",
    ),
]


@pytest.mark.parametrize(("change", "message"), BROKEN)
def test_a_broken_table_is_refused_with_where_and_what(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in SMALL
    path = write(tmp_path, SMALL.replace(old, new, 1))
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        load_pews_table(path)
    assert str(raised.value).startswith(str(path))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the table: No such file or directory"):
        load_pews_table(tmp_path / "absent.toml")


def test_bands_resolution_of_one_decimal_place() -> None:
    # Printed at one decimal place, 35.0 and 35.1 are neighbours; 35.2 would leave a gap.
    rows = band_rows("t", [(None, 35.0, 3), (35.1, None, 1)], resolution=0.1)
    assert rows.score(np.array([35.0, 35.05, 35.1])).tolist() == [3, 3, 1]
    with pytest.raises(ValueError, match="leaves a gap"):
        band_rows("t", [(None, 35.0, 3), (35.2, None, 1)], resolution=0.1)


def test_a_value_between_bands_takes_the_higher_score_either_way() -> None:
    rising = band_rows("t", [(None, 10, 0), (11, None, 2)], resolution=1)
    falling = band_rows("t", [(None, 10, 2), (11, None, 0)], resolution=1)
    values = np.array([10.0, 10.5, 10.999, 11.0])
    assert rising.score(values).tolist() == [0, 2, 2, 2]
    assert falling.score(values).tolist() == [2, 2, 2, 0]


def test_the_format_shown_in_docs_wardcare_loads(tmp_path: Path) -> None:
    # docs/wardcare.md shows the table format with the second age band cut short; filled in
    # with the first band's rows, it must be a table that loads.
    docs = Path(__file__).parents[2] / "docs" / "wardcare.md"
    text = docs.read_text(encoding="utf-8")
    example = text.split("### The table format\n\n```toml\n", 1)[1].split("```", 1)[0]
    first_band = example.split("to_months = 12\n", 1)[1].split("\n[[age_bands]]", 1)[0]
    example = example.replace("# ... every parameter again\n", first_band)
    table = load_pews_table(write(tmp_path, example))
    assert table.band_names == ("0-11 months", "1 year and over")
    assert table.rules[0].aggregate == 5

"""``caresignal actions`` and ``caresignal import recommendations``, run in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caresignal.cli import app

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example organisations in the store, an analyst, two owners and two verifiers."""
    monkeypatch.delenv("CARESIGNAL_DATABASE_URL", raising=False)
    directory = tmp_path / "data"
    commands = [
        ["import", "organisations", str(EXAMPLES / "organisations.csv")],
        ["store", "sync", "--by", "loader"],
    ]
    for name, role, scope in (
        ("analyst", "quality_analyst", "RZZ"),
        ("a.shah", None, None),
        ("m.okafor", None, None),
        ("director", "divisional_director", "RZZ01"),
        ("champion", "executive_safety_champion", "RZZ"),
    ):
        commands.append(["user", "add", name, "--email", f"{name}@nhs.net"])
        if role is not None and scope is not None:
            commands.append(["user", "grant", name, role, scope])
    for args in commands:
        result = runner.invoke(app, [*args, "--data-dir", str(directory)])
        assert result.exit_code == 0, result.output
    return directory


def _run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout, result.stderr


def _audit_entries(data_dir: Path) -> int:
    code, out, _ = _run(data_dir, "audit", "verify", "--json")
    assert code == 0
    entries: int = json.loads(out)["entries"]
    return entries


def test_a_file_of_recommendations_is_imported_into_the_store_once(data_dir: Path) -> None:
    example = str(EXAMPLES / "recommendation-actions.csv")
    code, out, _ = _run(data_dir, "import", "recommendations", example, "--by", "analyst")
    assert (code, out) == (0, "3 recommendations added, with 4 actions; 0 already in the store.\n")
    code, out, _ = _run(data_dir, "import", "recommendations", example, "--by", "analyst", "--json")
    assert (code, json.loads(out)) == (
        0, {"status": "unchanged", "added": [], "actions": 0, "unchanged": 3},
    )  # fmt: skip
    code, out, _ = _run(data_dir, "actions", "list", "--owner", "a.shah", "--as-of", "2026-05-01")
    assert (code, out) == (
        0,
        "#1 Add the sepsis screen to the children's triage record (recommendation 1, RZZ): "
        "planned, owner a.shah, due 2026-04-30, overdue\n"
        "#4 Name a contact for each family within 5 working days (recommendation 3, "
        "RZZ01-MAT): planned, owner a.shah, due 2026-06-30\n",
    )
    code, out, _ = _run(
        data_dir, "actions", "list", "--overdue", "--as-of", "2026-06-01", "--organisation",
        "RZZ01", "--json",
    )  # fmt: skip
    assert (code, [a["id"] for a in json.loads(out)]) == (0, [3])
    code, _, err = _run(data_dir, "import", "recommendations", example, "--correction")
    assert (code, "--correction does not apply" in err) == (2, True)


def test_a_bad_file_is_refused_with_every_problem_and_nothing_is_written(
    data_dir: Path, tmp_path: Path
) -> None:
    text = (EXAMPLES / "recommendation-actions.csv").read_text(encoding="utf-8")
    bad = tmp_path / "recs.csv"
    bad.write_text(text.replace("m.okafor", "nobody").replace(",complaint,", ",gossip,"), "utf-8")
    before = _audit_entries(data_dir)
    code, out, err = _run(data_dir, "import", "recommendations", str(bad), "--by", "analyst")
    assert code == 2
    assert err.splitlines()[:3] == [
        'recs.csv, row 3: owner is "nobody"; expected the name of a user in the store '
        "(`caresignal user add`)",
        'recs.csv, row 4: owner is "nobody"; expected the name of a user in the store '
        "(`caresignal user add`)",
        'recs.csv, row 5: source is "gossip"; expected one of: signal_review, inspection, '
        "prevention_of_future_deaths, independent_investigation, internal_review, complaint",
    ]
    assert "Error: recs.csv was not imported: 3 problems in 3 rows" in err
    assert "Hint: Nothing was loaded." in err
    code, out, _ = _run(
        data_dir, "import", "recommendations", str(bad), "--by", "analyst", "--json"
    )
    assert (code, json.loads(out)["status"], json.loads(out)["total"]) == (2, "rejected", 3)
    assert _audit_entries(data_dir) == before
    assert _run(data_dir, "actions", "list")[1] == "No actions.\n"


def test_the_data_directory_table_of_recommendations_still_imports_there(data_dir: Path) -> None:
    code, out, _ = _run(
        data_dir, "import", "recommendations", str(EXAMPLES / "recommendations.csv")
    )
    assert code == 0, out
    code, out, _ = _run(data_dir, "history", "recommendations", "--json")
    assert (code, [batch["rows"] for batch in json.loads(out)]) == (0, [3])


def test_a_recommendation_is_planned_done_verified_and_closed(data_dir: Path) -> None:
    code, out, _ = _run(
        data_dir, "actions", "recommend", "--organisation", "RZZ01-MAT", "--reference", "REV-1",
        "--source", "internal review", "--title", "Review every term stillbirth",
        "--received-on", "2026-09-01", "--by", "analyst",
    )  # fmt: skip
    assert (code, out) == (0, "Added recommendation 1: RZZ01-MAT REV-1.\n")
    for title, owner in (("Weekly review meeting", "a.shah"), ("Family contact", "m.okafor")):
        code, out, err = _run(
            data_dir, "actions", "add", "1", "--title", title, "--owner", owner,
            "--due-on", "2026-10-30", "--by", "analyst",
        )  # fmt: skip
        assert code == 0, err
    assert _run(data_dir, "actions", "start", "1", "--by", "a.shah", "--if-version", "1")[0] == 0
    code, _, err = _run(data_dir, "actions", "start", "1", "--by", "a.shah", "--if-version", "1")
    assert (code, "changed by someone else" in err) == (2, True)
    code, _, err = _run(data_dir, "actions", "done", "1", "--by", "a.shah")
    assert code == 2  # --evidence is required
    code, out, _ = _run(
        data_dir, "actions", "done", "1", "--by", "a.shah", "--evidence", "minutes 2026-10-02",
        "--evidence", "attendance list", "--json",
    )  # fmt: skip
    assert (code, json.loads(out)["status"], json.loads(out)["done_by"]) == (0, "done", "a.shah")
    code, _, err = _run(data_dir, "actions", "verify", "1", "--by", "a.shah")
    assert (code, "a.shah marked this action done, so cannot also verify it" in err) == (2, True)
    code, _, err = _run(data_dir, "actions", "verify", "1", "--by", "m.okafor")
    assert code == 2
    assert "m.okafor may not mark it verified" in err
    assert "Hint:" in err
    code, out, _ = _run(
        data_dir, "actions", "reopen", "1", "--by", "director", "--reason", "no attendance list"
    )
    assert (code, ": in_progress, owner a.shah" in out) == (0, True)
    _run(data_dir, "actions", "done", "1", "--by", "a.shah", "--evidence", "attendance list")
    assert _run(data_dir, "actions", "verify", "1", "--by", "director")[0] == 0
    code, _, err = _run(data_dir, "actions", "close-recommendation", "1", "--by", "director",
                        "--reason", " ")  # fmt: skip
    assert (code, "needs a written reason" in err) == (2, True)
    code, out, _ = _run(data_dir, "actions", "close-recommendation", "1", "--by", "director",
                        "--reason", "family contact moved to the bereavement team")  # fmt: skip
    assert code == 0
    assert out.endswith("with 1 of 2 actions not verified.\n")
    code, out, _ = _run(data_dir, "actions", "show", "1", "--as-of", "2026-11-23")
    assert code == 0
    assert "Closed without all actions verified." in out
    assert "Evidence: attendance list." in out
    assert "Verified by director on" in out
    assert "Closed by director: family contact moved to the bereavement team" in out
    report = json.loads(_run(data_dir, "actions", "show", "1", "--json")[1])
    assert (report["closed_without_verification"], report["source"]) == (True, "internal_review")
    assert [a["status"] for a in report["actions"]] == ["verified", "planned"]
    code, _, err = _run(data_dir, "actions", "show", "7")
    assert (code, "no recommendation 7" in err) == (2, True)
    code, _, err = _run(data_dir, "actions", "add", "1", "--title", "x", "--owner", "a.shah",
                        "--due-on", "31/12/2026", "--by", "analyst")  # fmt: skip
    assert (code, "--due-on '31/12/2026' is not a date" in err) == (2, True)
    assert _run(data_dir, "audit", "verify")[0] == 0

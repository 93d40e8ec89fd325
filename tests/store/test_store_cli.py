"""The store's commands, run in process: store sync, user add, user grant, audit verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from caresignal.cli import app

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "organisations.csv"
runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory with the example organisations imported and copied into the store."""
    monkeypatch.delenv("CARESIGNAL_DATABASE_URL", raising=False)
    directory = tmp_path / "data"
    for args in (
        ["import", "organisations", str(EXAMPLE), "--data-dir", str(directory)],
        ["store", "sync", "--data-dir", str(directory), "--by", "loader"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    return directory


def _run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout, result.stderr


def test_add_grant_and_verify(data_dir: Path) -> None:
    code, out, _ = _run(data_dir, "store", "sync", "--json")
    assert (code, json.loads(out)) == (0, {"added": [], "changed": [], "unchanged": 9})
    assert _run(data_dir, "user", "add", "a.shah", "--email", "a.shah@nhs.net")[:2] == (
        0,
        "Added user a.shah <a.shah@nhs.net>.\n",
    )
    code, out, _ = _run(data_dir, "user", "grant", "a.shah", "divisional-director", "RZZ01")
    assert (code, out) == (0, "a.shah now holds the role divisional_director in RZZ01.\n")
    code, out, _ = _run(data_dir, "user", "grant", "a.shah", "regulator", "South East", "--json")
    assert (code, json.loads(out)["grant"]["region"]) == (0, "South East")
    code, out, _ = _run(data_dir, "audit", "verify", "--json")
    report = json.loads(out)
    assert (code, report["intact"], report["entries"], report["first_bad"]) == (0, True, 12, None)
    code, out, _ = _run(data_dir, "user", "list")
    assert (code, out) == (
        0,
        "a.shah <a.shah@nhs.net>: divisional_director in RZZ01, regulator in South East\n",
    )
    code, out, _ = _run(data_dir, "user", "revoke", "a.shah", "regulator", "South East")
    assert (code, out) == (0, "a.shah no longer holds the role regulator in South East.\n")
    assert json.loads(_run(data_dir, "user", "list", "--json")[1])[0]["roles"] == [
        {"id": 1, "user": "a.shah", "role": "divisional_director", "organisation": "RZZ01",
         "region": None}
    ]  # fmt: skip
    assert json.loads(_run(data_dir, "audit", "verify", "--json")[1])["entries"] == 13


@pytest.mark.parametrize(
    ("args", "error", "hint"),
    [
        (["nobody", "unit_lead", "RZZ"], "there is no user called 'nobody'", "caresignal user add"),
        (["a.shah", "chief", "RZZ"], "there is no role called 'chief'", "unit_lead"),
        (["a.shah", "unit_lead", "XYZ"], "there is no organisation with code 'XYZ'", "store sync"),
        (["a.shah", "regulator", "North"], "there is no region called 'North'", "South East"),
    ],
)
def test_unknown_names_are_one_line_with_a_hint(
    data_dir: Path, args: list[str], error: str, hint: str
) -> None:
    _run(data_dir, "user", "add", "a.shah", "--email", "a.shah@nhs.net")
    code, _, err = _run(data_dir, "user", "grant", *args)
    assert code == 2
    assert f"Error: {error}" in err
    assert "Hint:" in err
    assert hint in err
    assert "Traceback" not in err
    assert json.loads(_run(data_dir, "audit", "verify", "--json")[1])["entries"] == 10


def test_verify_exits_1_and_names_the_first_bad_entry(data_dir: Path) -> None:
    engine = create_engine(f"sqlite:///{data_dir / 'caresignal.db'}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET actor = 'someone' WHERE seq = 4"))
    engine.dispose()
    code, out, _ = _run(data_dir, "audit", "verify")
    assert code == 1
    assert out == (
        "The audit log is broken at entry 4: entry 4 has been edited: its content no longer "
        "matches its hash.\n"
    )
    code, out, _ = _run(data_dir, "audit", "verify", "--json")
    assert (code, json.loads(out)["first_bad"]["seq"]) == (1, 4)


def test_store_sync_needs_imported_data(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path / "empty", "store", "sync")
    assert code == 2
    assert "holds no imported data" in err


def test_an_unreachable_database_is_one_line_with_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARESIGNAL_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    code, _, err = _run(tmp_path, "audit", "verify")
    assert code == 2
    assert "Error: the database refused" in err
    assert "Hint: check CARESIGNAL_DATABASE_URL" in err


def test_other_databases_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARESIGNAL_DATABASE_URL", "mysql://root@localhost/cs")
    code, _, err = _run(tmp_path, "user", "add", "x", "--email", "x@nhs.net")
    assert code == 2
    assert "cannot store its data in 'mysql' databases" in err


def test_a_password_is_set_from_standard_input(data_dir: Path) -> None:
    _run(data_dir, "user", "add", "a.shah", "--email", "a.shah@nhs.net")
    result = runner.invoke(
        app,
        ["user", "password", "a.shah", "--password-stdin", "--data-dir", str(data_dir)],
        input="a long pass phrase\n",
    )
    assert (result.exit_code, result.stdout) == (0, "a.shah can now sign in to the web app.\n")
    result = runner.invoke(
        app,
        ["user", "password", "a.shah", "--password-stdin", "--data-dir", str(data_dir)],
        input="short\n",
    )
    assert result.exit_code == 2
    assert "at least 12 characters" in result.stderr

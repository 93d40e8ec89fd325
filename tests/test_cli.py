"""The command line, run in process with typer's runner (docs/cli.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from caresignal import __version__
from caresignal.cli import app

runner = CliRunner()


def _command_paths() -> list[list[str]]:
    """Every command of the command line, as the words that run it."""
    group = typer.main.get_group(app)

    def paths(command: object, prefix: list[str]) -> list[list[str]]:
        children = getattr(command, "commands", None)
        if not children:
            return [prefix]
        return [p for name, child in children.items() for p in paths(child, [*prefix, name])]

    return paths(group, [])


def test_every_command_has_help() -> None:
    commands = _command_paths()
    assert ["signals", "close"] in commands
    assert ["escalate"] in commands
    for args in [[], *commands]:
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "Usage:" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_datasets_list_as_json_names_the_four_real_datasets() -> None:
    result = runner.invoke(app, ["datasets", "list", "--json"])
    assert result.exit_code == 0
    rows = {row["name"]: row["rows"] for row in json.loads(result.stdout)}
    # Row counts from ../shared/data/MANIFEST.md.
    assert rows == {
        "ae_attendances": 12765,
        "medpar": 1495,
        "cardiac_surgery": 5595,
        "deleval": 104,
    }


def test_unknown_dataset_is_one_line_with_a_hint_and_exit_code_2() -> None:
    result = runner.invoke(app, ["datasets", "show", "nosuch"])
    assert result.exit_code == 2
    assert "Error: there is no bundled dataset called 'nosuch'" in result.stderr
    assert "Hint: choose one of: ae_attendances" in result.stderr
    assert "Traceback" not in result.output


def test_bad_option_value_is_a_usage_error() -> None:
    result = runner.invoke(app, ["datasets", "show", "deleval", "--rows", "0"])
    assert result.exit_code == 2


def test_datasets_show_csv_writes_every_row() -> None:
    result = runner.invoke(app, ["datasets", "show", "deleval", "--csv"])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "patient,death,nearmiss"
    assert len(lines) == 1 + 104


def test_every_command_is_documented_in_docs_cli() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    for words in _command_paths():
        path = " ".join(["caresignal", *words])
        assert f"`{path}" in docs, f"docs/cli.md does not describe `{path}`"

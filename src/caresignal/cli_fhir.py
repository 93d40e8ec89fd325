"""``caresignal import fhir FILE``: stays, bedside observations and responses from a FHIR file
(docs/fhir.md). Thin: reads and loads through :func:`caresignal.data.fhir.import_fhir`."""

from __future__ import annotations

import getpass
from pathlib import Path

from caresignal._cli_common import _print_json, _settings, _stdout
from caresignal.errors import CaresignalError

__all__ = ["import_fhir_file"]


def import_fhir_file(
    files: list[Path], *, data_dir: Path | None, by: str | None, as_json: bool
) -> None:
    """Load one FHIR Bundle or NDJSON file into the data directory, all or nothing.

    Prints what was loaded per table and every resource, code and status that was not used.
    An :class:`~caresignal.errors.ImportRejectedError` is left to the caller to show.
    """
    from caresignal.clock import SystemClock
    from caresignal.data.dataset import Dataset
    from caresignal.data.fhir import import_fhir

    if len(files) != 1:
        raise CaresignalError("import fhir takes one file", hint="import each file in turn")
    dataset = Dataset(_settings(data_dir).data_dir)
    outcome = import_fhir(
        dataset, files[0], clock=SystemClock(), imported_by=by or getpass.getuser()
    )
    added = any(result.added for result in outcome.results)
    if as_json:
        _print_json(
            {
                "status": "loaded" if added else "already_loaded",
                "batches": [result.batch.to_dict() for result in outcome.results],
                "report": outcome.report.to_dict(),
            }
        )
        return
    console = _stdout()
    for result in outcome.results:
        text = result.describe()
        console.print(text[:1].upper() + text[1:] + ".", soft_wrap=True)
    for line in outcome.report.lines():
        console.print(f"  {line}", soft_wrap=True, markup=False)

"""The README's Python example runs and prints what it says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def test_python_example_runs_and_its_comments_are_true() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "the README has no Python example"
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        for block in blocks:
            exec(compile(block, str(README), "exec"), {})
    lines = output.getvalue().splitlines()
    assert lines[0] == "[1455]"
    assert lines[1] == "about one false alarm every 150 years at this unit's volume"

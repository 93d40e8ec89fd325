"""More of what the web tests share: reading a page's tables, forms and links with the standard
library's HTML parser, posting to the API with the session's CSRF token, and recommendations with
actions to track (imported by name: pytest puts this directory on the path)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session, sessionmaker
from web_helpers import CLOCK, csrf_of

from caresignal.domain.actions import RecommendationSource
from caresignal.workflow import actions


@dataclass
class Table:
    """A table: its caption, its column headers and the text of each cell, row by row."""

    caption: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Form:
    """A form: where it posts, and its fields with their values (a textarea's or select's
    name with ``""``)."""

    action: str
    fields: dict[str, str] = field(default_factory=dict)


class Page(HTMLParser):
    """A page read as a person would: its text, tables, forms, links and the labels of its
    inputs (by the input's id)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tables: list[Table] = []
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.labels: dict[str, str] = {}
        self.ids: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._caption: list[str] | None = None
        self._header = False
        self._label: list[str] | None = None
        self._label_for = ""
        self.feed(html)
        self.close()

    @property
    def text(self) -> str:
        """The page's words, with spaces made single."""
        return " ".join("".join(self.parts).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if tag in {"br", "p", "div", "li", "td", "th", "dt", "dd", "h1", "h2", "h3"}:
            self.handle_data(" ")  # where a browser breaks the line or the cell
        if "id" in named and tag in {"input", "textarea", "select"}:
            self.ids.append(named["id"])
        if tag == "table":
            self.tables.append(Table())
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in {"td", "th"}:
            self._cell, self._header = [], tag == "th" and named.get("scope") == "col"
        elif tag == "form":
            self.forms.append(Form(named.get("action", "")))
        elif tag in {"input", "textarea", "select"} and self.forms and "name" in named:
            self.forms[-1].fields[named["name"]] = named.get("value", "")
        elif tag == "a" and "href" in named:
            self.links.append(named["href"])
        elif tag == "label":
            self._label, self._label_for = [], named.get("for", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.tables[-1].caption = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in {"td", "th"} and self._cell is not None and self._row is not None:
            text = " ".join("".join(self._cell).split())
            if self._header:
                self.tables[-1].headers.append(text)
            else:
                self._row.append(text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[-1].rows.append(self._row)
            self._row = None
        elif tag == "label" and self._label is not None:
            self.labels[self._label_for] = " ".join("".join(self._label).split())
            self._label = None

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        for collecting in (self._cell, self._caption, self._label):
            if collecting is not None:
                collecting.append(data)

    def table(self, caption_starts: str) -> Table:
        """The table whose caption starts with ``caption_starts``."""
        found = [t for t in self.tables if t.caption.startswith(caption_starts)]
        assert len(found) == 1, [t.caption for t in self.tables]
        return found[0]

    def form(self, action: str) -> Form:
        """The form that posts to ``action``."""
        found = [f for f in self.forms if f.action == action]
        assert len(found) == 1, [f.action for f in self.forms]
        return found[0]

    def actions(self) -> set[str]:
        """Where the page's forms post (signing out aside)."""
        return {f.action for f in self.forms} - {"/logout"}


def read(client: TestClient, path: str, status: int = 200) -> Page:
    """The page at ``path``, checked to answer ``status``, with every input labelled and every
    table captioned with column headers."""
    response = client.get(path)
    assert response.status_code == status, response.text
    page = Page(response.text)
    for input_id in page.ids:
        assert page.labels.get(input_id), f"input {input_id} has no label"
    for table in page.tables:
        assert table.caption, table
        assert table.headers, table
    assert "style=" not in response.text
    assert "<script>" not in response.text
    return page


def post(client: TestClient, path: str, body: dict[str, Any]) -> Response:
    """POST ``body`` as JSON with the session's CSRF token."""
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf_of(client)})


def submit(client: TestClient, path: str, fields: dict[str, str]) -> Response:
    """Submit a form as a browser does (with the session's CSRF token), without following the
    redirect."""
    data = {**fields, "csrf_token": csrf_of(client)}
    return client.post(path, data=data, follow_redirects=False)


def recommendation(
    sessions: sessionmaker[Session],
    organisation: str = "RZZ01-MAT",
    owners: tuple[tuple[str, date], ...] = (("lead", date(2026, 12, 18)),),
    *,
    reference: str = "CQC-2026-014",
    episode_id: int | None = None,
    by: str = "admin",
) -> tuple[int, list[int]]:
    """A recommendation to ``organisation`` received on 2 November 2026, added by ``by``, with
    one planned action per (owner, due date); its id and its actions' ids."""
    made = actions.add_recommendation(
        sessions, organisation, reference, RecommendationSource.INSPECTION,
        "Escalate abnormal fetal heart rates", received_on=date(2026, 11, 2),
        episode_id=episode_id, actor=by, clock=CLOCK,
    )  # fmt: skip
    added = [
        actions.add_action(
            sessions, made.id, f"Action {number}", owner, due, actor=by, clock=CLOCK
        ).id
        for number, (owner, due) in enumerate(owners, start=1)
    ]
    return made.id, added

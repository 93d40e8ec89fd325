"""The board pack as a document: HTML from a Jinja2 template, and a PDF printed from that same
HTML by WeasyPrint, A4 with page numbers and a contents page (docs/board-pack.md).

The HTML stands alone: its style sheet is inside it and each chart is an SVG image in a
``data:`` URL, so the file can be mailed or opened without the server, and printing it needs no
network. Fonts are the system's (Arial, else Liberation Sans, its metric twin, else DejaVu Sans).
"""

from __future__ import annotations

import base64
from importlib import resources

import jinja2
from markupsafe import Markup

from caresignal.reports.model import BoardPack

__all__ = ["render_html", "render_pdf"]

_TEMPLATES = resources.files("caresignal.reports") / "templates"


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("caresignal.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["svg_url"] = _svg_url
    environment.filters["day"] = _day
    environment.filters["number"] = _number
    return environment


def _svg_url(svg: str) -> str:
    """An SVG document as a ``data:`` URL for an ``<img>``: each drawing keeps its own ids and
    styles, and no script in it could run."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _day(value: object) -> str:
    """A day as a board paper writes it: "3 November 2026" (a dash when there is none)."""
    if value is None:
        return "–"
    day = getattr(value, "day", None)
    return f"{day} {value:%B %Y}" if day is not None else str(value)


def _number(value: float | None) -> str:
    """A count or an expected count: whole numbers as such, others to one decimal place."""
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def render_html(pack: BoardPack) -> str:
    """The pack as one HTML document, with its print style sheet inside it."""
    style = (_TEMPLATES / "board_pack.css").read_text(encoding="utf-8")
    template = _environment().get_template("board_pack.html")
    return template.render(pack=pack, style=Markup(style))  # our own style sheet


def render_pdf(pack: BoardPack) -> bytes:
    """The pack as a PDF: the same HTML, printed on A4 by WeasyPrint."""
    import weasyprint  # imported here: pango and cairo load only when a PDF is asked for

    document = weasyprint.HTML(string=render_html(pack), base_url=None)
    pdf: bytes = document.write_pdf()
    return pdf

"""The board pack of a trust for a month, downloaded from its board page as a PDF or as HTML
(docs/board-pack.md, docs/web.md).

Whoever may read the trust's board view may download its pack; another trust's pack is "not
found". Both formats come as attachments (the HTML carries its own style sheet, which the site's
content security policy would refuse inside a page). The JSON twin is the pack's model: every
number and sentence in it, with each chart's title and text alternative but not its drawing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from caresignal.reports.board import board_pack, parse_month
from caresignal.reports.model import BoardPack
from caresignal.reports.render import render_html, render_pdf
from caresignal.web.deps import CurrentViewer, State
from caresignal.workflow import tracker

__all__ = ["router"]

router = APIRouter()

_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def _pack(state: State, viewer: CurrentViewer, trust: str, month: str) -> BoardPack:
    tracker.board_trust(state.sessions, viewer.name, trust)  # not found unless readable
    first = parse_month(month)
    return board_pack(
        state.sessions, trust, first, data_dir=state.settings.data_dir, clock=state.clock,
        rules=state.rules,
    )  # fmt: skip


def _document(pack: BoardPack, kind: str) -> bytes:
    return render_pdf(pack) if kind == "pdf" else render_html(pack).encode("utf-8")


@router.get("/boards/{trust}/pack", include_in_schema=False)
async def board_pack_download(
    state: State,
    viewer: CurrentViewer,
    trust: str,
    month: str,
    format: Literal["pdf", "html"] = "pdf",  # the query parameter's name
) -> Response:
    """The trust's board pack for ``month`` (YYYY-MM), as a PDF or HTML file to save."""
    pack = await run_in_threadpool(_pack, state, viewer, trust, month)
    body = await run_in_threadpool(_document, pack, format)
    name = f"board-pack-{pack.trust}-{pack.month:%Y-%m}.{format}"
    return Response(
        body,
        media_type=_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/api/v1/boards/{trust}/pack", tags=["boards"])
async def board_pack_data(
    state: State, viewer: CurrentViewer, trust: str, month: str
) -> dict[str, Any]:
    """The numbers and sentences of the trust's board pack for ``month`` (YYYY-MM): the summary,
    each open signal with its findings, charts' titles and actions, and the actions overdue."""
    pack = await run_in_threadpool(_pack, state, viewer, trust, month)
    data = asdict(pack)
    for page in data["pages"]:
        for chart in page["charts"]:
            del chart["svg"]
    data["month"] = f"{pack.month:%Y-%m}"
    encoded: dict[str, Any] = jsonable_encoder(data)
    return encoded

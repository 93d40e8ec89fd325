"""The board pack downloaded from the board page: a PDF or HTML attachment for whoever may read
the trust's board, "not found" for anyone else, a clear refusal of a month that is not one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web_helpers import Site, open_site
from web_more_helpers import read


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with open_site(database_url) as made:
        yield made


def test_the_pack_downloads_as_a_pdf_and_as_html(site: Site) -> None:
    analyst = site.signed_in("analyst")  # reads the board, records nothing
    pdf = analyst.get("/boards/RZZ/pack?month=2026-11&format=pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        'attachment; filename="board-pack-RZZ-2026-11.pdf"'
    )
    assert pdf.content.startswith(b"%PDF-")
    html = analyst.get("/boards/RZZ/pack?month=2026-10&format=html")
    assert html.status_code == 200
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["content-disposition"].endswith('filename="board-pack-RZZ-2026-10.html"')
    assert "Org RZZ" in html.text
    assert "October 2026" in html.text
    assert analyst.get("/boards/RZZ/pack?month=2026-11").headers["content-type"] == (
        "application/pdf"
    )


def test_the_board_page_links_to_the_packs(site: Site) -> None:
    page = read(site.signed_in("member"), "/boards/RZZ")
    assert "/boards/RZZ/pack?month=2026-11&format=pdf" in page.links
    assert "/boards/RZZ/pack?month=2026-06&format=html" in page.links
    assert page.table("Download the board pack of a month").headers == ["Month", "PDF", "HTML"]


def test_another_trusts_pack_is_not_found_and_a_bad_month_is_refused(site: Site) -> None:
    outsider = site.signed_in("outsider")
    for path in ("/boards/RZZ/pack?month=2026-11", "/boards/NOPE/pack?month=2026-11"):
        response = outsider.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "content-disposition" not in response.headers
    champion = site.signed_in("champion")
    bad = champion.get("/boards/RZZ/pack?month=2026-13")
    assert bad.status_code == 400
    assert "is not a month" in bad.text
    assert champion.get("/boards/RZZ/pack?month=2026-12").status_code == 400  # not begun
    assert champion.get("/boards/RZZ/pack?month=2026-11&format=docx").status_code == 422


def test_the_json_twin_has_the_packs_numbers(site: Site) -> None:
    data = site.signed_in("champion").get("/api/v1/boards/RZZ/pack?month=2026-11").json()
    assert (data["trust"], data["month"], data["as_of"]) == ("RZZ", "2026-11", "2026-11-23")
    assert data["summary"]["open"] == len(data["problems"]) == len(data["pages"]) == 2
    assert data["summary"]["new"] == 2  # both RZZ signals opened on 23 November
    assert site.signed_in("outsider").get("/api/v1/boards/RZZ/pack?month=2026-11").status_code == (
        404
    )

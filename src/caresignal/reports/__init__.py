"""The board pack: a trust's monthly integrated safety report, as HTML and as a PDF printed from
the same HTML (docs/board-pack.md).

:func:`caresignal.reports.board.board_pack` builds the report model, plain frozen data, from the
store and the data directory; :mod:`caresignal.reports.render` turns it into the document.
"""

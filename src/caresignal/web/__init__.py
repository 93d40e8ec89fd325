"""The web app: server-rendered pages for each role, each with a JSON twin under ``/api/v1``
(docs/web.md). Build it with :func:`caresignal.web.app.create_app`."""

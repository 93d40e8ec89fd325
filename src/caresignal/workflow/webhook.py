"""The paging webhook: a Martha's Rule call POSTed as JSON to the URL the settings name, signed
with HMAC-SHA256 so that the paging system can tell it came from caresignal (docs/concerns.md,
"Martha's Rule"; docs/settings.md).

The signature is ``sha256=`` followed by the hex HMAC-SHA256 of the exact bytes of the body,
keyed with ``CARESIGNAL_URGENT_WEBHOOK_SECRET``, in the ``X-Caresignal-Signature`` header. The
body carries the time it was written (``at``) and its message's reference, so a receiver can
refuse an old or repeated message. Any answer but 2xx, or no answer, is a failed attempt,
retried by the outbox.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.request

from caresignal.errors import CaresignalError
from caresignal.settings import Settings

__all__ = ["SIGNATURE_HEADER", "WebhookSender", "sign", "webhook_from"]

SIGNATURE_HEADER = "X-Caresignal-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookSender:
    """POSTs one JSON body to the webhook; raises ``OSError`` (``urllib.error.URLError``,
    ``HTTPError``) when the target does not take it."""

    def __init__(self, url: str, secret: str, timeout: float = 10.0) -> None:
        if not url.startswith(("https://", "http://")):
            raise CaresignalError(
                f"the urgent review webhook {url!r} is not an http(s) address",
                hint="set CARESIGNAL_URGENT_WEBHOOK_URL to the paging system's https:// address",
            )
        self._url, self._secret, self._timeout = url, secret, timeout

    def __call__(self, body: str) -> None:
        """Send ``body`` (JSON text), signed."""
        data = body.encode("utf-8")
        request = urllib.request.Request(
            self._url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(self._secret, data),
                "User-Agent": "caresignal",
            },
        )
        with urllib.request.urlopen(request, timeout=self._timeout) as answer:
            answer.read()


def webhook_from(settings: Settings) -> WebhookSender | None:
    """The webhook the settings describe, or None when no URL is set; a URL without a secret is
    refused (there is no default secret)."""
    if not settings.urgent_webhook_url:
        return None
    if (
        settings.urgent_webhook_secret is None
        or not settings.urgent_webhook_secret.get_secret_value()
    ):
        raise CaresignalError(
            "CARESIGNAL_URGENT_WEBHOOK_URL is set without CARESIGNAL_URGENT_WEBHOOK_SECRET",
            hint="set a long random shared secret, and give the paging system the same one",
        )
    return WebhookSender(
        settings.urgent_webhook_url, settings.urgent_webhook_secret.get_secret_value()
    )

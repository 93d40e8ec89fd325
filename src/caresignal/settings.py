"""caresignal's settings: one typed object, read from ``CARESIGNAL_*`` environment variables.

A :class:`Settings` is built once at the edge (the command line, later the web app) and passed in
to whatever needs it; nothing imports a global instance. Every setting is declared here once,
with its help text, and documented in ``docs/settings.md`` (a test keeps the two in step).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATA_DIR", "Settings"]

#: Where caresignal keeps its data when neither ``--data-dir`` nor ``CARESIGNAL_DATA_DIR`` says.
DEFAULT_DATA_DIR = Path("caresignal-data")


class Settings(BaseSettings):
    """Settings of one caresignal installation.

    Examples
    --------
    >>> Settings(data_dir=Path("/srv/caresignal")).data_dir.as_posix()
    '/srv/caresignal'
    """

    model_config = SettingsConfigDict(env_prefix="CARESIGNAL_", frozen=True, extra="forbid")

    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description=(
            "The data directory: imported batches, the import ledger and the synthetic dataset's "
            "truth file. Relative paths are taken from the current directory."
        ),
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "Where the store lives, as a SQLAlchemy URL: unset means the SQLite file "
            "caresignal.db in the data directory; postgresql://user@host/name (or "
            "postgresql+psycopg://...) uses PostgreSQL through psycopg 3."
        ),
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "The key that signs the web app's session cookies: a long random string, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`. Required unless "
            "development is on; never printed."
        ),
    )
    development: bool = Field(
        default=False,
        description=(
            "Development mode, for one person on their own machine: without a secret_key the "
            "web app makes a random one for the life of the process, and session cookies may "
            "travel over plain http to this machine. Never on a shared server."
        ),
    )
    escalation_minutes: int = Field(
        default=15,
        ge=0,
        description=(
            "How often the web server runs the escalation clock and sends the notifications "
            "that are due, in minutes; 0 turns it off (then run `caresignal escalate` on a "
            "schedule of your own)."
        ),
    )
    workflow_rules: Path | None = Field(
        default=None,
        description=(
            "A TOML file of accountability rules (the escalation ladder and the deadlines of "
            "signal episodes) that replaces the shipped rules.toml as a whole."
        ),
    )
    smtp_host: str | None = Field(
        default=None,
        description=(
            "The mail server that delivers notifications. Unset: messages wait in the outbox "
            "(`caresignal outbox list`) until it is set."
        ),
    )
    smtp_port: int = Field(default=587, description="The mail server's port.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description=(
            "How the connection to the mail server is protected: starttls (upgrade a plain "
            "connection, usually port 587), tls (TLS from the start, usually port 465) or none "
            "(only for a relay on the same machine or in tests)."
        ),
    )
    smtp_username: str | None = Field(
        default=None, description="The user name to sign in to the mail server with, if any."
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="The password for smtp_username; there is no default."
    )
    smtp_sender: str | None = Field(
        default=None,
        description="The From address of notifications, e.g. caresignal@trust.nhs.uk.",
    )
    urgent_webhook_url: str | None = Field(
        default=None,
        description=(
            "Where Martha's Rule calls are POSTed as signed JSON for a paging system, e.g. "
            "https://pager.trust.nhs.uk/caresignal. Unset: the outreach team is told by e-mail "
            "only. Needs urgent_webhook_secret."
        ),
    )
    urgent_webhook_secret: SecretStr | None = Field(
        default=None,
        description=(
            "The shared secret that signs each webhook body (HMAC-SHA256, in the "
            "X-Caresignal-Signature header); there is no default, and never printed."
        ),
    )
    urgent_webhook_trusted: bool = Field(
        default=False,
        description=(
            "Whether the webhook target is a trusted paging system that may receive the "
            "caller's call-back number; off: the number is never sent to it."
        ),
    )
    telemetry: bool = Field(
        default=False,
        description=(
            "FastAPI's own OpenTelemetry traces, metrics and logs of each request, sent to the "
            "providers the environment configures (the OTEL_* variables). Off, the server does "
            "not ask on every request whether a provider is configured."
        ),
    )
    concern_submissions_per_hour: int = Field(
        default=20,
        ge=1,
        description=(
            "How many concerns one connection may send to the public concern pages in an hour, "
            "counted by each server process; more are refused (429). Raise it only for a load "
            "test (benchmarks/bench_concern_durability.py)."
        ),
    )
    urgent_clock_seconds: int = Field(
        default=60,
        ge=0,
        description=(
            "How often the web server checks Martha's Rule calls whose review has not begun in "
            "time, in seconds; 0 turns it off (the escalation clock still checks them), and so "
            "does escalation_minutes = 0."
        ),
    )

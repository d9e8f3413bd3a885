"""Settings, read from the environment (and an optional .env file).

One object for every role; each role reads what it needs. Defaults are the embedded mode
(SQLite under ./.data, in-process events) so `make run` needs no configuration at all.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

# Shorter keys are refused everywhere; unset, development makes a random one (todo.auth.keys).
JWT_SECRET_MIN = 32


class Environment(StrEnum):
    development = "development"
    test = "test"
    staging = "staging"
    production = "production"


# Where keys may be generated instead of configured.
LOCAL_ENVIRONMENTS = frozenset({Environment.development, Environment.test})


class EventTransport(StrEnum):
    inprocess = "inprocess"
    dapr = "dapr"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TODO_", env_file=".env", extra="ignore")

    environment: Environment = Environment.development
    host: str = "127.0.0.1"
    port: int = Field(default=8000, validation_alias="PORT")
    # Reverse proxies trusted to say who the client is (X-Forwarded-For), as uvicorn's
    # forwarded_allow_ips: "*" or a comma-separated list of addresses/networks. Unset: the
    # connecting address is the client. Behind the cluster's Ingress the api sees only the
    # ingress controller's pods, so without this every user would share one login-throttling
    # window per controller pod.
    forwarded_allow_ips: str | None = None

    database_url: str = Field(
        default="sqlite+aiosqlite:///./.data/todo.db", validation_alias="DATABASE_URL"
    )
    db_pool_size: int = 10
    db_max_overflow: int = 10
    # Test each pooled PostgreSQL connection before use (SQLAlchemy's pre-ping: BEGIN, ";",
    # ROLLBACK: three round trips per checkout). Unset: on in the api (a stale connection would
    # fail a user's request), off in the workers, where it cost ~15% of the per-event CPU and a
    # stale connection only fails one delivery, which Dapr retries (SQLAlchemy then drops the
    # whole pool).
    db_pre_ping: bool | None = None
    db_echo: bool = False

    # Unset: development generates a random key and keeps it in data_dir (sessions survive a
    # restart), tests one per process; every other environment must set it.
    jwt_secret: str | None = None
    jwt_algorithm: str = "HS256"
    access_token_minutes: int = 60 * 24

    # Login throttling, as `limits` rate strings: failed attempts per account, and all
    # attempts per client address.
    login_account_rate: str = "5/5 minutes"
    login_client_rate: str = "30/minute"

    max_body_bytes: int = 64 * 1024

    events: EventTransport = EventTransport.inprocess
    relay_poll_seconds: float = 1.0
    relay_batch_size: int = 100

    # Traces: none, zipkin (to zipkin_endpoint) or otlp (OTLP/HTTP to otlp_endpoint).
    tracing: Literal["none", "zipkin", "otlp"] = "none"
    zipkin_endpoint: str = "http://127.0.0.1:9411/api/v2/spans"
    otlp_endpoint: str = "http://127.0.0.1:4318/v1/traces"

    log_json: bool = True
    log_level: str = "INFO"

    static_dir: str | None = None

    # Stack mode (TODO_EVENTS=dapr): this process's sidecar and identity.
    app_id: str = "api"
    dapr_host: str = "127.0.0.1"
    dapr_http_port: int = Field(default=3500, validation_alias="DAPR_HTTP_PORT")
    dapr_api_token: str | None = Field(default=None, validation_alias="DAPR_API_TOKEN")
    # Sent by daprd to the app (APP_API_TOKEN); internal routes and Dapr callbacks require it.
    # Unset: generated like jwt_secret in development (so nobody can call them), required
    # elsewhere by every serving role.
    app_api_token: str | None = Field(default=None, validation_alias="APP_API_TOKEN")
    pubsub_name: str = "pubsub"
    broadcast_pubsub_name: str = "pubsub-broadcast"
    statestore_name: str = "statestore"
    # The realtime gateway replicas the api forwards /ws to (stack mode).
    realtime_urls: str = ""

    # Reminders: how often the in-process sweep runs (the stack uses the cron binding).
    reminder_sweep_seconds: float = 60.0

    # Notifications by email; without a host, emails are only logged (embedded default).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "Todo <todo@localhost>"

    # Where development keeps what it generates (keys); unset: the SQLite database's directory,
    # or ./.data.
    data_dir: str | None = None

    @field_validator("smtp_host", "smtp_username", "smtp_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # A Kubernetes Secret often carries an empty key for "no SMTP login" (the cloud
        # scripts create TODO_SMTP_USERNAME="" when none is given): empty or blank means unset,
        # not a login with an empty name, which a server without AUTH refuses.
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Self:
        # A forgotten JWT secret would let anyone mint tokens; a short one can be guessed.
        missing = self.jwt_secret is None and self.environment not in LOCAL_ENVIRONMENTS
        if missing or (self.jwt_secret is not None and len(self.jwt_secret) < JWT_SECRET_MIN):
            raise ValueError(
                f"TODO_JWT_SECRET must be set to a random value of at least {JWT_SECRET_MIN} "
                f"characters (environment is {self.environment.value}); generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return self

    @property
    def data_path(self) -> Path:
        if self.data_dir:
            return Path(self.data_dir)
        url = make_url(self.database_url)
        if self.is_sqlite and url.database and url.database != ":memory:":
            return Path(url.database).parent
        return Path(".data")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Configuration: one validated settings object built from ``CANDOR_*`` variables and an optional TOML file.

Owns the names, types, defaults and validation of every setting the core reads. Precedence, highest first:
values passed to ``create_app`` (tests), environment variables, plugin secrets set in the admin pages
(``<data_dir>/plugin-secrets.json``, see ``candor.plugin_secrets``), the file named by ``CANDOR_CONFIG``, defaults.
It must not read settings anywhere else: the rest of the code receives a ``Settings`` object.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from candor.plugin_secrets import PluginSecretsSource, SecretStoreError

CommaList = Annotated[list[str], NoDecode]


class ConfigError(Exception):
    """The configuration cannot be used; the message names the setting and what to do."""


class Settings(BaseSettings):
    """Every setting of the core. Plugin settings live under ``plugin_settings.<plugin name>``."""

    model_config = SettingsConfigDict(
        env_prefix="CANDOR_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: Path = Field(
        default=Path("var"), description="Folder for the embedded database, broker, media and keys."
    )
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in data_dir.")
    database_pool_size: int = Field(
        default=16, ge=1, le=500,
        description="Connections each process keeps open to a database server (PostgreSQL), at least its web "
        "threads: a request finding none idle opens one and closes it afterwards, a new server process each time.",
    )
    broker_url: str = Field(
        default="", description="Celery broker URL (redis://, amqp://); empty means the embedded broker."
    )
    secret_key: str = Field(
        default="", description="Signs sessions and links; empty means a key file created in data_dir."
    )
    public_url: str = Field(default="http://127.0.0.1:8000", description="Address people open.")
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    plugins_enable: CommaList = Field(
        default_factory=list, description="Installed third-party plugins to load, by entry-point name."
    )
    plugins_disable: CommaList = Field(
        default_factory=list, description="Plugins not to load, built-in or not."
    )
    plugin_modules: CommaList = Field(
        default_factory=list,
        description="Python modules to load as plugins without packaging them (development and tests).",
    )
    plugin_settings: dict[str, dict[str, Any]] = Field(default_factory=dict)
    policy_dirs: CommaList = Field(
        default_factory=list,
        description="Folders of organisation policy packs (*.yaml) loaded after the built-in ones.",
    )

    competency_dirs: CommaList = Field(
        default_factory=list,
        description="Folders of organisation competency libraries (*.yaml) loaded after the built-in one.",
    )
    follow_ups_per_question: int = Field(
        default=1, ge=0, le=5, description="At most this many follow-up questions after each question."
    )

    speech_engines: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Speech-to-text plugins to try per language, best first, e.g. {"en": ["pocketsphinx_stt"], '
        '"zh": ["vosk_stt"]}; unnamed languages use pocketsphinx then vosk for English, vosk otherwise.',
    )
    answer_max_bytes: int = Field(
        default=200 * 1024 * 1024, ge=1024,
        description="Largest recorded answer accepted, in bytes (a 3-minute 640x480 WebM is about 20 MB).",
    )
    answer_chunk_bytes: int = Field(
        default=1024 * 1024, ge=16 * 1024, le=64 * 1024 * 1024,
        description="Largest piece of an answer sent in one upload request; pieces resume after a drop.",
    )

    rate_limit_enabled: bool = Field(default=True, description="Refuse callers past the limits below with 429.")
    rate_limit_storage: str = Field(
        default="", description="Where request counts live: memory:// (per process) or redis://host:6379/N; "
        "empty means the broker's Redis when broker_url is redis://, memory otherwise.",
    )
    rate_limit_login: str = Field(
        default="10 per minute;100 per day", description="Staff sign-in attempts per client address."
    )
    rate_limit_login_account: str = Field(
        default="30 per hour", description="Staff sign-in attempts per e-mail address typed, from anywhere."
    )
    rate_limit_candidate_token: str = Field(
        default="1200 per minute", description="Candidate API calls per interview link (uploads are 1 call a piece)."
    )
    rate_limit_candidate_ip: str = Field(
        default="3000 per minute", description="Candidate API calls per client address, whatever the link."
    )

    worker_concurrency: int = Field(default=2, ge=1, le=64)
    worker_cpu_priority: Literal["normal", "low", "idle"] = Field(
        default="normal",
        description="CPU priority of the work units run (analysis, sync): 'low' (nice 10) or 'idle' (only spare CPU "
        "time) keeps the analysis from slowing candidates' and reviewers' requests when the web runs on the same "
        "machine. Commits stay at normal priority.",
    )
    work_lease_seconds: int = Field(
        default=900, ge=1, description="How long a claimed unit of work is protected from other workers."
    )
    work_stale_seconds: int = Field(
        default=120, ge=1, description="A queued unit of work not started after this long is sent again."
    )
    sweep_interval_seconds: float = Field(default=30, gt=0)
    storage_backend: str = Field(default="local", description="Name of the storage backend for media.")
    key_provider: str = Field(default="file", description="Name of the key provider holding the vault's keys.")
    queue_name: str = Field(default="candor", pattern=r"^[A-Za-z0-9_.-]+$")
    broker_poll_seconds: float = Field(
        default=0.05, gt=0,
        description="Embedded broker polling interval; it hands over about one message a poll (caps throughput).",
    )
    outbox_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Deliveries of an outbox event tried before it becomes a dead letter."
    )
    outbox_backoff_base_seconds: float = Field(
        default=1.0, gt=0, description="Outbox retry n waits a random time up to base * 2**(n-1) (full jitter)."
    )
    outbox_backoff_cap_seconds: float = Field(default=600, gt=0, description="Longest wait between retries.")
    attendance_pull_minutes: float = Field(
        default=15, gt=0, description="Check-ins are pulled from attendance adapters at most this often."
    )
    attendance_late_window_hours: float = Field(
        default=48, ge=0, description="Each pull asks again for this many hours before the last one, so "
        "records that reach the attendance system late are counted (duplicates are skipped)."
    )

    metrics_token: str = Field(
        default="", description="Token that opens /metrics from any address ('Authorization: Metrics <token>')."
    )
    metrics_networks: CommaList = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Client networks (CIDR) allowed to read /metrics without the token; empty: token only.",
    )

    session_hours: int = Field(default=8, ge=1, le=24 * 30)
    login_max_age_days: int = 30
    testing: bool = False

    @field_validator(
        "plugins_enable", "plugins_disable", "plugin_modules", "policy_dirs", "competency_dirs", "metrics_networks",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("database_url", "broker_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value and "://" not in value:
            raise ValueError("expected a URL such as postgresql+psycopg://host/db or redis://host:6379/0")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = os.environ.get("CANDOR_CONFIG")
        toml = TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)) if config_file else None
        # Secrets set in the admin pages sit below the environment and above the config file (the operator's
        # latest word); see candor.plugin_secrets.
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings,
                                                     PluginSecretsSource(settings_cls, toml)]
        if toml is not None:
            sources.append(toml)
        return tuple(sources)

    # Derived values -------------------------------------------------------------------------------------

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'candor.db').resolve()}"

    @property
    def uses_embedded_broker(self) -> bool:
        return not self.broker_url

    @property
    def broker_folder(self) -> Path:
        return (self.data_dir / "broker").resolve()

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Build the settings, turning pydantic's errors into one message a person can act on."""
    config_file = os.environ.get("CANDOR_CONFIG")
    if config_file and not Path(config_file).is_file():
        raise ConfigError(f"CANDOR_CONFIG names {config_file!r}, which is not a file. Fix the path or unset it.")
    try:
        return Settings(**(overrides or {}))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, config_file)) from None
    except SecretStoreError as exc:
        raise ConfigError(str(exc)) from None
    except ValueError as exc:  # TOML syntax errors arrive as ValueError subclasses
        raise ConfigError(f"Cannot read the configuration file {config_file}: {exc}") from None


def _describe(exc: ValidationError, config_file: str | None) -> str:
    lines = ["The configuration is not valid:"]
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "(root)"
        env_name = "CANDOR_" + "__".join(str(part) for part in error["loc"]).upper()
        got = error.get("input")
        shown = "" if isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"  - {name}: {error['msg']}{shown}. Set {env_name} or '{name}' in the config file.")
    if config_file:
        lines.append(f"Config file: {config_file}")
    return "\n".join(lines)


def ensure_data_dir(settings: Settings) -> None:
    """Create the data folder with owner-only permissions (it will hold keys and personal data)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)


def secret_key(settings: Settings) -> str:
    """The key that signs sessions: configured, or created once in the data folder with mode 0600."""
    if settings.secret_key:
        return settings.secret_key
    ensure_data_dir(settings)
    path = settings.data_dir / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process (web or worker) created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()

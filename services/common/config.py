"""Configuration from the environment, with the defaults the local stack uses.

Every process (the four services, the gateway, the local stack) reads its
settings here and nowhere else.
"""
import os

DEFAULTS = {
    "AMQP_URI": "amqp://guest:guest@127.0.0.1:5682/",
    "MONGO_URI": "mongodb://127.0.0.1:27027/?retryWrites=false",
    # Each service keeps its collections in its own database: <prefix>_<service>.
    "MONGO_DB_PREFIX": "window",
    # 行政区划代码 of the centre, the first part of every case number.
    "REGION_CODE": "411400",
    # Case numbers an intake process reserves with one counter write (a crash leaves the unused rest as a gap).
    "CASE_NUMBER_BLOCK": "10",
    # Seconds a caller waits for an RPC answer before giving up.
    "RPC_TIMEOUT": "10",
    # Seconds any one worker (RPC, event handler, timer tick) may run before it is interrupted
    # (services/common/entrypoints.py WorkerDeadline): the backstop for a wait nothing else bounds.
    "WORKER_TIMEOUT_SECONDS": "120",
    # Hours an Idempotency-Key is kept from its first use (same key, same answer within the window), alike
    # for submissions (on the application in intake) and every other call (the gateway's claims); and
    # seconds between intake's sweeps that release submissions' keys past the window.
    "IDEMPOTENCY_RETENTION_HOURS": "24",
    "IDEMPOTENCY_SWEEP_SECONDS": "3600",
    # Seconds between outbox relay sweeps (events a crash left unpublished).
    "OUTBOX_SWEEP_SECONDS": "2",
    "LOG_LEVEL": "INFO",
    # development | production: development allows the gateway's public JWT secret and loopback webhooks.
    "WINDOW_ENV": "production",
    "TIMEZONE": "Asia/Shanghai",
    # Key for the keyed hash of ID numbers and for their encryption at rest.
    "PII_KEY": "dev-only-pii-key-change-me",
    # Shared by the gateway and the services only: the gateway signs every RPC carrying an actor with it.
    "ACTOR_SIGNING_KEY": "dev-only-actor-signing-key-change-me",
    "SMTP_HOST": "",
    "SMTP_PORT": "25",
    "SMTP_SENDER": "noreply@zwfw.example.gov.cn",
    # Webhook / SMS delivery retries with back-off.
    "DELIVERY_MAX_ATTEMPTS": "8",
    "DELIVERY_SWEEP_SECONDS": "10",
    # 好差评: a bad rating is rectified within this many working days (localities use 5 to 15).
    "RECTIFY_WORKING_DAYS": "15",
    # 有诉必理: working days per complaint step ("received=1,investigating=10"; empty: the defaults).
    "COMPLAINT_STEP_LIMITS": "",
    # Complaints and follow-ups turn yellow this many working days before they are due.
    "SUPERVISION_WARN_DAYS": "1",
    # Department pools (docs/scaling.md): departments with dedicated intake and approval workers,
    # set alike on every process; and, on a dedicated worker only, the one department it serves.
    "DEPARTMENT_POOLS": "",
    "DEDICATED_DEPARTMENT": "",
    # Seconds between intake's fetches of the calendar years admins keep in approval.
    "CALENDAR_REFRESH_SECONDS": "30",
    # 电子监察: seconds between deadline scans (warnings, letter reminders, intake's timers).
    "SUPERVISION_SCAN_SECONDS": "60",
    # Licences (issue 7): seconds between expiry-reminder sweeps (90 / 30 days before expiry);
    # the names on formal documents.
    "CERTIFICATE_REMINDER_SECONDS": "3600",
    "CENTRE_NAME": "商丘市政务服务中心",
    # Where the public pages are (links in SMS: progress and rating by query code).
    "PUBLIC_BASE_URL": "http://127.0.0.1:8080",
}


def setting(name: str) -> str:
    return os.environ.get(name, DEFAULTS.get(name, ""))


def int_setting(name: str) -> int:
    return int(setting(name))


def float_setting(name: str) -> float:
    return float(setting(name))


def nameko_config() -> dict:
    """The config dict handed to nameko's ServiceRunner."""
    return {
        "AMQP_URI": setting("AMQP_URI"),
        "MONGO_URI": setting("MONGO_URI"),
        "MONGO_DB_PREFIX": setting("MONGO_DB_PREFIX"),
        "serializer": "json",
        # Handlers are idempotent; a crash mid-handling must redeliver.
        "max_workers": 10,
        "PREFETCH_COUNT": 10,
        "DEPARTMENT_POOLS": setting("DEPARTMENT_POOLS"),
        "DEDICATED_DEPARTMENT": setting("DEDICATED_DEPARTMENT"),
        # RPCs passing an actor must carry the gateway's signature (services/common/entrypoints.py).
        "ACTOR_SIGNING_KEY": setting("ACTOR_SIGNING_KEY"),
    }


def database_name(service: str, prefix: str | None = None) -> str:
    return f"{prefix or setting('MONGO_DB_PREFIX')}_{service}"

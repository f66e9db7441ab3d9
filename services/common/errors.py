"""Domain errors shared by every service and the gateway.

Nameko sends a remote exception as its class name and args; the gateway maps
the class name to an HTTP status in one table (gateway/errors.py). Args are
kept JSON-friendly: (detail,) or (detail, [{"field", "message"}, ...]).
They are registered with nameko, so a service calling another over RPC
catches these classes, not a generic RemoteError.
"""
from nameko.exceptions import deserialize_to_instance


class DomainError(Exception):
    """Base of every error the platform raises on purpose."""

    def __init__(self, detail: str, errors: list[dict] | None = None):
        super().__init__(detail, errors or [])
        self.detail = detail
        self.errors = errors or []


class InvalidInput(DomainError):
    """One or more fields are invalid; `errors` names every one (422)."""


class NotFound(DomainError):
    """The thing asked for does not exist (404)."""


class Conflict(DomainError):
    """Illegal transition, duplicate, or idempotency key reused (409)."""


class Forbidden(DomainError):
    """The actor may not do this, e.g. outside its delegation (403)."""


class Unavailable(DomainError):
    """A service needed for this did not answer in time (503)."""


ERROR_TYPES = {cls.__name__: cls for cls in (InvalidInput, NotFound, Conflict, Forbidden, Unavailable)}


def field_error(field: str, message: str) -> dict:
    return {"field": field, "message": message}


for _error_type in ERROR_TYPES.values():
    deserialize_to_instance(_error_type)

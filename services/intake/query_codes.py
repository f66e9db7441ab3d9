"""查询码: the code printed on the acceptance notice and sent by SMS, with which the applicant follows
and rates the case without an account. Eight characters without look-alikes (no 0/O, 1/I)."""
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8


def new_query_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def matches(stored: str | None, given) -> bool:
    """Constant-time comparison; a case without a code matches nothing."""
    if not stored or not isinstance(given, str):
        return False
    return hmac.compare_digest(stored.encode(), given.strip().upper().encode())

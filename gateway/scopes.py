"""What an API key may do: scopes, and the scope each route needs.

A person's role decides what they may do; an API key additionally carries
scopes chosen when it is issued, so the provincial network can hold a
read-only key for its dashboards and a separate one that submits.
Routes not named here need `cases:read` for GET and are refused for keys
otherwise (an API client has no business there).
"""
APPLICATIONS_WRITE = "applications:write"   # submit applications, supplements
CASES_READ = "cases:read"                   # read its cases, documents, progress
RATINGS_WRITE = "ratings:write"             # rate its cases, file complaints
WEBHOOKS_MANAGE = "webhooks:manage"         # register webhooks, rotate secrets, read deliveries
CHANGES_READ = "changes:read"               # the change feed
KEYS_MANAGE = "keys:manage"                 # rotate its own API keys

ALL_SCOPES = (APPLICATIONS_WRITE, CASES_READ, RATINGS_WRITE, WEBHOOKS_MANAGE, CHANGES_READ, KEYS_MANAGE)

# (method, route template prefix) -> scope; first match wins.
ROUTE_SCOPES = (
    ("POST", "/v1/applications", APPLICATIONS_WRITE),
    ("POST", "/v1/cases/{case_no}/supplements", APPLICATIONS_WRITE),
    ("POST", "/v1/cases/{case_no}/rating", RATINGS_WRITE),
    ("POST", "/v1/complaints", RATINGS_WRITE),
    ("*", "/v1/webhooks", WEBHOOKS_MANAGE),
    ("GET", "/v1/changes", CHANGES_READ),
    ("*", "/v1/accounts/{username}/api-keys", KEYS_MANAGE),
)


def required_scope(method: str, template: str | None) -> str | None:
    """The scope an API key needs for this route; None when any key may call it (auth, me)."""
    template = template or ""
    for rule_method, prefix, scope in ROUTE_SCOPES:
        if rule_method in ("*", method) and template.startswith(prefix):
            return scope
    if template in ("/v1/auth/token", "/v1/auth/refresh", "/v1/me", "/v1/me/notifications"):
        return None
    return CASES_READ if method in ("GET", "HEAD") else "none"


def check_scopes(scopes: tuple[str, ...] | None, method: str, template: str | None) -> str | None:
    """The missing scope, or None when allowed (people have no scopes: None passes)."""
    if scopes is None:
        return None
    needed = required_scope(method, template)
    return needed if needed is not None and needed not in scopes else None

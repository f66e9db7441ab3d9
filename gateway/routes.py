"""Every route of the gateway, in one list (the OpenAPI document describes each)."""

from gateway.resources import (
    accounts,
    applications,
    cases,
    catalogue,
    certificates,
    evaluation,
    notifications,
    operations,
)

ROUTES = (
    ("/v1/auth/token", accounts.TokenResource),
    ("/v1/accounts", accounts.AccountsResource),
    ("/v1/accounts/register", accounts.RegistrationResource),
    ("/v1/me", accounts.MeResource),
    ("/v1/items", catalogue.ItemsResource),
    ("/v1/items/{code}", catalogue.ItemResource),
    ("/v1/applications", applications.ApplicationsResource),
    ("/v1/cases/{case_no}", cases.CaseResource),
    ("/v1/cases/{case_no}/supplements", cases.SupplementsResource),
    ("/v1/cases/{case_no}/transitions", cases.TransitionsResource),
    ("/v1/cases/{case_no}/rating", cases.RatingResource),
    ("/v1/me/notifications", notifications.InboxResource),
    ("/v1/complaints", evaluation.ComplaintsResource),
    ("/v1/complaints/{complaint_id}", evaluation.ComplaintResource),
    ("/v1/metrics", evaluation.MetricsResource),
    ("/v1/certificates/{certificate_no}", certificates.CertificateResource),
    ("/healthz", operations.HealthResource),
    ("/readyz", operations.ReadyResource),
    ("/metrics", operations.PrometheusResource),
    ("/openapi.json", operations.OpenApiResource),
    # issue 10: dead letters for ops
    ("/v1/ops/dead-letters", operations.DeadLettersResource),
    ("/v1/ops/dead-letters/{dead_letter_id}/replay", operations.DeadLetterReplayResource),
)

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
)

# --- pages (HTML for people; gateway/pages, installed by gateway.pages.install) ---
from gateway.pages import admin, dashboard, login, public, workbench  # noqa: E402

PAGE_ROUTES = (
    ("/", public.CataloguePage),
    ("/items/{code}", public.ItemPage),
    ("/progress", public.ProgressPage),
    ("/rate", public.RateStartPage),
    ("/rate/{case_no}", public.RatePage),
    ("/verify", public.VerifyPage),
    ("/verify/{certificate_no}", public.VerifyPage),
    ("/results", public.ResultsPage),
    ("/login", login.LoginPage),
    ("/logout", login.LogoutPage),
    ("/workbench", workbench.WorkbenchPage),
    ("/workbench/apply", workbench.WalkInPage),
    ("/workbench/cases/{case_no}", workbench.CasePage),
    ("/workbench/cases/{case_no}/actions", workbench.CaseActionPage),
    ("/workbench/cases/{case_no}/notice", workbench.NoticePage),
    ("/workbench/download", workbench.DownloadPage),
    ("/workbench/accounts", admin.AccountsPage),
    ("/workbench/calendar", admin.CalendarPage),
    ("/workbench/delegations", admin.DelegationsPage),
    ("/workbench/items/{code}", admin.ItemEditPage),
    ("/dashboard", dashboard.DashboardPage),
)

"""Every route of the gateway, in one list (the OpenAPI document describes each)."""

from gateway.resources import (
    accountability,
    accounts,
    applications,
    cases,
    catalogue,
    certificates,
    evaluation,
    follow_ups,
    notifications,
    operations,
    rankings,
    reports,
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
    # issue 6: complaints' steps, follow-ups, accountability, rankings, reports
    ("/v1/complaints/{complaint_id}/transitions", evaluation.ComplaintTransitionsResource),
    ("/v1/follow-ups", follow_ups.FollowUpsResource),
    ("/v1/follow-ups/{follow_up_id}", follow_ups.FollowUpResource),
    ("/v1/follow-ups/{follow_up_id}/transitions", follow_ups.FollowUpTransitionsResource),
    ("/v1/accountability", accountability.AccountabilityResource),
    ("/v1/accountability/records", accountability.AccountabilityRecordsResource),
    ("/v1/metrics/rebuild", evaluation.MetricsRebuildResource),
    ("/v1/rankings", rankings.RankingsResource),
    ("/v1/rankings/formula", rankings.RankingFormulaResource),
    ("/v1/reports/monthly", reports.MonthlyReportResource),
    ("/v1/certificates/{certificate_no}", certificates.CertificateResource),
    ("/healthz", operations.HealthResource),
    ("/readyz", operations.ReadyResource),
    ("/metrics", operations.PrometheusResource),
    ("/openapi.json", operations.OpenApiResource),
)

# --- pages (HTML for people; gateway/pages, installed by gateway.pages.install) ---
from gateway.pages import dashboard, login, public, workbench  # noqa: E402

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
    ("/dashboard", dashboard.DashboardPage),
)

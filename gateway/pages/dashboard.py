"""The supervision dashboard (电子监察): counts, yellow and red cases, violations, ratings and complaints,
follow-ups, the month's rankings, charts, and the monthly report downloads."""
import datetime as dt
from zoneinfo import ZoneInfo

from gateway.pages import charts, labels
from gateway.pages.base import Page

OVERSIGHT = ("supervisor", "centre_admin", "department_admin")
TREND_MONTHS = 6


def months_back(today: dt.date, count: int) -> list[tuple[str, str, str]]:
    """(YYYY-MM, first day, last day) for the last `count` months, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        first = dt.date(year, month, 1)
        last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
        months.append((first.strftime("%Y-%m"), first.isoformat(), last.isoformat()))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def category_volumes(items: list[dict], by_item: dict) -> list[tuple[str, int]]:
    """(category name, received) for every category of the catalogue, busiest first; an item the
    catalogue no longer lists counts under 其他."""
    category_of = {item.get("code"): item.get("category_name") or item.get("category") or "其他" for item in items}
    totals = dict.fromkeys(category_of.values(), 0)
    for code, counts in (by_item or {}).items():
        name = category_of.get(code, "其他")
        totals[name] = totals.get(name, 0) + int((counts or {}).get("received") or 0)
    return sorted(totals.items(), key=lambda row: -row[1])  # busiest first; the catalogue's order among equals


class DashboardPage(Page):
    roles = OVERSIGHT

    def on_get(self, req, resp):
        session = self.require_session(req, resp)
        today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        periods = months_back(today, TREND_MONTHS)
        period = req.get_param("period") or periods[-1][0]  # the month so far, by default
        department = req.get_param("department") or (
            session["actor"].get("department") if session["actor"]["role"] == "department_admin" else None)
        scope = {"department": department} if department else {}
        metrics, metrics_error = self.try_get(req, "/v1/metrics", **scope, **{"from": periods[-1][1]})
        supervision, supervision_error = self.try_get(req, "/v1/supervision", **scope)
        violations, violations_error = self.try_get(req, "/v1/supervision/violations", **scope)
        follow_ups, follow_ups_error = self.try_get(req, "/v1/follow-ups", **scope)
        rankings, rankings_error = self.try_get(req, "/v1/rankings", period=period)
        complaints, complaints_error = self.try_get(req, "/v1/complaints", **scope, limit=20)
        trend = [(name, self.try_get(req, "/v1/metrics", **scope, **{"from": first, "to": last})[0])
                 for name, first, last in periods]
        self.render(
            req, resp, "dashboard.html", department=department, period=period, periods=[p[0] for p in periods],
            metrics=metrics, metrics_error=metrics_error, supervision=supervision or {},
            supervision_error=supervision_error, violations=(violations or {}).get("violations", []),
            violations_error=violations_error, follow_ups=(follow_ups or {}).get("follow_ups", []),
            follow_ups_error=follow_ups_error, complaints=(complaints or {}).get("complaints", []),
            complaints_error=complaints_error, rankings=rankings, rankings_error=rankings_error,
            volume_chart=self.volume_chart(req, department, periods[-1][1]),
            trend_chart=self.trend_chart(trend),
            departments=labels.DEPARTMENT_NAMES, levels=labels.RATING_LEVELS)

    def volume_chart(self, req, department, month_start):
        """Received cases this month by the catalogue's categories (事项类别): the per-item volumes of
        `/v1/metrics?by=item_code` added up by each item's category, every category of the scope shown."""
        volumes, _ = self.try_get(req, "/v1/metrics", department=department, by="item_code",
                                  **{"from": month_start})
        if volumes is None or "by_item" not in volumes:
            return None
        items, _ = self.try_get(req, "/v1/items", department=department, limit=500)
        return charts.hbar_chart("本月各类别收件量", category_volumes((items or {}).get("items", []),
                                                                    volumes["by_item"]))

    @staticmethod
    def trend_chart(trend):
        names = [name[5:] + "月" for name, _ in trend]
        return charts.line_chart("按时办结率与满意率（近六个月）", names, [
            ("按时办结率", [(m or {}).get("on_time_rate") for _, m in trend]),
            ("满意率", [(m or {}).get("satisfaction_rate") for _, m in trend]),
        ])

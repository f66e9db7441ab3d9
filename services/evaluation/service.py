"""Evaluation service: keeps per-case facts from the case events, takes ratings
(好差评) with their follow-ups (回访整改) and complaints (投诉), keeps the
accountability records (责任追究), and serves metrics, rankings and reports."""
import base64
import datetime as dt
import uuid

from services.common import contracts, policy
from services.common.context import RequestId
from services.common.entrypoints import OutboxSweeper, timer
from services.common.errors import Conflict, Forbidden
from services.common.handlers import handle
from services.common.localtime import local_date, local_today
from services.common.masking import mask_text
from services.common.mongo import Storage
from services.common.outbox import Outbox, new_document_with_events, update_with_events
from services.common.rpc import rpc
from services.evaluation import (
    accountability,
    complaint_steps,
    complaints,
    counters,
    follow_ups,
    queries,
    ratings,
    reports,
)
from services.evaluation.counters_store import with_counting
from services.evaluation.dependencies import EvaluationSettings
from services.evaluation.facts import local_date as day_of
from services.evaluation.facts import told_again_later
from services.evaluation.store import EvaluationStore
from services.evaluation.views import complaint_view, follow_up_view, rating_view

SWEEP_SECONDS = 10
# The counters take the deltas the documents' writes left, twice a second (services/evaluation/counters_store.py).
FOLD_SECONDS = 0.5


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _limit(value, default=50) -> int:
    return max(1, min(int(value or default), 500))


class EvaluationService(OutboxSweeper):
    name = contracts.Evaluation.SERVICE
    request_id = RequestId()
    store = Storage(EvaluationStore)
    outbox = Outbox("ratings", "complaints")
    settings = EvaluationSettings()

    # --- case facts from events ------------------------------------------------
    @handle(contracts.APPLICATION_RECEIVED)
    def on_application_received(self, event):
        self._record(event)

    @handle(contracts.APPLICATION_ACCEPTED)
    def on_application_accepted(self, event):
        self._record(event)

    @handle(contracts.APPLICATION_REFUSED)
    def on_application_refused(self, event):
        self._record(event)

    @handle(contracts.CASE_DECIDED)
    def on_case_decided(self, event):
        self._record(event)

    @handle(contracts.CASE_CLOSED)
    def on_case_closed(self, event):
        self._record(event)

    def _record(self, event: dict) -> None:
        if not told_again_later(event):
            self.store.record_facts(event)

    @timer(interval=FOLD_SECONDS)
    def fold_counters(self):
        self.store.fold()

    # --- accountability sources from approval ------------------------------------
    @handle(contracts.AUTHORITY_VIOLATION)
    def on_authority_violation(self, event):
        day = dt.date.fromisoformat(day_of(event.get("at") or event["occurred_at"]))
        self.store.add_record(accountability.record(
            "authority_violation", event.get("case_no"), event.get("actor"), event.get("department"),
            f"越权审批：{event.get('action')}（{mask_text(event.get('reason') or '')}）", day,
            key=f"authority_violation:{event['event_id']}"))

    @handle(contracts.SUPERVISION_ALERT)
    def on_supervision_alert(self, event):
        if event.get("state") != "red":  # yellow is a warning, not a violation
            return
        day = dt.date.fromisoformat(day_of(event["occurred_at"]))
        self.store.add_record(accountability.record(
            "overdue_case", event["case_no"], event.get("responsible"), event.get("department"),
            f"办件超期（{event.get('stage')}，期限 {event.get('deadline')}）", day,
            key=f"overdue_case:{event['case_no']}"))

    # --- ratings and follow-ups --------------------------------------------------------
    @rpc
    def rate(self, case_no, actor, level, comment=None, channel=None):
        ratings.check_actor(actor)
        level, comment, channel = ratings.validate(level, comment, channel)
        facts = self.store.facts(case_no)
        ratings.check_may_rate(actor, facts, case_no)
        round_ = ratings.next_round(self.store.ratings_of(case_no), case_no)
        now = _now()
        today = local_date(now)
        doc = {
            "_id": uuid.uuid4().hex, "case_no": case_no, "round": round_, "level": level,
            "label": ratings.LEVEL_LABELS[level], "bad": ratings.is_bad(level), "comment": comment,
            "channel": channel, "created_at": now.isoformat(), "rated_on": today.isoformat(),
            "rated_by": actor.get("username"), "via": actor.get("via"), "department": facts.get("department"),
            "item_code": facts.get("item_code"), "owner": facts.get("owner"),
            "staff": facts.get("received_by") or facts.get("decided_by"), "received_on": facts.get("received_on"),
            "version": 1,
        }
        if doc["bad"]:  # opened in the same write as the rating
            doc["follow_up"] = follow_ups.open_follow_up(doc["_id"], today, self.settings.rectify_working_days)
        event = contracts.event(
            contracts.RATING_SUBMITTED, request_id=self.request_id, case_no=case_no,
            department=doc["department"], item_code=doc["item_code"], owner=doc["owner"], level=level,
            bad=doc["bad"], comment=mask_text(comment) if comment else None, channel=channel,
        )
        self.store.add_rating(new_document_with_events(doc, [event]))  # counted in the same write
        self.outbox.flush("ratings", doc["_id"])
        return rating_view(doc)

    @rpc
    def list_follow_ups(self, department=None, state=None, limit=50):
        queries.check_choice("state", state, follow_ups.STATES)
        today = local_today()
        return [follow_up_view(d, today) for d in self.store.follow_ups(department, state, _limit(limit))]

    @rpc
    def get_follow_up(self, follow_up_id):
        return follow_up_view(self.store.rating(follow_up_id), local_today())

    @rpc
    def follow_up_transition(self, follow_up_id, action, actor, note=None):
        doc = self.store.rating(follow_up_id)
        now = _now()
        step = follow_ups.apply(doc["follow_up"], doc.get("department"), action, actor, note, now, local_date(now))
        update = {"$set": {f"follow_up.{k}": v for k, v in step.changes.items()},
                  "$push": {"follow_up.history": step.entry}}
        event = contracts.event(
            contracts.FOLLOW_UP_UPDATED, request_id=self.request_id, follow_up_id=doc["_id"],
            case_no=doc["case_no"], department=doc.get("department"), item_code=doc.get("item_code"),
            owner=doc.get("owner"), status=step.state, action=action,
            outcome=step.changes.get("outcome", doc["follow_up"].get("outcome")),
            note=mask_text(step.entry.get("note") or "") or None, rectify_by=doc["follow_up"]["rectify_by"])
        after = {**doc, "follow_up": {**doc["follow_up"], **step.changes}}
        if not update_with_events(self.store.ratings, doc["_id"], doc.get("version"),
                                  with_counting(counters.RATING, after, update), [event]):
            raise Conflict("回访整改已被他人更新，请刷新后重试")
        self.outbox.flush("ratings", doc["_id"])
        return self.get_follow_up(follow_up_id)

    # --- complaints -------------------------------------------------------------------
    @rpc
    def create_complaint(self, complaint, actor=None):
        fields = complaints.validate(complaint)
        now = _now()
        today = local_date(now)
        facts = self.store.facts(fields["case_no"]) if fields.get("case_no") else None
        doc = {
            "_id": uuid.uuid4().hex, **fields, "status": complaints.RECEIVED, "created_at": now.isoformat(),
            "created_on": today.isoformat(), "submitted_by": (actor or {}).get("username"),
            "item_code": (facts or {}).get("item_code"), "status_since": today.isoformat(),
            "due": complaint_steps.due_for(complaints.RECEIVED, today, self.settings.complaint_limits),
            "history": [{"at": now.isoformat(), "status": complaints.RECEIVED, "action": "receive",
                         "actor": (actor or {}).get("username"), "actor_role": (actor or {}).get("role")}],
            "version": 1,
        }
        event = contracts.event(
            contracts.COMPLAINT_RECEIVED, request_id=self.request_id, complaint_id=doc["_id"],
            department=fields["department"], case_no=fields["case_no"], subject=mask_text(fields["subject"]),
        )
        self.store.add_complaint(new_document_with_events(doc, [event]))  # counted in the same write
        self.outbox.flush("complaints", doc["_id"])
        return complaint_view(doc, today)

    @rpc
    def get_complaint(self, complaint_id):
        return complaint_view(self.store.complaint(complaint_id), local_today())

    @rpc
    def list_complaints(self, department=None, status=None, supervision=None, limit=50):
        queries.check_choice("status", status, complaint_steps.STATUSES)
        queries.check_choice("supervision", supervision, ("green", "yellow", "red"))
        today = local_today()
        views = [complaint_view(d, today) for d in self.store.list_complaints(department, status, _limit(limit))]
        return [v for v in views if not supervision or v["supervision"]["state"] == supervision]

    @rpc
    def complaint_transition(self, complaint_id, action, actor, params=None):
        doc = self.store.complaint(complaint_id)
        now = _now()
        step = complaint_steps.apply(doc, action, actor, params or {}, now, local_date(now),
                                     self.settings.complaint_limits)
        changes = dict(step.changes)
        if step.accountability:  # written in the same update; the record itself follows (sweep on a crash)
            changes["accountability_pending"] = step.accountability
        event = contracts.event(
            contracts.COMPLAINT_UPDATED, request_id=self.request_id, complaint_id=complaint_id,
            department=doc["department"], case_no=doc.get("case_no"), subject=mask_text(doc["subject"]),
            status=step.status, action=action, submitted_by=doc.get("submitted_by"),
            reply=mask_text(changes.get("reply") or "") or None)
        update = with_counting(counters.COMPLAINT, {**doc, **changes},
                               {"$set": changes, "$push": {"history": step.entry}})
        if not update_with_events(self.store.complaints, complaint_id, doc.get("version"), update, [event]):
            raise Conflict("投诉已被他人更新，请刷新后重试")
        self._write_pending_record(complaint_id, step.accountability)
        self.outbox.flush("complaints", complaint_id)
        return self.get_complaint(complaint_id)

    def _write_pending_record(self, complaint_id: str, record: dict | None) -> None:
        if record:
            day = dt.date.fromisoformat(record["date"])
            self.store.add_record({**record, "year": day.year})
            self.store.complaints.update_one({"_id": complaint_id}, {"$unset": {"accountability_pending": ""}})

    # --- accountability ------------------------------------------------------------------
    @rpc
    def accountability(self, year=None, department=None):
        year = queries.year(year)
        people, units = self.store.record_counts(year, department)
        return accountability.summary(year, people, units)

    @rpc
    def accountability_records(self, year=None, department=None, username=None):
        return [{k: v for k, v in r.items()} | {"id": r["_id"]} for r in
                self.store.records(queries.year(year), department, username)]

    @rpc
    def record_accountability(self, record, actor):
        entry = accountability.manual(record, actor, local_today())
        self.store.add_record(entry)
        return {**entry, "id": entry["_id"]}

    # --- metrics, rankings, reports --------------------------------------------------------
    @rpc
    def metrics(self, department=None, date_from=None, date_to=None, staff=None, item_code=None, period=None,
                by=None):
        self.store.caught_up()
        return queries.metrics(self.store, department, date_from, date_to, staff, item_code, period, by)

    @rpc
    def rankings(self, period):
        self.store.caught_up()
        return queries.rankings(self.store, period)

    @rpc
    def get_ranking_formula(self):
        return queries.formula(self.store)

    @rpc
    def set_ranking_formula(self, formula, actor):
        return queries.set_formula(self.store, formula, actor, _now())

    @rpc
    def monthly_report(self, period, department=None, fmt="xlsx"):
        self.store.caught_up()
        data = queries.report_data(self.store, period, department)
        content, content_type, suffix = reports.render(data, fmt)
        return {"filename": f"monthly-report-{data['period']}{'-' + department if department else ''}.{suffix}",
                "content_type": content_type, "content_base64": base64.b64encode(content).decode("ascii")}

    @rpc
    def rebuild_metrics(self, actor):
        if (actor or {}).get("role") not in policy.OVERSIGHT_ROLES:
            raise Forbidden("只有督查人员或中心管理员可以重建统计")
        return self.store.rebuild_counters()

    # --- the sweep: what a crash left half-done, and overdue follow-ups -------------------------
    @timer(interval=SWEEP_SECONDS)
    def sweep_evaluation(self):
        for doc in self.store.complaints.find({"accountability_pending": {"$exists": True}}).limit(200):
            self._write_pending_record(doc["_id"], doc["accountability_pending"])
        today = local_today()
        for doc in self.store.overdue_follow_ups(today.isoformat()):
            self.store.add_record(follow_ups.unrectified_record(doc, doc.get("staff"), today) | {"year": today.year})
            self.store.mark_overdue_recorded(doc["_id"])

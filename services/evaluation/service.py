"""Evaluation service: keeps per-case facts from the case events, takes ratings
(好差评) and complaints (投诉), and computes the metrics."""
import datetime as dt
import re
import uuid

from services.common import contracts
from services.common.context import RequestId
from services.common.entrypoints import OutboxSweeper
from services.common.errors import InvalidInput, field_error
from services.common.handlers import handle
from services.common.localtime import local_date
from services.common.masking import mask_text
from services.common.mongo import Storage
from services.common.outbox import Outbox, new_document_with_events
from services.common.rpc import rpc
from services.evaluation import complaints, metrics, ratings
from services.evaluation.dependencies import RectifyWorkingDays
from services.evaluation.facts import facts_from
from services.evaluation.store import EvaluationStore

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _period(date_from, date_to) -> tuple[str | None, str | None]:
    errors = []
    for field, value in (("from", date_from), ("to", date_to)):
        if value is None:
            continue
        try:
            ok = isinstance(value, str) and DATE.match(value) and dt.date.fromisoformat(value)
        except ValueError:
            ok = False
        if not ok:
            errors.append(field_error(field, "日期格式须为 YYYY-MM-DD"))
    if not errors and date_from and date_to and date_from > date_to:
        errors.append(field_error("to", "结束日期不能早于开始日期"))
    if errors:
        raise InvalidInput("统计区间有误", errors)
    return date_from, date_to


def _rating_view(doc: dict) -> dict:
    view = {name: doc.get(name) for name in ("case_no", "level", "label", "bad", "comment", "channel", "created_at")}
    view["id"] = doc["_id"]
    if doc.get("follow_up"):
        view["follow_up"] = doc["follow_up"]
    return view


class EvaluationService(OutboxSweeper):
    name = contracts.Evaluation.SERVICE
    request_id = RequestId()
    store = Storage(EvaluationStore)
    outbox = Outbox("ratings", "complaints")
    rectify_working_days = RectifyWorkingDays()


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
        self.store.record_facts(event["case_no"], event["event_id"], facts_from(event))

    # --- ratings ------------------------------------------------------------------
    @rpc
    def rate(self, case_no, actor, level, comment=None, channel=None):
        ratings.check_actor(actor)
        level, comment, channel = ratings.validate(level, comment, channel)
        facts = self.store.facts(case_no)
        ratings.check_may_rate(actor, facts, case_no)
        now = _now()
        doc = {
            "_id": uuid.uuid4().hex, "case_no": case_no, "level": level, "label": ratings.LEVEL_LABELS[level],
            "bad": ratings.is_bad(level), "comment": comment, "channel": channel, "created_at": now.isoformat(),
            "rated_by": actor["username"], "department": facts.get("department"),
            "item_code": facts.get("item_code"), "owner": facts.get("owner"), "received_on": facts.get("received_on"),
        }
        if doc["bad"]:
            opened = ratings.follow_up(local_date(now), self.rectify_working_days)
            doc["follow_up"] = {"id": doc["_id"], **opened}
        event = contracts.event(
            contracts.RATING_SUBMITTED, request_id=self.request_id, case_no=case_no,
            department=doc["department"], item_code=doc["item_code"], owner=doc["owner"], level=level,
            bad=doc["bad"], comment=mask_text(comment) if comment else None, channel=channel,
        )
        self.store.add_rating(new_document_with_events(doc, [event]))
        if doc["bad"]:
            self.store.open_follow_up({
                **doc["follow_up"], "_id": doc["_id"], "case_no": case_no, "department": doc["department"],
                "level": level, "comment": comment,
            })
        self.outbox.flush("ratings", doc["_id"])
        return _rating_view(doc)

    # --- metrics ------------------------------------------------------------------
    @rpc
    def metrics(self, department=None, date_from=None, date_to=None):
        date_from, date_to = _period(date_from, date_to)
        result = metrics.compute(
            self.store.facts_in_period(department, date_from, date_to),
            self.store.ratings_in_period(department, date_from, date_to),
            self.store.count_complaints(department, date_from, date_to),
        )
        return {**result, "department": department, "from": date_from, "to": date_to}

    # --- complaints -------------------------------------------------------------------
    @rpc
    def create_complaint(self, complaint, actor=None):
        fields = complaints.validate(complaint)
        now = _now()
        doc = {
            "_id": uuid.uuid4().hex, **fields, "status": complaints.RECEIVED, "created_at": now.isoformat(),
            "created_on": local_date(now).isoformat(),
            "submitted_by": (actor or {}).get("username"),
            "history": [{"at": now.isoformat(), "status": complaints.RECEIVED}],
        }
        event = contracts.event(
            contracts.COMPLAINT_RECEIVED, request_id=self.request_id, complaint_id=doc["_id"],
            department=fields["department"], case_no=fields["case_no"], subject=mask_text(fields["subject"]),
        )
        self.store.add_complaint(new_document_with_events(doc, [event]))
        self.outbox.flush("complaints", doc["_id"])
        return complaints.view(doc)

    @rpc
    def get_complaint(self, complaint_id):
        return complaints.view(self.store.complaint(complaint_id))


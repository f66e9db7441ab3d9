"""Approval's entrypoints for who may decide and who watches the clock: letters of authority,
away flags, refused attempts (越权), queues, electronic supervision (电子监察) and its timer.

Mixed into ApprovalService (which provides store, outbox, request_id, _clock);
thin: parse, call the domain (delegations, policy, supervision), store, publish.
"""
import datetime as dt
import logging
import uuid

from services.approval import delegations
from services.approval.cases import UNWATCHED, WATCHED, alerts_of, case_view
from services.approval.events import alert_event
from services.approval.store import ALERTS, DELEGATIONS, VIOLATIONS
from services.common import caselist, contracts, policy
from services.common.errors import Forbidden, InvalidInput, field_error
from services.common.localtime import local_today
from services.common.rpc import rpc
from services.common.timers import setting_timer

log = logging.getLogger(__name__)
# Watched by the timer: open cases and decided ones not yet delivered.
MINE_SCAN = 1000   # queue=mine: candidates looked at per page before answering with what was found


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class AuthorityMixin:
    # --- letters of authority (首席代表委托书) ------------------------------------------
    @rpc
    def issue_delegation(self, letter, actor):
        today, now = local_today(), _now()
        fields = delegations.validate_letter(letter, today)
        if not policy.may_manage_delegations(actor or {}, fields["department"]):
            raise Forbidden("只有本部门管理员可以签发授权委托书")
        document = delegations.new_letter(fields, actor.get("username"), now)
        self.store.authority.insert_letter(document)
        return delegations.view(document, today)

    @rpc
    def list_delegations(self, department=None):
        today = local_today()
        return [delegations.view(letter, today) for letter in self.store.authority.letters(department)]

    @rpc
    def renew_delegation(self, delegation_id, valid_until, actor):
        return self._change_letter(delegation_id, actor, lambda letter, by, at:
                                   delegations.renewed(letter, valid_until, by, at))

    @rpc
    def revoke_delegation(self, delegation_id, actor, reason=None):
        return self._change_letter(delegation_id, actor, lambda letter, by, at:
                                   delegations.revoked(letter, reason, by, at))

    def _change_letter(self, delegation_id, actor, change):
        letters = self.store.authority
        letter = letters.letter(str(delegation_id))
        if not policy.may_manage_delegations(actor or {}, letter["department"]):
            raise Forbidden("只有本部门管理员可以续期或撤销授权委托书")
        fields = change(letter, actor.get("username"), _now())
        letters.update_letter(letter["_id"], letter["version"], fields)
        return delegations.view(letters.letter(letter["_id"]), local_today())

    # --- away (B角外出) and the authority in force --------------------------------------
    @rpc
    def set_away(self, username, department, away, actor):
        """The gateway pushes an account's away flag here whenever it changes."""
        if not isinstance(away, bool):
            raise InvalidInput("外出标记有误", [field_error("away", "须为 true 或 false")])
        self.store.authority.set_away(username, department, away, _now())
        return {"username": username, "away": away}

    @rpc
    def authority(self, department, today=None):
        return self._authority(department, local_today())

    def _authority(self, department, today, for_view=False):
        """The letters in force and who is away; `for_view` (a case view's allowed actions, not a decision)
        may take what this process read within the last second."""
        store = self.store.authority
        active, away = store.for_view(department) if for_view else (store.letters(department, True), store.away())
        letters = [delegations.authority_letter(letter) for letter in active if policy.in_force(letter, today)]
        return {"letters": letters, "away": list(away)}

    # --- 越权: refused attempts, visible to supervisors --------------------------------
    @rpc
    def record_violation(self, case, action, actor, reason):
        """Intake's refused attempts (receiving outside an AB岗 post) are recorded here too."""
        self._record_violation(case, action, actor or {}, reason, _now())

    def _record_violation(self, case, action, actor, reason, at):
        violation = {"_id": uuid.uuid4().hex, "at": at, "actor": actor.get("username"),
                     "actor_role": actor.get("role"), "actor_work_no": actor.get("work_no"),
                     "department": case.get("department"), "case_no": case.get("case_no"),
                     "item_code": case.get("item_code"), "action": action, "reason": reason}
        event = contracts.event(contracts.AUTHORITY_VIOLATION, request_id=self.request_id,
                                **{k: violation[k] for k in ("case_no", "department", "item_code", "actor",
                                                             "actor_role", "action", "reason", "at")})
        self.store.authority.insert_violation(violation, [event])
        self._flush(VIOLATIONS, violation["_id"])

    @rpc
    def list_violations(self, department=None, limit=100):
        fields = ("at", "actor", "actor_role", "actor_work_no", "department", "case_no", "item_code", "action",
                  "reason")
        return [{k: v.get(k) for k in fields}
                for v in self.store.authority.list_violations(department, max(1, min(int(limit), 500)))]

    # --- queues ------------------------------------------------------------------------
    @rpc
    def list_cases(self, query, actor):
        """One page of accepted cases in queue order; see services.common.caselist."""
        query, actor = dict(query or {}), actor or {}
        as_of, after, limit = query.get("as_of") or _now(), query.get("after"), int(query.get("limit") or 50)
        match = dict(policy.case_scope(actor))
        if "department" in match:
            match = {"departments": match.pop("department")}
        if query.get("department"):
            match.setdefault("$and", []).append({"departments": query["department"]})
        if query.get("status"):
            match["status"] = query["status"]
        if query.get("supervision"):
            match["supervision_state"] = query["supervision"]
        clock, today = self._clock(), local_today()
        mine = query.get("queue") == "mine"
        scan_limit = MINE_SCAN if mine else limit
        batch = self.store.page_cases(match, as_of, after, scan_limit)
        authorities, rows = {}, []
        for key, case in batch:
            department = case["department"]
            if department not in authorities:
                authorities[department] = self._authority(department, today, for_view=True)
            view = case_view(case, clock, today, actor, authorities[department])
            if not mine or view["allowed_actions"]:
                rows.append((key, view))
            if len(rows) == limit:
                break
        page = caselist.source_page(rows, limit, len(batch), scan_limit, batch[-1][0] if batch else None)
        return {"cases": [view for _, view in page["rows"]], "keys": [key for key, _ in page["rows"]],
                "bound": page["bound"]}

    # --- 电子监察 -------------------------------------------------------------------------
    @rpc
    def supervision(self, department=None):
        """Open cases now yellow or red (overall or a stage), most urgent first: those the last change or
        scan found so (the scan looks at each case again within a tick of its change or of midnight)."""
        clock, today = self._clock(), local_today()
        result = {"yellow": [], "red": []}
        for case in self.store.supervised_cases(WATCHED):
            if department and department not in (case.get("departments") or [case["department"]]):
                continue
            view = case_view(case, clock, today)
            state = view["supervision"]["state"]
            if state in result:
                result[state].append(view)
        for state in result:
            result[state].sort(key=lambda v: (not v["urgent"], v["supervision"]["remaining_working_days"]))
        return result

    @setting_timer("SUPERVISION_SCAN_SECONDS")
    def watch_deadlines(self):
        self.scan_deadlines()

    def scan_deadlines(self):
        """Announce every yellow and red deadline once: the alert's key (case, stage, deadline, state) is
        unique, so several replicas and restarts never announce one twice, and a missed tick is caught up.
        Deadlines count in working days, so a case's state changes only with the centre date or with the
        case: a tick scans the cases not yet scanned today or changed since (ApprovalStore.due_for_scan)."""
        clock, today, now = self._clock(), local_today(), _now()
        scanned = []
        for case in self.store.due_for_scan(today.isoformat()):
            if case.get("status") not in WATCHED:
                scanned.append((case, {"$set": {"scanned_on": UNWATCHED}}))
                continue
            try:
                update = self._listing_update(case, clock, today, now)
                for row in alerts_of(case, clock, today):
                    self._alert(case, row, now)
            except Exception:
                log.exception("supervision scan of case %s failed", case.get("case_no"))
                continue  # left due: the next tick tries again
            update["$set"]["scanned_on"] = today.isoformat()   # its alerts are announced
            scanned.append((case, update))
        self.store.mark_scanned(scanned)
        self._remind_letters(today)

    @rpc
    def raise_alert(self, case, row):
        """Intake's stages before acceptance (网上预审) are watched there and announced here, once."""
        self._alert(case, row, _now())

    def _alert(self, case, row, now):
        key = f"{case['case_no']}:{row['stage']}:{row['stage_deadline']}:{row['state']}"
        alert = {"_id": key, "case_no": case["case_no"], "department": case["department"], **row,
                 "responsible": case.get("holder"), "at": now}
        if self.store.authority.claim_alert(alert, [alert_event(case, row, self.request_id)]):
            self._flush(ALERTS, key)

    def _remind_letters(self, today):
        """One month before a letter ends, the department is reminded (once per end date)."""
        letters = self.store.authority
        for letter in letters.letters(active_only=True):
            if not delegations.reminder_due(letter, today):
                continue
            event = contracts.event(contracts.DELEGATION_EXPIRING, request_id=self.request_id,
                                    delegation_id=letter["_id"], department=letter["department"],
                                    a_account=letter["a_account"], b_account=letter["b_account"],
                                    valid_until=letter["valid_until"])
            try:
                letters.update_letter(letter["_id"], letter["version"], {"reminded_for": letter["valid_until"]},
                                      [event])
            except Exception:
                continue  # another replica reminded first (version guard)
            self._flush(DELEGATIONS, letter["_id"])

    def _flush(self, collection, doc_id):
        try:
            self.outbox.flush(collection, doc_id)
        except Exception:
            log.exception("outbox flush of %s/%s failed; left to the sweep", collection, doc_id)


"""Notification service: turns events into messages for applicants, staff and
supervisors, stores them (the in-app inbox) and sends them over SMS and email."""

from services.common import contracts
from services.common.config import setting
from services.common.context import RequestId
from services.common.entrypoints import Pingable, timer
from services.common.errors import InvalidInput, field_error
from services.common.handlers import handle
from services.common.mongo import Storage
from services.common.rpc import TimeoutRpcProxy, rpc
from services.notification.changes import webhook_status
from services.notification.delivery import PENDING, Courier, new_delivery, utcnow
from services.notification.dependencies import DeliverySettings
from services.notification.province import ProvinceFeeds
from services.notification.recipients import event_contact, plan, uses_contact
from services.notification.store import NotificationStore
from services.notification.templates import render
from services.notification.webhooks import payload

RETRY_SWEEP_SECONDS = float(setting("DELIVERY_SWEEP_SECONDS") or 10)
# The delivery loop sends new SMS and email every tick; event handlers only store messages,
# so a slow SMS gateway or intake never holds an event. Failed sends wait for the retry sweep.
DELIVERY_LOOP_SECONDS = 1.0
ITSELF = contracts.service_actor(contracts.Notification.SERVICE)  # named in its signed calls (get_contact)


def _recipients(value) -> list[str]:
    recipients = [value] if isinstance(value, str) else list(value or [])
    if not recipients or not all(isinstance(r, str) and r for r in recipients):
        raise InvalidInput("收件人无效", [field_error("recipients", "至少需要一个收件人")])
    return recipients


class NotificationService(ProvinceFeeds, Pingable):
    name = contracts.Notification.SERVICE
    request_id = RequestId()
    store = Storage(NotificationStore)
    delivery = DeliverySettings()
    intake = TimeoutRpcProxy(contracts.Intake.SERVICE, timeout=5)


    @rpc
    def list_inbox(self, recipients, limit=50, offset=0):
        return self.store.inbox(_recipients(recipients), max(1, min(int(limit), 200)), max(0, int(offset)))

    @rpc
    def mark_read(self, recipients, message_id):
        return self.store.mark_read(_recipients(recipients), message_id)

    @handle(contracts.APPLICATION_ACCEPTED)
    def on_application_accepted(self, event):
        self._notify(event)

    @handle(contracts.ONE_TIME_NOTICE_ISSUED)
    def on_one_time_notice_issued(self, event):
        self._notify(event)

    @handle(contracts.APPLICATION_REFUSED)
    def on_application_refused(self, event):
        self._notify(event)

    @handle(contracts.CASE_DECIDED)
    def on_case_decided(self, event):
        self._notify(event)

    @handle(contracts.CERTIFICATE_ISSUED)
    def on_certificate_issued(self, event):
        self._notify(event)

    @handle(contracts.CERTIFICATE_EXPIRING)
    def on_certificate_expiring(self, event):
        self._notify(event)

    @handle(contracts.CERTIFICATE_STATUS_CHANGED)
    def on_certificate_status_changed(self, event):
        self._notify(event)

    @handle(contracts.RATING_SUBMITTED)
    def on_rating_submitted(self, event):
        self._notify(event)

    @handle(contracts.COMPLAINT_RECEIVED)
    def on_complaint_received(self, event):
        self._notify(event)

    @timer(interval=DELIVERY_LOOP_SECONDS, eager=True)
    def deliver_new(self):
        courier, outgoing = self._courier(), self.delivery.outgoing
        while outgoing:
            courier.send_claimed(outgoing.popleft())
        courier.retry_due(statuses=(PENDING,))

    # issue 5: 电子监察 alerts, letter reminders, pauses and extensions told to the applicant
    @handle(contracts.SUPERVISION_ALERT)
    def on_supervision_alert(self, event):
        self._notify(event)

    @handle(contracts.DELEGATION_EXPIRING)
    def on_delegation_expiring(self, event):
        self._notify(event)

    @handle(contracts.APPLICATION_WITHDRAWN)
    def on_application_withdrawn(self, event):
        self._notify(event)

    # issue 6: the complainant and the applicant are told each step
    @handle(contracts.COMPLAINT_UPDATED)
    def on_complaint_updated(self, event):
        self._notify(event)

    @handle(contracts.FOLLOW_UP_UPDATED)
    def on_follow_up_updated(self, event):
        self._notify(event)

    @timer(interval=RETRY_SWEEP_SECONDS)
    def retry_deliveries(self):
        self._courier().retry_due()

    def _courier(self) -> Courier:
        return Courier(self.store, self.delivery.channels, self.delivery.max_attempts, resolve=self._address)

    def _address(self, message: dict) -> str | None:
        """An applicant's phone or email, asked of intake at each send and never stored here."""
        contact = self.intake.get_contact(message["case_no"], actor=ITSELF)
        return contact.get("phone" if message["channel"] == "sms" else "email")

    def _notify(self, event: dict) -> None:
        self._province(event)  # the change feed and the provincial network's webhooks
        case_no = event.get("case_no")
        carried = event_contact(event)  # None unless the event carries the applicant
        if carried is not None:
            self.store.remember_contact(case_no, carried)
        contact = (carried or self.store.contact_for(case_no)) if uses_contact(event) else None
        now = utcnow()
        messages = []
        for item in plan(event, contact, frozenset(self.delivery.channels)):
            rendered = render(event, item.audience, item.channel)
            messages.append({
                "event_id": event["event_id"], "event": event["event_type"], "case_no": case_no,
                "recipient": item.recipient, "audience": item.audience, "channel": item.channel,
                "address": item.address, "title": rendered.title, "body": rendered.body,
                "data": payload(event, webhook_status(event)),
                "created_at": now.isoformat(timespec="microseconds"),
                "delivery": new_delivery(item.channel, now, claimed=True),
            })
        # In one write; SMS and email wait for this process's delivery loop (an event delivered again
        # inserts nothing, so nothing is sent twice).
        self.delivery.outgoing.extend(m for m in self.store.add_all(messages) if m["delivery"]["status"] == PENDING)

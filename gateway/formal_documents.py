"""The formal documents (法律文书) of a case as plain data: title, number, date, authority and wording.

受理通知书, 一次性告知书 and 不予受理通知书 carry the text intake wrote when it
issued them; 准予 / 不予行政许可决定书 and the licence (许可证) are worded here
from the case and its certificate. gateway/pdf.py lays them out.
"""
from dataclasses import dataclass, field

LAW = "《中华人民共和国行政许可法》"
REMEDY = ("如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
          "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。")
NOTICE_TITLES = {"acceptance_notice": "受理通知书", "one_time_notice": "一次性告知书",
                 "refusal_notice": "不予受理通知书"}
TITLES = {**NOTICE_TITLES, "approval_decision": "准予行政许可决定书", "denial_decision": "不予行政许可决定书",
          "licence": "许可证"}
KINDS = tuple(TITLES)


@dataclass(frozen=True)
class Document:
    kind: str
    title: str
    number: str
    date: str
    authority: str                  # the department's full name (发文机关)
    centre: str                     # the service centre's name
    case_no: str
    addressee: str = ""
    paragraphs: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)   # the licence's entries
    verify_url: str | None = None   # the licence's QR code


def _addressee(case: dict) -> str:
    return (case.get("applicant") or {}).get("name") or "申请人"


def available(case: dict) -> list[str]:
    """The kinds of document a case has now."""
    kinds = []
    notice_kind = (case.get("notice") or {}).get("kind")
    if notice_kind in NOTICE_TITLES:
        kinds.append(notice_kind)
    result = (case.get("decision") or {}).get("result")
    if result in ("approved", "denied"):
        kinds.append("approval_decision" if result == "approved" else "denial_decision")
    if case.get("certificate_no"):
        kinds.append("licence")
    return kinds


def _notice(case: dict, kind: str, authority: str, centre: str) -> Document:
    notice = case["notice"]
    lines = [line for line in (notice.get("text") or "").split("\n") if line.strip()]
    addressee = lines[0].rstrip("：:") if lines and lines[0].endswith(("：", ":")) else _addressee(case)
    body = lines[1:] if lines and lines[0].endswith(("：", ":")) else lines
    # intake's text ends with its own signature (department, date): the layout signs instead
    while body and (body[-1] == notice.get("date") or "政务服务中心窗口" in body[-1]):
        body.pop()
    return Document(kind, TITLES[kind], notice.get("number") or f"{kind}-{case['case_no']}", notice.get("date") or "",
                    authority, centre, case["case_no"], addressee, body)


def _decision(case: dict, kind: str, authority: str, centre: str, licence_name: str | None) -> Document:
    decision = case["decision"]
    accepted = case.get("accepted_on") or ""
    opening = (f"你（单位）提出的「{case.get('item_name') or case['item_code']}」申请（办件编号 {case['case_no']}），"
               f"本机关已于{accepted}依法受理。")
    if kind == "approval_decision":
        paragraphs = [opening + f"经审查，申请符合法定条件、标准。根据{LAW}第三十八条第一款的规定，决定准予行政许可。"]
        if licence_name:
            number = f"（证书编号 {case['certificate_no']}）" if case.get("certificate_no") else ""
            paragraphs.append(f"本机关自作出本决定之日起十个工作日内向你（单位）颁发、送达《{licence_name}》{number}。")
        number = f"ZY-{case['case_no']}"
    else:
        paragraphs = [opening + "经审查，申请不符合法定条件、标准，理由如下：",
                      decision.get("reason") or "（未说明）",
                      f"根据{LAW}第三十八条第二款的规定，决定不予行政许可。", REMEDY]
        number = f"BY-{case['case_no']}"
    return Document(kind, TITLES[kind], number, decision.get("decided_on") or "", authority, centre,
                    case["case_no"], _addressee(case), paragraphs)


def _licence(case: dict, certificate: dict, authority: str, centre: str, verify_url: str) -> Document:
    holder = certificate.get("holder_name") or _addressee(case)
    entries = [
        ("证书编号", certificate["certificate_no"]),
        ("持 证 人", holder),
        ("许可事项", certificate.get("item_name") or case.get("item_name") or ""),
        ("有效期限", f"{certificate['valid_from']} 至 {certificate['valid_until']}"),
        ("发证机关", authority),
        ("发证日期", certificate.get("issued_on") or certificate["valid_from"]),
        ("办件编号", case["case_no"]),
    ]
    if certificate.get("replaces"):
        entries.append(("换发原证", certificate["replaces"]))
    title = certificate.get("licence_name") or TITLES["licence"]
    paragraphs = [f"经审查，{holder}符合法定条件、标准，准予许可，特发此证。",
                  "本证须悬挂于经营场所醒目位置；有效期届满需继续从事许可活动的，应当在有效期届满三十日前申请延续。"]
    return Document("licence", title, certificate["certificate_no"], entries[5][1], authority, centre,
                    case["case_no"], holder, paragraphs, entries, verify_url)


def build(case: dict, kind: str, authority: str, centre: str, certificate: dict | None = None,
          verify_url: str | None = None) -> Document:
    """One formal document of `case`; KeyError if the case has no such document."""
    if kind not in available(case):
        raise KeyError(kind)
    if kind in NOTICE_TITLES:
        return _notice(case, kind, authority, centre)
    if kind == "licence":
        return _licence(case, certificate or {}, authority, centre, verify_url or "")
    licence_name = (certificate or {}).get("licence_name")
    return _decision(case, kind, authority, centre, licence_name)

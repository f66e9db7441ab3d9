"""The formal documents intake issues: 一次性告知书, 受理通知书 and 不予受理通知书.

Each is numbered and dated; the text is what the applicant reads.
"""
LAW = "《中华人民共和国行政许可法》"


def _authority(case: dict) -> str:
    """The department's name as the catalogue (departments are data) gave it to the item."""
    return (case.get("item") or {}).get("department_name") or case["department"]


def _addressee(case: dict) -> str:
    return (case.get("applicant") or {}).get("name") or "申请人"


def _query_code_line(case: dict) -> str:
    """查询码 on the notice: with the case number it opens progress and rating without an account."""
    code = case.get("query_code")
    return f"\n查询码：{code}（凭办件编号和查询码可查询办理进度、下载文书并对本次服务进行评价）" if code else ""


def one_time_notice(case: dict, missing: list[dict], issued_on: str) -> dict:
    """一次性告知书: every missing or defective material, at once."""
    lines = [f"{i}. {m['name']}（{m['code']}）：{m['reason']}" for i, m in enumerate(missing, 1)]
    text = (
        f"{_addressee(case)}：\n您于{case['received_on']}提交的「{case['item_name']}」申请"
        f"（办件编号 {case['case_no']}），"
        f"申请材料不齐全或者不符合法定形式。根据{LAW}第三十二条第一款第（四）项的规定，"
        f"现一次性告知您需要补正的全部内容：\n" + "\n".join(lines) +
        "\n请补正上述全部材料。补正齐全后本机关即予受理；除上述内容外，不再要求补正其他材料。"
        + _query_code_line(case) +
        f"\n监督电话：{case['item']['complaint_phone']}\n{_authority(case)}（政务服务中心窗口）\n{issued_on}"
    )
    return {"kind": "one_time_notice", "number": f"GZ-{case['case_no']}", "date": issued_on,
            "items": [dict(m) for m in missing], "text": text, "query_code": case.get("query_code")}


def acceptance_notice(case: dict, accepted_on: str, deadlines: dict | None, pledged: list[dict]) -> dict:
    """受理通知书, with the promised date when approval has computed it."""
    limits = case["item"]
    if deadlines and deadlines.get("promised"):
        when = f"承诺于{deadlines['promised']}前办结（法定期限至{deadlines.get('statutory')}）"
    else:
        when = f"承诺于受理之日起{limits['promised_days']}个工作日内办结（法定时限{limits['statutory_days']}个工作日）"
    pledge_text = "".join(
        f"\n根据告知承诺，您须于{p['due_date']}前补交：{p['name']}（{p['code']}）。" for p in pledged
    )
    text = (
        f"{_addressee(case)}：\n您于{case['received_on']}提交的「{case['item_name']}」申请，申请材料齐全、符合法定形式。"
        f"根据{LAW}第三十二条第一款第（五）项的规定，决定予以受理，办件编号 {case['case_no']}。"
        f"本事项{when}；听证、检验、检测、鉴定和专家评审所需时间不计算在内。" + pledge_text + _query_code_line(case) +
        f"\n监督电话：{case['item']['complaint_phone']}\n{_authority(case)}（政务服务中心窗口）\n{accepted_on}"
    )
    return {"kind": "acceptance_notice", "number": f"SL-{case['case_no']}", "date": accepted_on, "text": text,
            "query_code": case.get("query_code")}


def refusal_notice(case: dict, reason: str, refused_on: str) -> dict:
    """不予受理通知书: numbered, dated, with reasons and the applicant's remedies."""
    text = (
        f"{_addressee(case)}：\n您于{case['received_on']}提交的「{case['item_name']}」申请"
        f"（办件编号 {case['case_no']}），"
        f"经审查，决定不予受理。\n理由：{reason}\n"
        f"根据{LAW}第三十八条第二款的规定，特此书面告知。如对本决定不服，可以自收到本通知书之日起六十日内"
        f"依法申请行政复议，或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。\n"
        f"监督电话：{case['item']['complaint_phone']}\n{_authority(case)}（政务服务中心窗口）\n{refused_on}"
    )
    return {"kind": "refusal_notice", "number": f"BSL-{case['case_no']}", "date": refused_on,
            "reason": reason, "text": text}

"""The OpenAPI 3.1 document of the gateway, written as data.

Request bodies reuse the JSON schemas the gateway validates with
(gateway/schemas.py), so the document cannot drift from the validation.
A unit test checks that every route of the app appears here.
"""

from gateway import schemas

PROBLEM = {"$ref": "#/components/schemas/Problem"}
CASE = {"$ref": "#/components/schemas/Case"}
BEARER = [{"bearer": []}]
PUBLIC: list = []


def _clean(schema: dict) -> dict:
    """Drop our private x-message keys (fine in OpenAPI, but noise for readers)."""
    if isinstance(schema, dict):
        return {k: _clean(v) for k, v in schema.items() if k != "x-message"}
    if isinstance(schema, list):
        return [_clean(v) for v in schema]
    return schema


def body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _clean(schema)}}}


def ok(description: str, schema: dict | None = None, status: str = "200") -> dict:
    content = {"application/json": {"schema": schema or {"type": "object"}}}
    return {status: {"description": description, "content": content}}


def problems(*statuses: int) -> dict:
    return {
        str(s): {"description": "problem+json", "content": {"application/problem+json": {"schema": PROBLEM}}}
        for s in statuses
    }


def op(summary: str, responses: dict, security=BEARER, request=None, parameters=None, tag="platform") -> dict:
    operation = {"summary": summary, "tags": [tag], "security": security, "responses": responses}
    if request:
        operation["requestBody"] = body(request)
    if parameters:
        operation["parameters"] = parameters
    return operation


def path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def query(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"}}


PAGING = [query("limit", {"type": "integer", "minimum": 1}), query("offset", {"type": "integer", "minimum": 0})]
CASE_NO = [path_param("case_no")]

PATHS = {
    "/v1/auth/token": {
        "post": op(
            "登录，获取访问令牌", {**ok("令牌"), **problems(400, 401, 422)}, PUBLIC, schemas.TOKEN, tag="accounts"
        )
    },
    "/v1/accounts": {
        "post": op(
            "创建账号（中心管理员；部门管理员限本部门）；API 客户端的密钥仅返回一次",
            {**ok("账号", status="201"), **problems(400, 401, 403, 409, 422)},
            request=schemas.ACCOUNT,
            tag="accounts",
        )
    },
    "/v1/accounts/register": {
        "post": op(
            "申请人自助注册",
            {**ok("账号", status="201"), **problems(400, 409, 422)},
            PUBLIC,
            schemas.REGISTRATION,
            tag="accounts",
        )
    },
    "/v1/me": {"get": op("当前账号", {**ok("账号"), **problems(401)}, tag="accounts")},
    "/v1/items": {
        "get": op(
            "事项目录（公开）",
            {**ok("{items:[...]}"), **problems(422, 503)},
            PUBLIC,
            parameters=[query("department"), query("category"), *PAGING],
            tag="catalogue",
        )
    },
    "/v1/items/{code}": {
        "get": op(
            "事项详情（八公开）",
            {**ok("事项"), **problems(404, 503)},
            PUBLIC,
            parameters=[path_param("code")],
            tag="catalogue",
        )
    },
    "/v1/applications": {
        "post": op(
            "提交申请（申请人、窗口人员、省级平台）；建议携带 Idempotency-Key",
            {
                **ok("{case_no,status,missing,deadlines,notice}", status="201"),
                **problems(400, 401, 403, 404, 409, 422, 503),
            },
            request=schemas.APPLICATION,
            parameters=[{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}],
            tag="cases",
        )
    },
    "/v1/cases/{case_no}": {
        "get": op("办件详情与进度", {**ok("办件", CASE), **problems(401, 404, 503)}, parameters=CASE_NO, tag="cases")
    },
    "/v1/cases/{case_no}/supplements": {
        "post": op(
            "补正材料",
            {**ok("办件", CASE), **problems(400, 401, 403, 404, 409, 422)},
            request=schemas.SUPPLEMENT,
            parameters=CASE_NO,
            tag="cases",
        )
    },
    "/v1/cases/{case_no}/transitions": {
        "post": op(
            "窗口人员办理（受理、审查、决定、发证、送达……）",
            {**ok("办件", CASE), **problems(400, 401, 403, 404, 409, 422)},
            request=schemas.TRANSITION,
            parameters=CASE_NO,
            tag="cases",
        )
    },
    "/v1/cases/{case_no}/rating": {
        "post": op(
            "好差评（每件一次）",
            {**ok("评价", status="201"), **problems(400, 401, 403, 404, 409, 422)},
            request=schemas.RATING,
            parameters=CASE_NO,
            tag="evaluation",
        )
    },
    "/v1/me/notifications": {
        "get": op(
            "我的站内消息（新的在前）",
            {**ok("{notifications:[...]}"), **problems(401, 503)},
            parameters=PAGING,
            tag="notifications",
        )
    },
    "/v1/complaints": {
        "post": op(
            "投诉（可匿名）",
            {**ok("{id,status}", status="201"), **problems(400, 422, 503)},
            PUBLIC,
            schemas.COMPLAINT,
            tag="evaluation",
        ),
        # issue 6
        "get": op(
            "投诉列表（督查；部门人员限本部门），含每步时限的黄红牌",
            {**ok("{complaints:[...]}"), **problems(401, 403, 422)},
            parameters=[query("department"), query("status"),
                        query("supervision", {"enum": ["green", "yellow", "red"]}),
                        query("limit", {"type": "integer", "minimum": 1})],
            tag="evaluation",
        ),
    },
    "/v1/complaints/{complaint_id}": {
        "get": op(
            "投诉详情", {**ok("投诉"), **problems(401, 404)}, parameters=[path_param("complaint_id")], tag="evaluation"
        )
    },
    "/v1/metrics": {
        "get": op(
            "效能指标（督查、中心管理员；部门人员限本部门）",
            {**ok("指标"), **problems(401, 403, 422)},
            parameters=[
                query("department"),
                query("from", {"type": "string", "format": "date"}),
                query("to", {"type": "string", "format": "date"}),
                # issue 6
                query("staff"),
                query("item_code"),
                query("period", _clean(schemas.PERIOD)),
            ],
            tag="evaluation",
        )
    },
    # --- issue 6: complaints' steps, follow-ups, accountability, rankings, reports ---------------
    "/v1/complaints/{complaint_id}/transitions": {
        "post": op(
            "投诉办理：assign {to} → investigate → conclude {substantiated,findings,staff?} → reply {text} → close；"
            "顺序不符 409",
            {**ok("投诉"), **problems(400, 401, 403, 404, 409, 422)},
            request=schemas.COMPLAINT_TRANSITION,
            parameters=[path_param("complaint_id")],
            tag="evaluation",
        )
    },
    "/v1/follow-ups": {
        "get": op(
            "差评回访整改列表（督查；部门人员限本部门），含超期标记与黄红牌",
            {**ok("{follow_ups:[...]}"), **problems(401, 403, 422)},
            parameters=[query("department"),
                        query("state", {"enum": ["open", "contacted", "rectified", "dismissed", "closed"]}),
                        query("limit", {"type": "integer", "minimum": 1})],
            tag="evaluation",
        )
    },
    "/v1/follow-ups/{follow_up_id}": {
        "get": op("回访整改详情", {**ok("回访整改"), **problems(401, 403, 404)},
                  parameters=[path_param("follow_up_id")], tag="evaluation")
    },
    "/v1/follow-ups/{follow_up_id}/transitions": {
        "post": op(
            "回访整改：contact（回访）→ rectify（整改）或 dismiss（不予整改，须说明理由）→ close；顺序不符 409",
            {**ok("回访整改"), **problems(400, 401, 403, 404, 409, 422)},
            request=schemas.FOLLOW_UP_TRANSITION,
            parameters=[path_param("follow_up_id")],
            tag="evaluation",
        )
    },
    "/v1/accountability": {
        "get": op(
            "责任追究：每人、每单位当年记录数与后果（none/no_award/fail_assessment；none/criticised）",
            {**ok("{year,people:[...],units:[...]}"), **problems(401, 403, 422)},
            parameters=[query("year", {"type": "string", "pattern": r"^\d{4}$"}), query("department")],
            tag="evaluation",
        ),
        "post": op(
            "督查人员登记责任追究记录（须说明理由）",
            {**ok("记录", status="201"), **problems(400, 401, 403, 422)},
            request=schemas.ACCOUNTABILITY_RECORD,
            tag="evaluation",
        ),
    },
    "/v1/accountability/records": {
        "get": op(
            "责任追究记录明细（来源：投诉属实、越权审批、超期办件、差评未整改、督查登记）",
            {**ok("{records:[...]}"), **problems(401, 403, 422)},
            parameters=[query("year", {"type": "string", "pattern": r"^\d{4}$"}), query("department"),
                        query("username")],
            tag="evaluation",
        )
    },
    "/v1/metrics/rebuild": {
        "post": op("由办件事实、评价与投诉重建统计计数（督查、中心管理员）",
                   {**ok("{counters,case_facts,ratings,complaints}"), **problems(401, 403)}, tag="evaluation")
    },
    "/v1/rankings": {
        "get": op(
            "红旗窗口与服务标兵排名（period=YYYY-MM 月度；YYYY-Qn 季度前十），附评分公式；受追究者不得评选",
            {**ok("{period,formula,windows:[...],staff:[...]}"), **problems(401, 403, 422)},
            parameters=[{"name": "period", "in": "query", "required": True, "schema": _clean(schemas.PERIOD)}],
            tag="evaluation",
        )
    },
    "/v1/rankings/formula": {
        "get": op("当前评分公式与权重", {**ok("公式"), **problems(401, 403)}, tag="evaluation"),
        "put": op(
            "修改评分公式与权重（中心管理员、督查）",
            {**ok("公式"), **problems(400, 401, 403, 422)},
            request=schemas.RANKING_FORMULA,
            tag="evaluation",
        ),
    },
    "/v1/reports/monthly": {
        "get": op(
            "月度报告（Excel 或 PDF，中文，含图表，数字与 /v1/metrics 一致）",
            {
                "200": {
                    "description": "xlsx 或 pdf 文件",
                    "content": {
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                            "schema": {"type": "string", "format": "binary"}},
                        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    },
                },
                **problems(401, 403, 422),
            },
            parameters=[{"name": "period", "in": "query", "required": True, "schema": _clean(schemas.MONTH)},
                        query("department"), query("format", {"enum": ["xlsx", "pdf"]})],
            tag="evaluation",
        )
    },
    "/v1/certificates/{certificate_no}": {
        "get": op(
            "证照核验（公开，个人信息脱敏）",
            {**ok("证照"), **problems(404, 503)},
            PUBLIC,
            parameters=[path_param("certificate_no")],
            tag="certificates",
        )
    },
    "/healthz": {"get": op("进程存活", ok("alive"), PUBLIC, tag="operations")},
    "/readyz": {
        "get": op("就绪：消息服务与全部服务可响应", {**ok("ready"), **problems(503)}, PUBLIC, tag="operations")
    },
    "/metrics": {
        "get": op(
            "Prometheus 指标（文本格式）",
            {
                "200": {
                    "description": "text/plain; version=0.0.4",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            },
            PUBLIC,
            tag="operations",
        )
    },
    "/openapi.json": {"get": op("本文档", ok("OpenAPI 3.1"), PUBLIC, tag="operations")},
}

# --- issue 5: who may decide, who watches the clock ------------------------------------------
SUPERVISION_STATE = {"enum": ["green", "yellow", "red"]}
PATHS.update({
    "/v1/cases": {
        "get": op(
            "办件列表：按剩余工作日排序（绿色通道在前），游标分页不重不漏；queue=mine 为本人当前可办理的办件",
            {**ok("{cases:[...],next_cursor}"), **problems(401, 422, 503)},
            parameters=[query("status"), query("department"), query("supervision", SUPERVISION_STATE),
                        query("queue", {"enum": ["mine", "all"]}), query("limit", {"type": "integer", "minimum": 1,
                                                                                   "maximum": 200}),
                        query("cursor")],
            tag="cases",
        )
    },
    "/v1/supervision": {
        "get": op(
            "电子监察：黄牌（期限前一个工作日起）与红牌（已超期）办件（督查、中心管理员；部门人员限本部门）",
            {**ok("{yellow:[case...],red:[case...]}"), **problems(401, 403, 503)},
            parameters=[query("department")],
            tag="supervision",
        )
    },
    "/v1/supervision/violations": {
        "get": op(
            "越权记录：超出授权委托书的操作（督查、中心管理员）",
            {**ok("{violations:[{at,actor,case_no,action,reason}]}"), **problems(401, 403, 422, 503)},
            parameters=[query("department"), query("limit", {"type": "integer", "minimum": 1, "maximum": 500})],
            tag="supervision",
        )
    },
    "/v1/calendar/{year}": {
        "get": op("某年节假日与调休（公开）", {**ok("{year,source,estimated,holidays,workdays}"), **problems(422, 503)},
                  PUBLIC, parameters=[path_param("year")], tag="calendar"),
        "put": op("录入某年节假日与调休（中心管理员）；在办办件重新计算期限",
                  {**ok("{year,source,estimated,holidays,workdays}"), **problems(400, 401, 403, 422, 503)},
                  request=schemas.CALENDAR_YEAR, parameters=[path_param("year")], tag="calendar"),
    },
    "/v1/delegations": {
        "post": op("签发首席代表授权委托书（部门管理员）；默认有效期两年",
                   {**ok("授权委托书", status="201"), **problems(400, 401, 403, 422, 503)},
                   request=schemas.DELEGATION, tag="delegations"),
        "get": op("授权委托书及其历史（部门人员限本部门）", {**ok("{delegations:[...]}"), **problems(401, 403, 503)},
                  parameters=[query("department")], tag="delegations"),
    },
    "/v1/delegations/{delegation_id}/revoke": {
        "post": op("撤销授权委托书（部门管理员）", {**ok("授权委托书"), **problems(400, 401, 403, 404, 409, 422)},
                   request=schemas.DELEGATION_REVOKE, parameters=[path_param("delegation_id")], tag="delegations"),
    },
    "/v1/delegations/{delegation_id}/renew": {
        "post": op("授权委托书续期（部门管理员）", {**ok("授权委托书"), **problems(400, 401, 403, 404, 409, 422)},
                   request=schemas.DELEGATION_RENEW, parameters=[path_param("delegation_id")], tag="delegations"),
    },
    "/v1/accounts/{username}/away": {
        "post": op("标记外出：B角外出期间由A角审批（本人、本部门管理员、中心管理员）",
                   {**ok("{username,away}"), **problems(400, 401, 403, 404, 422, 503)},
                   request=schemas.AWAY, parameters=[path_param("username")], tag="delegations"),
    },
})

# --- issue 8: credentials, webhooks, change feed, exchange codes ----------------------
USERNAME_PARAM = [path_param("username")]
KEY_PARAMS = [path_param("username"), path_param("key_id")]
WEBHOOK_PARAM = [path_param("webhook_id")]
PATHS.update({
    "/v1/auth/refresh": {
        "post": op("用刷新令牌换取新的访问令牌（刷新令牌只能使用一次）", {**ok("令牌"), **problems(400, 401, 422, 429)},
                   PUBLIC, schemas.REFRESH, tag="accounts")
    },
    "/v1/accounts/{username}/disable": {
        "post": op("停用账号：其令牌与 API 密钥立即失效（中心管理员；部门管理员限本部门）",
                   {**ok("账号"), **problems(401, 403, 404)}, parameters=USERNAME_PARAM, tag="accounts")
    },
    "/v1/accounts/{username}/enable": {
        "post": op("恢复账号（须重新登录）", {**ok("账号"), **problems(401, 403, 404)}, parameters=USERNAME_PARAM,
                   tag="accounts")
    },
    "/v1/accounts/{username}/api-keys": {
        "get": op("API 密钥列表（不含密钥本身）", {**ok("{api_keys:[...]}"), **problems(401, 403, 404)},
                  parameters=USERNAME_PARAM, tag="accounts"),
        "post": op("发放带权限范围的 API 密钥（密钥仅返回一次）", {**ok("密钥", status="201"),
                   **problems(400, 401, 403, 404, 422)}, request=schemas.API_KEY, parameters=USERNAME_PARAM,
                   tag="accounts"),
    },
    "/v1/accounts/{username}/api-keys/{key_id}/rotate": {
        "post": op("轮换 API 密钥：新密钥同权限，旧密钥立即失效（key_id 为 initial 表示创建账号时的密钥）",
                   {**ok("新密钥", status="201"), **problems(401, 403, 404, 409)}, parameters=KEY_PARAMS,
                   tag="accounts")
    },
    "/v1/accounts/{username}/api-keys/{key_id}/revoke": {
        "post": op("吊销 API 密钥", {**ok("密钥"), **problems(401, 403, 404)}, parameters=KEY_PARAMS, tag="accounts")
    },
    "/v1/webhooks": {
        "post": op("注册 Webhook（API 客户端）；签名密钥仅返回一次",
                   {**ok("{id,secret,...}", status="201"), **problems(400, 401, 403, 422, 503)},
                   request=schemas.WEBHOOK, tag="province"),
        "get": op("Webhook 列表", {**ok("{webhooks:[...]}"), **problems(401, 403, 503)}, tag="province"),
    },
    "/v1/webhooks/{webhook_id}": {
        "get": op("Webhook 详情", {**ok("webhook"), **problems(401, 403, 404, 503)}, parameters=WEBHOOK_PARAM,
                  tag="province"),
        "delete": op("停用 Webhook", {**ok("webhook"), **problems(401, 403, 404, 503)}, parameters=WEBHOOK_PARAM,
                     tag="province"),
    },
    "/v1/webhooks/{webhook_id}/rotate-secret": {
        "post": op("轮换签名密钥：未发送的投递用新密钥签名，旧密钥在过渡期内以 X-Webhook-Signature-Previous 同时签名",
                   {**ok("{id,secret,previous_valid_until}"), **problems(401, 403, 404, 503)},
                   parameters=WEBHOOK_PARAM, tag="province")
    },
    "/v1/webhooks/{webhook_id}/deliveries": {
        "get": op("投递记录：每次尝试、重试与死信", {**ok("{deliveries:[...]}"), **problems(401, 403, 404, 422, 503)},
                  parameters=[*WEBHOOK_PARAM, query("limit", {"type": "integer", "minimum": 1, "maximum": 200})],
                  tag="province")
    },
    "/v1/changes": {
        "get": op("状态变更流：每次变更恰好一次、按序、无缺漏；空页返回同一游标",
                  {**ok("{changes:[{seq,case_no,status,at}],next_cursor}", {
                      "type": "object", "required": ["changes", "next_cursor"],
                      "properties": {"changes": {"type": "array"}, "next_cursor": {"type": "string"}}}),
                   **problems(401, 403, 422, 503)},
                  parameters=[query("cursor"), query("limit", {"type": "integer", "minimum": 1, "maximum": 500})],
                  tag="province")
    },
    "/v1/codes": {
        "get": op("交换代码表清单（GB/T 39046-2020）", ok("{province,tables}"), PUBLIC, tag="province")
    },
    "/v1/codes/{table}": {
        "get": op("交换代码表（case_kind, channel, status, satisfaction, applicant_type）",
                  {**ok("{table,codes:[{ours,code,name}]}"), **problems(404)}, PUBLIC,
                  parameters=[path_param("table")], tag="province")
    },
    "/v1/cases/{case_no}/applicant/reveal": {
        "post": op("查看申请人完整证件号码和手机号码（本部门窗口人员，须说明理由；每次查看均记录）",
                   {**ok("{case_no,id_number,phone}"), **problems(400, 401, 403, 404, 422, 503)},
                   request=schemas.REVEAL, parameters=CASE_NO, tag="cases")
    },
    "/v1/cases/{case_no}/exchange": {
        "get": op("办件的交换格式（GB/T 39046-2020 字段名与代码）", {**ok("{standard,province,record}"),
                  **problems(401, 404, 503)}, parameters=CASE_NO, tag="province")
    },
})

# --- licences, documents, progress, results, catalogue editing (issue 7) ------------------------
CODE_PARAM = query("code")
PDF = {"200": {"description": "application/pdf（中文，含编号、日期、中心与部门名称）",
               "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}
PATHS["/v1/items"]["post"] = op(
    "新增事项（部门管理员限本部门；中心管理员），版本 1",
    {**ok("事项", status="201"), **problems(400, 401, 403, 409, 422)}, request=schemas.ITEM, tag="catalogue")
PATHS["/v1/items/{code}"]["put"] = op(
    "修改事项：生成新版本并留痕（承诺时限不得长于法定时限，否则 422）",
    {**ok("新版本事项"), **problems(400, 401, 403, 404, 409, 422)}, request=schemas.ITEM_CHANGES,
    parameters=[path_param("code")], tag="catalogue")
PATHS["/v1/cases/{case_no}/rating"]["post"]["parameters"] = [*CASE_NO, CODE_PARAM]
PATHS["/v1/cases/{case_no}/rating"]["post"]["summary"] = (
    "好差评（每件一次）：申请人或其 API 客户端；评价器和短信链接无需账号，凭 ?code= 查询码")
PATHS["/v1/cases/{case_no}/rating"]["post"]["responses"].update(problems(429))
PATHS.update({
    "/v1/items/{code}/versions": {"get": op(
        "事项版本与修改记录（谁、何时、改了什么）", {**ok("{versions:[{version,changed_at,changed_by,changes}]}"),
                                              **problems(404, 503)}, PUBLIC, parameters=[path_param("code")],
        tag="catalogue")},
    "/v1/departments": {"get": op("部门（名称、窗口、咨询与监督电话）", ok("{departments:[...]}"), PUBLIC,
                                  tag="catalogue")},
    "/v1/certificates": {"post": op(
        "登记存量证照（平台上线前核发的许可证；部门管理员限本部门）",
        {**ok("证照", status="201"), **problems(400, 401, 403, 422, 503)}, request=schemas.CERTIFICATE_REGISTRATION,
        tag="certificates")},
    "/v1/certificates/{certificate_no}/transitions": {"post": op(
        "撤销（revoke）或注销（cancel）许可证，须说明理由（发证部门工作人员）",
        {**ok("证照"), **problems(400, 401, 403, 404, 409, 422)}, request=schemas.CERTIFICATE_TRANSITION,
        parameters=[path_param("certificate_no")], tag="certificates")},
    "/v1/results": {"get": op(
        "结果公示：许可决定（申请人脱敏）",
        {**ok("{results:[{case_no,item_code,item_name,holder,decision,decided_on}]}"), **problems(422, 503)}, PUBLIC,
        parameters=[query("department"), query("from", {"type": "string", "format": "date"}),
                    query("to", {"type": "string", "format": "date"})], tag="certificates")},
    "/v1/progress/{case_no}": {"get": op(
        "办件进度查询（公开，凭查询码；无个人信息）；查询码错误与办件不存在同为 404，多次猜错 429",
        {**ok("{case_no,item_name,status,deadlines,updated_at}"), **problems(404, 429, 503)}, PUBLIC,
        parameters=[*CASE_NO, {**CODE_PARAM, "required": True}], tag="cases")},
    "/v1/cases/{case_no}/documents": {"get": op(
        "办件文书清单（受理通知书、一次性告知书、不予受理通知书、准予/不予许可决定书、许可证）；或凭 ?code= 查询码",
        {**ok("{documents:[{kind,title,url}]}"), **problems(401, 404, 429)}, parameters=[*CASE_NO, CODE_PARAM],
        tag="cases")},
    "/v1/cases/{case_no}/documents/{kind}": {"get": op(
        "下载文书 PDF", {**PDF, **problems(401, 404, 429)},
        parameters=[*CASE_NO, path_param("kind"), CODE_PARAM], tag="cases")},
})

# --- pages (HTML for people, gateway/pages; listed briefly: they answer text/html) ---
def _page(summary: str, post: str | None = None, params: tuple = ()) -> dict:
    html = {"200": {"description": "HTML（中文）", "content": {"text/html": {"schema": {"type": "string"}}}},
            "303": {"description": "重定向（如未登录时转到 /login）"}}
    parameters = [path_param(name) for name in params] or None
    entry = {"get": op(summary, html, PUBLIC, parameters=parameters, tag="pages")}
    if post:
        entry["post"] = op(post, html, PUBLIC, parameters=parameters, tag="pages")
    return entry


PATHS.update({
    "/": _page("事项目录与搜索"),
    "/items/{code}": _page("事项八公开与材料清单（可打印）", params=("code",)),
    "/progress": _page("凭办件编号和查询码查询进度"),
    "/rate": _page("评价器首页：输入办件编号"),
    "/rate/{case_no}": _page("服务评价（评价器、短信链接）", "提交评价", params=("case_no",)),
    "/verify": _page("证照核验（输入证书编号）"),
    "/verify/{certificate_no}": _page("证照核验（二维码指向此处）", params=("certificate_no",)),
    "/results": _page("结果公示"),
    "/login": _page("登录页", "登录（会话 Cookie）"),
    "/logout": {"post": _page("", "退出登录")["post"]},
    "/workbench": _page("工作台：我的待办队列（需登录）"),
    "/workbench/apply": _page("窗口收件表单（窗口人员）", "提交窗口收件"),
    "/workbench/cases/{case_no}": _page("办件页：信息、过程、可办理操作", params=("case_no",)),
    "/workbench/cases/{case_no}/actions": {"post": _page("", "办理一个操作", params=("case_no",))["post"]},
    "/workbench/cases/{case_no}/notice": _page("可打印的通知书", params=("case_no",)),
    "/workbench/download": _page("以登录会话下载文书或月度报告"),
    "/workbench/accounts": _page("账号管理（中心、部门管理员）", "创建或停用账号"),
    "/workbench/calendar": _page("工作日历（中心管理员）", "保存一年的日历"),
    "/workbench/delegations": _page("首席代表授权书（部门管理员）", "签发或撤销授权书"),
    "/workbench/items/{code}": _page("编辑事项（部门管理员）", "保存为新版本", params=("code",)),
    "/dashboard": _page("电子监察看板（监察人员）"),
})

COMPONENTS = {
    "securitySchemes": {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "人员：POST /v1/auth/token 获取的令牌；API 客户端：创建时发放的 API 密钥",
        }
    },
    "schemas": {
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        },
        "Case": {
            "type": "object",
            "required": ["case_no", "item_code", "status", "deadlines", "clock", "history"],
            "properties": {
                "case_no": {"type": "string"},
                "item_code": {"type": "string"},
                "status": {"type": "string"},
                "deadlines": {"type": ["object", "null"]},
                "clock": {
                    "type": "object",
                    "properties": {"paused": {"type": "boolean"}, "used_working_days": {"type": "integer"}},
                },
                "history": {"type": "array", "items": {"type": "object"}},
                "certificate_no": {"type": "string"},
                "allowed_actions": {"type": "array", "items": {"type": "string"}},
                "supervision": {"type": "object", "properties": {
                    "state": {"enum": ["green", "yellow", "red"]}, "stage": {"type": ["string", "null"]},
                    "stage_deadline": {"type": ["string", "null"]},
                    "remaining_working_days": {"type": ["integer", "null"]}}},
                "received_by": {"type": ["object", "null"]},
                "urgent": {"type": "boolean"},
            },
        },
    },
}

# --- issue 10: dead letters for ops; Idempotency-Key on every state-changing call -------------------
DEAD_LETTER_ID = [path_param("dead_letter_id")]
PATHS.update({
    "/v1/ops/dead-letters": {
        "get": op("死信列表：处理失败的消息及原因（中心管理员）",
                  {**ok("{dead_letters:[...]}"), **problems(401, 403, 422, 503)},
                  parameters=[query("status", {"type": "string", "enum": ["pending", "replaying", "replayed"]}),
                              query("limit", {"type": "integer", "minimum": 1, "maximum": 500})],
                  tag="operations"),
    },
    "/v1/ops/dead-letters/{dead_letter_id}/replay": {
        "post": op("重放一条死信到原队列（中心管理员）", {**ok("死信"), **problems(401, 403, 404, 409, 503)},
                   parameters=DEAD_LETTER_ID, tag="operations"),
    },
})
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 200},
    "description": "同一调用方、同一键、同一请求体：返回首次的应答；请求体不同：409；首次应答 503 时可安全重试",
}


def _with_idempotency_key(paths: dict) -> dict:
    for operations in paths.values():
        for method in ("post", "put", "patch", "delete"):
            if method in operations:
                parameters = operations[method].get("parameters") or []
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    operations[method]["parameters"] = [*parameters, IDEMPOTENCY_KEY]  # lists are shared
    return paths
# --- end issue 10 ------------------------------------------------------------------------------------


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "政务服务中心行政许可窗口平台 API",
            "version": "1.0.0",
            "description": "错误均为 application/problem+json；每个响应带 X-Request-Id。",
        },
        "paths": _with_idempotency_key(PATHS),
        "components": COMPONENTS,
    }

"""gunicorn's own error answers (414 URI too long, 431 headers too large, 400
bad request line...) as problem+json like every other error, not HTML.

gunicorn writes them before any app code runs, with `gunicorn.util.write_error`;
`install()` (called from deploy/gunicorn.conf.py) replaces that function.
"""
import json

from gunicorn import util

TITLES = {400: "请求格式错误", 414: "请求地址过长", 431: "请求头过大", 500: "服务内部错误"}


def write_problem(sock, status_int, reason, mesg):
    body = json.dumps({
        "type": f"https://zwfw.example.gov.cn/problems/http-{status_int}",
        "title": TITLES.get(status_int, reason),
        "status": status_int,
        "detail": str(mesg)[:200],
    }, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n").encode("latin1")
    util.write_nonblock(sock, head + body)


def install() -> None:
    util.write_error = write_problem

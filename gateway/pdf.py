"""Formal documents as PDF (A4, Chinese, the WenQuanYi Zen Hei font embedded); the licence with a QR code.

`render(document) -> bytes`. Layout only: the wording comes from gateway/formal_documents.py.
"""
import io
import threading
from xml.sax.saxutils import escape

import qrcode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gateway.formal_documents import Document

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT = "WenQuanYiZenHei"
_lock = threading.Lock()


def _font() -> str:
    with _lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "centre": ParagraphStyle("centre", fontName=font, fontSize=12, leading=18, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=font, fontSize=22, leading=32, alignment=TA_CENTER,
                                textColor=colors.HexColor("#b00000")),
        "number": ParagraphStyle("number", fontName=font, fontSize=11, leading=16, alignment=TA_CENTER),
        "body": ParagraphStyle("body", fontName=font, fontSize=12, leading=21, firstLineIndent=24,
                               wordWrap="CJK"),
        "addressee": ParagraphStyle("addressee", fontName=font, fontSize=12, leading=21, wordWrap="CJK"),
        "sign": ParagraphStyle("sign", fontName=font, fontSize=12, leading=21, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=12, leading=18, wordWrap="CJK"),
        "small": ParagraphStyle("small", fontName=font, fontSize=9, leading=13, alignment=TA_CENTER,
                                textColor=colors.HexColor("#555555")),
    }


def _qr(url: str, size: float) -> Image:
    image = qrcode.make(url, border=1)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return Image(buffer, width=size, height=size)


def _header(document: Document, styles) -> list:
    return [
        Paragraph(escape(document.centre), styles["centre"]),
        Paragraph(escape(document.authority), styles["centre"]),
        Spacer(1, 4 * mm),
        Paragraph(escape(document.title), styles["title"]),
        Paragraph(escape(f"编号：{document.number}"), styles["number"]),
        Spacer(1, 6 * mm),
    ]


def _signature(document: Document, styles) -> list:
    return [Spacer(1, 12 * mm), Paragraph(escape(f"{document.authority}（印章）"), styles["sign"]),
            Paragraph(escape(document.date), styles["sign"])]


def _notice_story(document: Document, styles) -> list:
    story = _header(document, styles)
    if document.addressee:
        story.append(Paragraph(escape(f"{document.addressee}："), styles["addressee"]))
    story += [Paragraph(escape(text), styles["body"]) for text in document.paragraphs]
    story += _signature(document, styles)
    story += [Spacer(1, 10 * mm), Paragraph(escape(f"办件编号：{document.case_no}　{document.centre}"),
                                            styles["small"])]
    return story


def _licence_story(document: Document, styles) -> list:
    story = _header(document, styles)
    rows = [[Paragraph(escape(label), styles["cell"]), Paragraph(escape(value), styles["cell"])]
            for label, value in document.fields]
    table = Table(rows, colWidths=[32 * mm, 118 * mm])
    table.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#b00000")),
        ("INNERGRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    story += [table, Spacer(1, 6 * mm)]
    story += [Paragraph(escape(text), styles["body"]) for text in document.paragraphs]
    if document.verify_url:
        qr = Table([[_qr(document.verify_url, 32 * mm),
                     Paragraph(escape(f"扫描二维码核验本证真伪：{document.verify_url}"), styles["cell"])]],
                   colWidths=[38 * mm, 112 * mm])
        qr.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story += [Spacer(1, 4 * mm), qr]
    story += _signature(document, styles)
    return story


def render(document: Document) -> bytes:
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=28 * mm, rightMargin=28 * mm, topMargin=22 * mm,
                            bottomMargin=20 * mm, title=f"{document.title} {document.number}",
                            author=document.authority, subject=document.case_no)
    styles = _styles()
    story = _licence_story(document, styles) if document.kind == "licence" else _notice_story(document, styles)
    pdf.build(story)
    return buffer.getvalue()

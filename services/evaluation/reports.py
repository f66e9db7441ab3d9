"""The monthly report (月度报告) as an Excel workbook (openpyxl) or a PDF (reportlab,
with the WenQuanYi Zen Hei font the fonts-wqy-zenhei package ships, and charts),
in Chinese, with the same figures as /v1/metrics."""
import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.common.errors import InvalidInput, field_error

FONT_NAME = "WenQuanYiZenHei"
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
LEVEL_LABELS = {"5": "非常满意", "4": "满意", "3": "基本满意", "2": "不满意", "1": "非常不满意"}
# (key in the metrics view, label, kind): the summary rows of both formats.
SUMMARY = (
    ("received", "收件数", "count"), ("accepted", "受理数", "count"), ("refused", "不予受理数", "count"),
    ("completed", "办结数", "count"), ("on_time_rate", "按时办结率", "rate"), ("early_rate", "提前办结率", "rate"),
    ("avg_working_days", "平均办理工作日", "number"), ("p90_working_days", "90%办件办理工作日", "number"),
    ("satisfaction_rate", "满意率", "rate"), ("bad_ratings", "差评数", "count"),
    ("rectification_rate", "差评整改率", "rate"), ("complaints", "投诉数", "count"),
    ("complaints_closed", "投诉办结数", "count"), ("complaint_closure_rate", "投诉办结率", "rate"),
)
ROW_COLUMNS = (("received", "收件"), ("accepted", "受理"), ("completed", "办结"), ("on_time_rate", "按时办结率"),
               ("satisfaction_rate", "满意率"), ("complaints", "投诉"))


def show(value, kind: str = "number") -> str:
    """A figure as printed in both formats (rates as percentages with 2 decimals)."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.2f}%"
    return str(value)


def render(data: dict, fmt: str) -> tuple[bytes, str, str]:
    if fmt == "xlsx":
        return workbook(data), XLSX, "xlsx"
    if fmt == "pdf":
        return pdf(data), PDF, "pdf"
    raise InvalidInput("报告格式有误", [field_error("format", "报告格式须为 xlsx 或 pdf")])


def _title(data: dict) -> str:
    scope = f"（{data['department']}）" if data.get("department") else "（全中心）"
    return f"{data['period']} 月度政务服务效能报告{scope}"


def _ranking_rows(data: dict) -> tuple[list, list]:
    ranking = data["rankings"]
    windows = [[r["rank"], r["department"], show(r["score"]), "是" if r["red_flag"] else "",
                "是" if r["eligible"] else "否"] for r in ranking["windows"]]
    staff = [[r["rank"], r["username"], show(r["score"]), "是" if r["service_star"] else "",
              "是" if r["eligible"] else "否"] for r in ranking["staff"]]
    return windows, staff


def workbook(data: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "概览"
    sheet.append([_title(data)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["统计区间", f"{data['from']} 至 {data['to']}"])
    sheet.append(["指标", "数值"])
    metrics = data["metrics"]
    for key, label, kind in SUMMARY:
        sheet.append([label, show(metrics[key], kind)])
    for level, label in LEVEL_LABELS.items():
        sheet.append([f"评价：{label}", metrics["ratings"]["by_level"][level]])
    for key, label in (("overdue", "在办：已超期"), ("due", "在办：1个工作日内到期"), ("soon", "在办：2-5个工作日"),
                       ("later", "在办：5个工作日以上")):
        sheet.append([label, metrics["pending"][key]])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 20
    for title, rows, name in (("按部门", data["by_department"], "部门"), ("按事项", data["by_item"], "事项编码")):
        part = book.create_sheet(title)
        part.append([name, *(label for _, label in ROW_COLUMNS)])
        for row in rows:
            key = row.get("department") or row.get("item_code")
            part.append([key, *(row["metrics"][k] for k, _ in ROW_COLUMNS)])
        if rows:
            chart = BarChart()
            chart.title, chart.y_axis.title = f"{title}办结数", "件"
            chart.add_data(Reference(part, min_col=4, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
            chart.set_categories(Reference(part, min_col=1, min_row=2, max_row=len(rows) + 1))
            part.add_chart(chart, "I2")
    windows, staff = _ranking_rows(data)
    ranking = book.create_sheet("排名")
    ranking.append(["红旗窗口评分公式", data["rankings"]["formula"]["windows_text"]])
    ranking.append(["名次", "窗口（部门）", "得分", "红旗窗口", "有资格"])
    for row in windows:
        ranking.append(row)
    ranking.append([])
    ranking.append(["服务标兵评分公式", data["rankings"]["formula"]["staff_text"]])
    ranking.append(["名次", "工作人员", "得分", "服务标兵", "有资格"])
    for row in staff:
        ranking.append(row)
    ladder = book.create_sheet("责任追究")
    ladder.append(["责任人", "记录数", "后果"])
    for person in data["accountability"]["people"]:
        ladder.append([person["username"], person["records"], person["consequence_label"]])
    ladder.append([])
    ladder.append(["责任单位", "记录数", "后果"])
    for unit in data["accountability"]["units"]:
        ladder.append([unit["department"], unit["records"], unit["consequence_label"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _font() -> str:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, DEFAULT_FONT, subfontIndex=0))
    return FONT_NAME


def _table(rows: list, widths=None) -> Table:
    table = Table(rows, colWidths=widths)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
    ]))
    return table


def _bar_chart(rows: list[dict], title: str) -> Drawing:
    drawing = Drawing(170 * mm, 65 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 12 * mm, 145 * mm, 42 * mm
    chart.data = [[row["metrics"]["received"] for row in rows], [row["metrics"]["completed"] for row in rows]]
    chart.categoryAxis.categoryNames = [row["department"] for row in rows]
    chart.categoryAxis.labels.fontName = FONT_NAME
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor, chart.bars[1].fillColor = colors.HexColor("#4e79a7"), colors.HexColor("#f28e2b")
    drawing.add(chart)
    drawing.add(String(15 * mm, 58 * mm, title, fontName=FONT_NAME, fontSize=10))
    return drawing


def _pie(by_level: dict) -> Drawing:
    drawing = Drawing(170 * mm, 72 * mm)
    drawing.add(String(15 * mm, 66 * mm, "评价等级分布（好差评）", fontName=FONT_NAME, fontSize=10))
    values = [(LEVEL_LABELS[k], by_level[k]) for k in LEVEL_LABELS if by_level[k]]
    if not values:
        drawing.add(String(15 * mm, 30 * mm, "本月暂无评价", fontName=FONT_NAME, fontSize=9))
        return drawing
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 55 * mm, 8 * mm, 45 * mm, 45 * mm
    pie.data = [count for _, count in values]
    pie.labels = [f"{label} {count}" for label, count in values]
    pie.simpleLabels = 1
    pie.sideLabels = 1
    pie.slices.fontName = FONT_NAME
    palette = ["#59a14f", "#8cd17d", "#f1ce63", "#f28e2b", "#e15759"]
    for index in range(len(values)):
        pie.slices[index].fillColor = colors.HexColor(palette[index % len(palette)])
    drawing.add(pie)
    return drawing


def pdf(data: dict) -> bytes:
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=6)
    text = ParagraphStyle("text", fontName=font, fontSize=9, leading=13)
    metrics = data["metrics"]
    story = [Paragraph(_title(data), title),
             Paragraph(f"统计区间：{data['from']} 至 {data['to']}　生成日期：{data['generated_on']}", text),
             Spacer(1, 4 * mm), Paragraph("一、主要指标", heading)]
    rows = [["指标", "数值"]] + [[label, show(metrics[key], kind)] for key, label, kind in SUMMARY]
    story.append(_table(rows, [60 * mm, 40 * mm]))
    if data["by_department"]:
        story += [Paragraph("二、各窗口收件与办结", heading),
                  _bar_chart(data["by_department"], "各窗口收件（蓝）与办结（橙）")]
        rows = [["窗口（部门）", *(label for _, label in ROW_COLUMNS)]]
        rows += [[r["department"], *(show(r["metrics"][k], "rate" if k.endswith("rate") else "count")
                                     for k, _ in ROW_COLUMNS)] for r in data["by_department"]]
        story.append(_table(rows))
    story.append(KeepTogether([Paragraph("三、满意度", heading), _pie(metrics["ratings"]["by_level"])]))
    windows, staff = _ranking_rows(data)
    story += [Paragraph("四、红旗窗口与服务标兵", heading),
              Paragraph(f"红旗窗口：{data['rankings']['formula']['windows_text']}", text),
              _table([["名次", "窗口（部门）", "得分", "红旗窗口", "有资格"], *windows]), Spacer(1, 3 * mm),
              Paragraph(f"服务标兵：{data['rankings']['formula']['staff_text']}", text),
              _table([["名次", "工作人员", "得分", "服务标兵", "有资格"], *staff[:20]])]
    ladder = data["accountability"]
    rows = [["责任人／单位", "记录数", "后果"]]
    rows += [[p["username"], p["records"], p["consequence_label"]] for p in ladder["people"]]
    rows += [[u["department"], u["records"], u["consequence_label"]] for u in ladder["units"]]
    story += [Paragraph(f"五、{ladder['year']} 年责任追究", heading), _table(rows)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=_title(data), leftMargin=18 * mm, rightMargin=18 * mm,
                      topMargin=15 * mm, bottomMargin=15 * mm).build(story)
    return out.getvalue()

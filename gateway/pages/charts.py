"""Charts drawn on the server as SVG (no JavaScript, no network): bars for volumes, lines for rates.

Pure functions from numbers to markup; every chart carries a title and a
text description for screen readers (role="img", <title>, <desc>).
"""
from markupsafe import Markup, escape

PALETTE = ("#1f5fa8", "#c0392b", "#2e7d32", "#b26a00")
# A narrow drawing scales down to a 360-px phone with its text still legible (about 11 px), and is shown
# at most at its own width on a hall screen (site.css).
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 420, 250, 44, 48, 16


def _frame(title: str, description: str, body: list[str], height: int = HEIGHT) -> Markup:
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
             'xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title><desc>{escape(description)}</desc>", *body, "</svg>"]
    return Markup("".join(parts))


def _axis(maximum: float, percent: bool) -> list[str]:
    lines = []
    for i in range(5):
        value = maximum * i / 4
        y = HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * i / 4
        label = f"{value:.0%}" if percent else (f"{value:.0f}" if maximum >= 4 else f"{value:.1f}")
        lines.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" stroke="#d0d7de"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="13" fill="#333">'
                     f'{label}</text>')
    return lines


def bar_chart(title: str, rows: list[tuple[str, float]]) -> Markup:
    """One bar per (label, value)."""
    if not rows:
        return Markup("")
    maximum = max(max(v for _, v in rows), 1)
    slot = (WIDTH - LEFT - 8) / len(rows)
    body = _axis(maximum, percent=False)
    for i, (label, value) in enumerate(rows):
        h = (HEIGHT - BOTTOM - TOP) * value / maximum
        x = LEFT + slot * i + slot * 0.2
        y = HEIGHT - BOTTOM - h
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.6:.1f}" height="{h:.1f}" fill="{PALETTE[0]}"/>'
                    f'<text x="{x + slot * 0.3:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="13" '
                    f'fill="#111">{value:g}</text>'
                    f'<text x="{x + slot * 0.3:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="13" '
                    f'fill="#111">{escape(label)}</text>')
    description = "；".join(f"{label} {value:g}" for label, value in rows)
    return _frame(title, description, body)


def hbar_chart(title: str, rows: list[tuple[str, float]], label_width: int = 130) -> Markup:
    """One horizontal bar per (label, value), labels on the left: long Chinese names stay readable at any
    width, and the chart grows a row per label instead of squeezing them."""
    if not rows:
        return Markup("")
    row_height, top = 30, 8
    height = top + row_height * len(rows) + 8
    maximum = max(max(v for _, v in rows), 1)
    span = WIDTH - label_width - 40
    body = []
    for i, (label, value) in enumerate(rows):
        y = top + row_height * i
        w = span * value / maximum
        body.append(f'<text x="{label_width - 8}" y="{y + 20}" text-anchor="end" font-size="15" fill="#111">'
                    f'{escape(label)}</text>'
                    f'<rect x="{label_width}" y="{y + 5}" width="{max(w, 1):.1f}" height="20" fill="{PALETTE[0]}"/>'
                    f'<text x="{label_width + max(w, 1) + 6:.1f}" y="{y + 20}" font-size="15" fill="#111">'
                    f'{value:g}</text>')
    description = "；".join(f"{label} {value:g}" for label, value in rows)
    return _frame(title, description, body, height)


def line_chart(title: str, labels: list[str], series: list[tuple[str, list[float | None]]]) -> Markup:
    """Rates (0..1) per period; a missing value (None) breaks the line."""
    if not labels:
        return Markup("")
    slot = (WIDTH - LEFT - 8) / len(labels)
    body = _axis(1.0, percent=True)
    for i, label in enumerate(labels):
        body.append(f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                    f'font-size="14" fill="#111">{escape(label)}</text>')
    for n, (name, values) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = [(LEFT + slot * (i + 0.5), HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * v)
                  for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="'
                        + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
        body.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>' for x, y in points)
        body.append(f'<rect x="{LEFT + 10 + n * 150}" y="{HEIGHT - 18}" width="14" height="10" fill="{colour}"/>'
                    f'<text x="{LEFT + 30 + n * 150}" y="{HEIGHT - 8}" font-size="14" fill="#111">'
                    f'{escape(name)}</text>')
    description = "；".join(
        f"{name}：" + "，".join(f"{label} {'无数据' if v is None else f'{v:.0%}'}" for label, v in zip(labels, values,
                                                                                                  strict=False))
        for name, values in series)
    return _frame(title, description, body)

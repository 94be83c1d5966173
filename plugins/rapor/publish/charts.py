"""Six-month trend charts: one geometry, drawn here as SVG (HTML report, web view) and by
``rapor.publish.pdf.to_drawing`` for the PDF, so both show the same picture.

The y axis is the index 0–100 with the zone bands of the policy's zone table behind the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from rapor.vocabulary import NO_INDEX_IN_TREND, ZONE_TINTS, zone_bands

LINE_COLOUR = "#1f3b73"


@dataclass(frozen=True)
class Shape:
    kind: str  # rect, line, circle, text
    x: float
    y: float
    w: float = 0.0  # rect width / line x2 / circle radius
    h: float = 0.0  # rect height / line y2
    fill: str | None = None
    stroke: str | None = None
    text: str = ""
    size: float = 7.0
    anchor: str = "middle"


@dataclass(frozen=True)
class Geometry:
    width: float
    height: float
    shapes: list[Shape] = field(default_factory=list)


def trend_geometry(
    labels: list[str],
    values: list[float | None],
    zone_table: str,
    width: float = 220,
    height: float = 90,
    show_values: bool = False,
) -> Geometry:
    """Shapes of a trend chart in a box (origin top left, y down); gaps where a month has no index."""
    left, right, top, bottom = 22.0, 6.0, 6.0, 14.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def y_of(value: float) -> float:
        return top + plot_h * (1 - max(0.0, min(100.0, value)) / 100)

    shapes: list[Shape] = []
    for low, high, zone in zone_bands(zone_table):
        shapes.append(Shape("rect", left, y_of(high), plot_w, y_of(low) - y_of(high), fill=ZONE_TINTS[zone]))
    for tick in (0, 50, 100):
        shapes.append(Shape("text", left - 3, y_of(tick) + 2.5, text=str(tick), size=6.5, anchor="end", fill="#555555"))
    step = plot_w / max(1, len(labels))
    xs = [left + step * (i + 0.5) for i in range(len(labels))]
    for x, label in zip(xs, labels, strict=True):
        shapes.append(Shape("text", x, height - 3, text=label, size=6.5, fill="#333333"))
    points = [(x, y_of(v)) for x, v in zip(xs, values, strict=True) if v is not None]
    previous = None
    for x, v in zip(xs, values, strict=True):  # a month without an index breaks the line
        if v is None:
            previous = None
            continue
        if previous is not None:
            shapes.append(Shape("line", previous[0], previous[1], x, y_of(v), stroke=LINE_COLOUR))
        previous = (x, y_of(v))
    for (x, y), v in zip(points, [v for v in values if v is not None], strict=True):
        shapes.append(Shape("circle", x, y, 2.2, fill=LINE_COLOUR))
        if show_values:
            shapes.append(Shape("text", x, y - 4, text=f"{v:.2f}".replace(".", ","), size=6.5, fill="#111111"))
    if not points:
        shapes.append(
            Shape("text", left + plot_w / 2, top + plot_h / 2, text=NO_INDEX_IN_TREND, size=7, fill="#555555")
        )
    return Geometry(width, height, shapes)


def to_svg(geometry: Geometry, title: str = "") -> str:
    """Inline SVG markup (no scripts, no external references)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{geometry.width:g}" height="{geometry.height:g}" '
        f'viewBox="0 0 {geometry.width:g} {geometry.height:g}" role="img" aria-label="{escape(title)}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for s in geometry.shapes:
        if s.kind == "rect":
            parts.append(f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" fill="{s.fill}"/>')
        elif s.kind == "line":
            parts.append(
                f'<line x1="{s.x:.1f}" y1="{s.y:.1f}" x2="{s.w:.1f}" y2="{s.h:.1f}" '
                f'stroke="{s.stroke}" stroke-width="1.5"/>'
            )
        elif s.kind == "circle":
            parts.append(f'<circle cx="{s.x:.1f}" cy="{s.y:.1f}" r="{s.w:.1f}" fill="{s.fill}"/>')
        elif s.kind == "text":
            parts.append(
                f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size:g}" text-anchor="{s.anchor}" '
                f'font-family="sans-serif" fill="{s.fill or "#000"}">{escape(s.text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)

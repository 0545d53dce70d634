"""A grouped bar chart as PNG, drawn with Pillow (matplotlib is not a dependency of the project).

    >>> bar_chart({"factoid": {"hit@5": 1.0}}, ("hit@5",), "out.png")   # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from PIL import Image, ImageDraw

COLOURS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860")


def bar_chart(groups: Mapping[str, Mapping[str, float | None]], metrics: Sequence[str], path: str | Path,
              *, title: str = "") -> Path:
    """One group of bars per key of `groups` (e.g. question type), one bar per metric, values in [0, 1]."""
    left, bottom, top, legend_w = 50, 60, 50, 150
    # Wide enough for every group's bars and for the legend on one line (a narrow chart cut the last label).
    width = max(480, left + 10 + len(groups) * (16 + 24 * len(metrics)), left + legend_w * len(metrics))
    height = 360
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    plot_h = height - top - bottom
    draw.text((left, 10), title, fill="black")
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        draw.line((left, y, width - 10, y), fill="#dddddd")
        draw.text((8, y - 6), f"{tick:.2f}", fill="black")
    group_w = (width - left - 10) / max(1, len(groups))
    bar_w = (group_w - 16) / max(1, len(metrics))
    for g, (name, values) in enumerate(groups.items()):
        x0 = left + g * group_w + 8
        for i, key in enumerate(metrics):
            v = values.get(key)
            if v is None:
                continue
            x = x0 + i * bar_w
            draw.rectangle((x, top + plot_h * (1 - v), x + bar_w - 2, top + plot_h), fill=COLOURS[i % len(COLOURS)])
            draw.text((x, top + plot_h * (1 - v) - 12), f"{v:.2f}"[1:] if v < 1 else "1", fill="#333333")
        draw.text((x0, height - bottom + 6), name[:16], fill="black")
    for i, key in enumerate(metrics):  # legend
        x = left + i * legend_w
        draw.rectangle((x, height - 22, x + 10, height - 12), fill=COLOURS[i % len(COLOURS)])
        draw.text((x + 14, height - 24), key, fill="black")
    path = Path(path)
    img.save(path, format="PNG")
    return path

"""The by-type chart: every defined value drawn as a bar, the legend inside the image."""

from PIL import Image

from eval.chart import COLOURS, bar_chart

METRICS = ("hit@5", "key_fact_recall", "citation_precision", "citation_recall", "abstention_recall")


def test_every_defined_value_is_a_bar_and_the_legend_fits(tmp_path):
    groups = {"multi-article": {"hit@5": 0.9, "key_fact_recall": 0.2, "citation_precision": 0.6,
                                "citation_recall": 0.4, "abstention_recall": None},
              "unanswerable": {"abstention_recall": 0.5}}
    img = Image.open(bar_chart(groups, METRICS, tmp_path / "c.png", title="t")).convert("RGB")
    width, height = img.size
    colours = {"#%02X%02X%02X" % px for _, px in img.getcolors(maxcolors=width * height)}
    assert set(COLOURS[:len(METRICS)]) <= colours
    # The last legend label starts at least 120 px before the right edge (it was cut at 480 px with 2 groups).
    last_swatch = [x for x in range(width) if "#%02X%02X%02X" % img.getpixel((x, height - 17)) == COLOURS[4]]
    assert last_swatch and width - max(last_swatch) >= 120
    # The unanswerable group holds one bar: abstention recall, half the plot height.
    half = [y for y in range(height) if "#%02X%02X%02X" % img.getpixel((width - 30, y)) == COLOURS[4]]
    assert half and abs((max(half) - min(half)) - (height - 110) / 2) <= 2

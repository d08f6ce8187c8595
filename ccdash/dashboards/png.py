"""PNG snapshots rendered on the server: one widget (:func:`chart_png`) or a whole tab (:func:`tab_png`).

Rendering goes through ``vl-convert`` (Vega in an embedded JS runtime, drawn by resvg): no browser and
no system fonts needed. A bare Linux box has no CJK font, so resvg would draw every Chinese character
as a box; the requirements install Noto Sans SC (``pylopdf-fonts-zh-cn``, SIL OFL 1.1), which
:func:`register_fonts` hands to vl-convert once per process and :func:`with_cjk_font` makes the default
font of every spec and the fallback of every font a spec names.

A tab is laid out like the screen: a header (dashboard and tab title, then the caller's lines — period,
filters, data as of) above the rows of widgets, each row sharing :data:`TAB_WIDTH` px evenly (scale 1).
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import vl_convert as vlc

FONT_FAMILY = "Noto Sans SC"  # the family name inside the font file (name table ID 1)
TAB_WIDTH = 1600  # px at scale 1: the screen the tab is laid out for
SPACING = 16  # px between widgets, across and down
DEFAULT_HEIGHT = 260  # px: a widget whose chart names no height of its own
Y_AXIS_ALLOWANCE = 56  # px taken from a widget's cell for its y-axis labels and title …
LEGEND_ALLOWANCE = {"symbol": 88, "gradient": 48}  # … and its color legend, so a row stays about 1600 px
TOP_LEVEL_ONLY = ("$schema", "config", "datasets", "autosize", "background", "padding", "usermeta")
SIZE_ONLY_VIEW_KEYS = ("continuousWidth", "continuousHeight", "discreteWidth", "discreteHeight", "step")
COMPOSITIONS = ("hconcat", "vconcat", "concat", "layer")
DATA_KEYS = ("data", "datasets", "values")  # never rewritten: a field may well be called "font"
INDEPENDENT = {ch: "independent" for ch in ("x", "y", "color", "opacity", "size", "shape", "strokeDash", "theta")}

_registered = False
_lock = threading.Lock()


def font_path() -> Path:
    """The CJK font file (Noto Sans SC Regular, OpenType/CFF) from the installed font package."""
    from pylopdf_fonts_zh_cn import sans_path
    return Path(sans_path())


def register_fonts() -> None:
    """Hand the font package's folder to vl-convert, once per process (safe from several threads)."""
    global _registered
    with _lock:
        if not _registered:
            vlc.register_font_directory(str(font_path().parent))
            _registered = True


def chart_png(chart_or_spec: Any, scale: float = 2) -> bytes:
    """An Altair chart (or a Vega-Lite dict) as PNG bytes, with Noto Sans SC as the default font."""
    spec = _as_spec(chart_or_spec)
    for side in ("width", "height"):
        if spec.get(side) == "container":  # no container off screen
            spec[side] = TAB_WIDTH // 2 if side == "width" else DEFAULT_HEIGHT
    return render(spec, scale)


def tab_png(title: str, subtitle_lines: list[str], charts: list[list[Any]], scale: float = 2) -> bytes:
    """One image of a dashboard tab: the header, then each row of widgets side by side."""
    return render(tab_spec(title, subtitle_lines, charts), scale)


def render(spec: dict, scale: float = 2) -> bytes:
    """Any Vega-Lite spec as PNG bytes, after :func:`with_cjk_font`."""
    register_fonts()
    return vlc.vegalite_to_png(with_cjk_font(spec), scale=scale)


def with_cjk_font(spec: dict) -> dict:
    """The spec with Noto Sans SC as its default font and as the fallback of every font it names.

    resvg falls back glyph by glyph only from a font it has: a family missing on this machine
    (a chart asking for "Microsoft YaHei" on Linux) would drop its text whole, so every ``font`` and
    ``…Font`` setting becomes ``"<its family>, Noto Sans SC"``. Data is left alone.
    """
    spec = _fontify(copy.deepcopy(spec))
    spec.setdefault("config", {}).setdefault("font", FONT_FAMILY)
    return spec


def _fontify(node: Any) -> Any:
    if isinstance(node, list):
        return [_fontify(item) for item in node]
    if not isinstance(node, dict):
        return node
    for key, value in node.items():
        if key in DATA_KEYS:
            continue
        if (key == "font" or key.endswith("Font")) and isinstance(value, str) and FONT_FAMILY not in value:
            node[key] = f"{value}, {FONT_FAMILY}"
        else:
            node[key] = _fontify(value)
    return node


def tab_spec(title: str, subtitle_lines: list[str], charts: list[list[Any]]) -> dict:
    """The Vega-Lite spec :func:`tab_png` renders: a vconcat of hconcat rows, config and data on top."""
    config: dict = {}
    datasets: dict = {}
    rows = []
    for row in charts:
        cell = (TAB_WIDTH - SPACING * (len(row) - 1)) / max(len(row), 1)
        members = [_as_member(_as_spec(c), cell, config, datasets) for c in row]
        rows.append({"hconcat": members, "spacing": SPACING, "resolve": {"scale": INDEPENDENT}})
    header = {"text": title, "subtitle": list(subtitle_lines), "anchor": "start", "frame": "group",
              "fontSize": 26, "subtitleFontSize": 15, "subtitleColor": "#444", "subtitlePadding": 6, "offset": 18}
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "title": header, "vconcat": rows,
            "spacing": SPACING, "resolve": {"scale": INDEPENDENT}, "padding": 12, "background": "white",
            "config": config}
    if datasets:
        spec["datasets"] = datasets
    return spec


def _as_spec(chart_or_spec: Any) -> dict:
    if isinstance(chart_or_spec, dict):
        return copy.deepcopy(chart_or_spec)
    return chart_or_spec.to_dict()


def _merge_missing(into: dict, other: dict) -> dict:
    """Deep-merge ``other`` into ``into`` where ``into`` has nothing yet (the first value wins)."""
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge_missing(into[key], value)
        elif key not in into:
            into[key] = copy.deepcopy(value)
    return into


def _as_member(spec: dict, cell: float, config: dict, datasets: dict) -> dict:
    """A top-level chart spec made fit to sit inside a concat, sized to its cell."""
    guides = _guide_allowance(spec, spec.get("config", {}))
    _lift_top_level(spec, config, datasets, framed=True)
    if "mark" in spec or "layer" in spec:  # a concat or facet inside keeps the sizes it has
        spec["width"] = max(int(cell - guides), 40)
        if not isinstance(spec.get("height"), (int, float)):
            spec["height"] = DEFAULT_HEIGHT
    return spec


def _lift_top_level(spec: dict, config: dict, datasets: dict, framed: bool) -> None:
    """Move what only a top-level spec may carry out of ``spec`` and everything it composes: its
    config into the tab's (its view frame stays on the chart as ``view``), its datasets into the tab's.
    vl-convert does not reject them inside a concat: it draws that chart empty and unstyled."""
    own = spec.pop("config", {})
    view = {k: v for k, v in own.get("view", {}).items() if k not in SIZE_ONLY_VIEW_KEYS}
    if view and framed and ("mark" in spec or "layer" in spec):
        spec["view"] = {**view, **spec.get("view", {})}
    _merge_missing(config, {k: v for k, v in own.items() if k != "view"})
    datasets.update(spec.pop("datasets", {}))
    for key in TOP_LEVEL_ONLY:
        spec.pop(key, None)
    for key in COMPOSITIONS:
        for child in spec.get(key, []):
            _lift_top_level(child, config, datasets, framed=key != "layer")
    if isinstance(spec.get("spec"), dict):  # facet, repeat
        _lift_top_level(spec["spec"], config, datasets, framed=True)


def _guide_allowance(spec: dict, config: dict) -> int:
    """Room to leave in a cell for the y axis and a color legend on the right, outside the plot width."""
    encodings = [spec.get("encoding", {})] + [layer.get("encoding", {}) for layer in spec.get("layer", [])]
    y_axis = any(_guided(enc.get("y"), "axis") for enc in encodings)
    legends = [enc["color"] for enc in encodings if _guided(enc.get("color"), "legend")]
    if not legends:
        return Y_AXIS_ALLOWANCE * y_axis
    orient = (legends[0].get("legend") or {}).get("orient") or config.get("legend", {}).get("orient", "right")
    kind = "gradient" if legends[0].get("type") == "quantitative" else "symbol"
    return Y_AXIS_ALLOWANCE * y_axis + (LEGEND_ALLOWANCE[kind] if orient in ("right", "left") else 0)


def _guided(channel: Any, guide: str) -> bool:
    """Whether an encoding channel draws its axis or legend: a field or datum on a scale, guide not off."""
    return (isinstance(channel, dict) and any(k in channel for k in ("field", "datum", "aggregate"))
            and channel.get("scale", {}) is not None and channel.get(guide, {}) is not None)

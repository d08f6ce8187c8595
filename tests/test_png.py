"""PNG snapshots and the app's own CJK font: Chinese as glyphs (never boxes), a tab image laid out like
the screen, charts with their own config inside the tab, and the web font the wall screen is served."""

from __future__ import annotations

import filecmp
import importlib.metadata
import io
import json
import os
import subprocess
import sys
import textwrap
import tomllib

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc
from PIL import Image, ImageFont

from ccdash.dashboards import png, webfont
from ccdash.dashboards.model import MAX_PER_ROW, MAX_WIDGETS_PER_TAB
from tests.conftest import ROOT

SCALE = 2
PAD = 12  # the tab's padding (tab_spec), px at scale 1


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def titled(title: str) -> alt.Chart:
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]})
    return alt.Chart(frame).mark_line().encode(x="x:Q", y="y:Q").properties(title=title, width=240, height=120)


def title_band(data: bytes) -> np.ndarray:
    return pixels(data)[: 20 * SCALE]  # the title line sits in the top 20 px


# --- the font ---------------------------------------------------------------------------------------

def test_the_font_is_noto_sans_sc_opentype_under_the_ofl():
    path = png.font_path()
    assert path.read_bytes()[:4] == b"OTTO"  # OpenType/CFF, one face: no collection for resvg to pick from
    assert ImageFont.truetype(str(path), 20).getname() == (png.FONT_FAMILY, "Regular")
    assert path.stat().st_size < 12 * 2**20
    meta = importlib.metadata.metadata("pylopdf-fonts-zh-cn")
    assert "Open Font License" in " ".join(meta.get_all("Classifier") or [])


def test_chinese_titles_render_as_glyphs_not_boxes():
    a, b = png.chart_png(titled("接通率")), png.chart_png(titled("服务水"))
    assert pixels(a).shape == pixels(b).shape
    assert title_band(a).min() < 100  # ink in the title line …
    assert not np.array_equal(title_band(a), title_band(b))  # … that differs with the characters: tofu would not
    (ROOT / "docs" / "screenshots" / "png_cjk_check.png").write_bytes(
        png.chart_png(titled("接通率 · 服务水平（今日）").encode(x=alt.X("x:Q", title="时段"), y=alt.Y("y:Q", title="坐席人数"))))


BARE_MACHINE = textwrap.dedent("""
    import json, vl_convert as vlc
    from ccdash.dashboards import png
    def title(text, font=None):
        spec = {"data": {"values": [{"v": 1}]}, "mark": "point", "title": text, "width": 120, "height": 20}
        return {**spec, "config": {"font": font}} if font else spec
    def differ(render, font=None):
        return render(title("接通率", font)) != render(title("服务水", font))
    out = {"unregistered": differ(lambda s: vlc.vegalite_to_png(s, scale=2))}  # before png registers its font
    out["chart_png"] = differ(png.chart_png)
    out["chart_png, a font this machine lacks"] = differ(png.chart_png, "Microsoft YaHei")
    print(json.dumps(out))
""")


def test_on_a_machine_without_any_font_the_package_font_still_draws_chinese(tmp_path):
    """This machine may have CJK fonts of its own; fontconfig pointed at an empty folder hides them
    (resvg reads FONTCONFIG_FILE), as on the bare Linux box of a wall screen or a CI runner."""
    (tmp_path / "nofonts").mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "nofonts"}</dir></fontconfig>')
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", BARE_MACHINE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"unregistered": False,  # the bare machine: no glyph for either title
                                       "chart_png": True, "chart_png, a font this machine lacks": True}


def test_every_font_a_spec_names_falls_back_to_the_package_font_and_data_is_left_alone():
    spec = {"data": {"values": [{"font": "Arial"}]}, "mark": {"type": "text", "font": "Arial"},
            "encoding": {"text": {"field": "font"}}, "title": {"text": "接通率", "subtitleFont": "Noto Sans SC"},
            "config": {"axis": {"labelFont": "Microsoft YaHei"}}}
    out = png.with_cjk_font(spec)
    assert out["mark"]["font"] == "Arial, Noto Sans SC"
    assert out["config"] == {"axis": {"labelFont": "Microsoft YaHei, Noto Sans SC"}, "font": "Noto Sans SC"}
    assert out["title"]["subtitleFont"] == "Noto Sans SC"
    assert out["data"] == {"values": [{"font": "Arial"}]} and spec["mark"]["font"] == "Arial"  # a copy


def test_chart_png_takes_a_vega_lite_dict_and_a_container_width():
    spec = titled("服务水平").properties(width="container").to_dict()
    data = png.chart_png(spec, scale=1)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and pixels(data).shape[1] > png.TAB_WIDTH // 2


# --- the tab layout -----------------------------------------------------------------------------------

def block(color: str, height: int) -> alt.Chart:
    """A widget that fills its whole cell with one color: no axes, no frame, so its size is its cell."""
    return (alt.Chart(pd.DataFrame({"v": [0]})).mark_rect(color=color)
            .encode(x=alt.value(0), x2=alt.value("width"), y=alt.value(0), y2=alt.value("height"))
            .properties(height=height).configure_view(stroke=None))


def colors(n: int) -> list[tuple[int, int, int]]:
    return [(20 + 11 * i, 200 - 7 * i, (60 + 37 * i) % 256) for i in range(n)]


def boxes(data: bytes, rgbs) -> list[tuple[int, int, int, int]]:
    """Each color's bounding box in the image: (left, top, width, height) in px."""
    img = pixels(data).astype(np.uint32)
    packed = (img[..., 0] << 16) | (img[..., 1] << 8) | img[..., 2]
    out = []
    for r, g, b in rgbs:
        ys, xs = np.nonzero(packed == (r << 16) | (g << 8) | b)
        assert len(xs), f"widget {(r, g, b)} is missing from the image"
        out.append((xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1))
    return out


def tab(rows: list[int], heights: list[int]) -> tuple[bytes, list[list[tuple]]]:
    rgbs = colors(sum(rows))
    it = iter(rgbs)
    layout = [[next(it) for _ in range(n)] for n in rows]
    charts = [[block("#%02x%02x%02x" % rgb, h) for rgb in row] for row, h in zip(layout, heights)]
    return png.tab_png("班组日看板 · 今日概况", ["期间：今日", "数据截至：2026-10-31 17:00"], charts, scale=SCALE), layout


@pytest.mark.parametrize("rows", [[4], [4, 1], [5], [3, 2, 1], [MAX_PER_ROW, MAX_PER_ROW, MAX_PER_ROW, 2]])
def test_a_tab_image_holds_every_widget_laid_out_like_the_screen(rows):
    heights = [100 + 20 * i for i in range(len(rows))]
    data, layout = tab(rows, heights)
    img = pixels(data)
    tops = []
    for row, height in zip(layout, heights):
        cell = int((png.TAB_WIDTH - png.SPACING * (len(row) - 1)) / len(row))
        found = boxes(data, row)
        assert [b[2:] for b in found] == [(cell * SCALE, height * SCALE)] * len(row)  # each widget its cell
        assert len({b[1] for b in found}) == 1  # side by side …
        assert [b[0] for b in found] == [(PAD + i * (cell + png.SPACING)) * SCALE for i in range(len(row))]
        tops.append(found[0][1])
    assert [b - a for a, b in zip(tops, tops[1:])] == [(h + png.SPACING) * SCALE for h in heights[:-1]]  # … rows down
    assert img.shape[0] == tops[-1] + (heights[-1] + PAD) * SCALE
    assert abs(img.shape[1] - (png.TAB_WIDTH + 2 * PAD) * SCALE) <= 4 * SCALE  # ≈ 1600 px wide at scale 1
    assert img[: tops[0]].min() < 100  # the header is drawn above the first row


def test_a_fifth_widget_adds_a_row_or_narrows_the_row():
    four, _ = tab([4], [120])
    five_in_two_rows, _ = tab([4, 1], [120, 120])
    five_in_one_row, _ = tab([5], [120])
    h4, w4 = pixels(four).shape[:2]
    assert pixels(five_in_two_rows).shape[:2] == (h4 + (120 + png.SPACING) * SCALE, w4)
    h5, w5 = pixels(five_in_one_row).shape[:2]
    assert h5 == h4 and abs(w5 - w4) <= 4 * SCALE


def test_the_largest_tab_shows_all_its_widgets():
    rows = [MAX_PER_ROW] * (MAX_WIDGETS_PER_TAB // MAX_PER_ROW) + [MAX_WIDGETS_PER_TAB % MAX_PER_ROW]
    data, layout = tab(rows, [90] * len(rows))
    assert len(boxes(data, [rgb for row in layout for rgb in row])) == MAX_WIDGETS_PER_TAB


FIELD = {"field": "v", "type": "quantitative"}


@pytest.mark.parametrize("encoding, config, room", [
    ({"x": FIELD}, {}, 0),
    ({"y": FIELD}, {}, png.Y_AXIS_ALLOWANCE),
    ({"y": {**FIELD, "axis": None}}, {}, 0),
    ({"y": {**FIELD, "scale": None}, "color": {"field": "c", "type": "nominal", "scale": None}}, {}, 0),  # a KPI card's text
    ({"y": {"value": 10}}, {}, 0),
    ({"color": {"field": "c", "type": "nominal"}}, {}, png.LEGEND_ALLOWANCE["symbol"]),
    ({"color": FIELD}, {}, png.LEGEND_ALLOWANCE["gradient"]),
    ({"color": {"field": "c", "type": "nominal"}}, {"legend": {"orient": "bottom"}}, 0),
    ({"color": {"field": "c", "type": "nominal", "legend": {"orient": "top"}}}, {}, 0),
])
def test_a_widget_leaves_room_in_its_cell_only_for_guides_beside_the_plot(encoding, config, room):
    chart = {"data": {"values": []}, "mark": "point", "encoding": encoding, "config": config}
    member = png.tab_spec("t", [], [[chart, chart]])["vconcat"][0]["hconcat"][0]
    assert member["width"] == int((png.TAB_WIDTH - png.SPACING) / 2 - room)


def test_real_widgets_share_about_1600_px():
    frame = pd.DataFrame({"坐席": [f"张{i}" for i in range(12)], "AHT": range(200, 320, 10), "班组": ["一组", "二组"] * 6})
    bar = alt.Chart(frame).mark_bar().encode(x="坐席:N", y="AHT:Q", color="班组:N")
    data = png.tab_png("坐席表现", ["期间：本月"], [[bar, bar, bar]], scale=1)
    assert abs(pixels(data).shape[1] - png.TAB_WIDTH) < 0.1 * png.TAB_WIDTH  # guides are estimated, not measured


# --- charts with their own config inside the tab ----------------------------------------------------------

BAR, FILL = (0x12, 0x34, 0x56), (0xff, 0xf0, 0xd0)


def styled_bars() -> alt.Chart:
    frame = pd.DataFrame({"班组": ["一组", "二组", "三组"], "接通率": [0.9, 0.8, 0.85]})
    return (alt.Chart(frame).mark_bar(color="#123456").encode(x="班组:N", y="接通率:Q")
            .configure_view(fill="#fff0d0", stroke=None).configure_axis(labelFontSize=11))


def count(data: bytes, rgb) -> int:
    return int((pixels(data) == rgb).all(axis=-1).sum())


def test_charts_keep_their_config_and_data_inside_the_tab():
    naive = vlc.vegalite_to_png({"hconcat": [styled_bars().to_dict(), styled_bars().to_dict()]})
    assert count(naive, BAR) == 0 and count(naive, FILL) == 0  # what a bare concat does: empty, unstyled charts
    frame = pd.DataFrame({"时段": range(48), "服务水平": np.linspace(0.6, 0.95, 48)})
    line = alt.Chart(frame).mark_line().encode(x="时段:Q", y="服务水平:Q")
    target = alt.Chart(pd.DataFrame({"目标": [0.8]})).mark_rule(color="red").encode(y="目标:Q")
    layered = (line + target).properties(title="服务水平").configure_axis(grid=False)
    nested = {"hconcat": [styled_bars().to_dict(), styled_bars().to_dict()]}  # a dict member: config two levels down
    data = png.tab_png("运营总览", ["期间：今日"], [[styled_bars(), layered], [nested]], scale=1)
    assert count(data, BAR) > 0 and count(data, FILL) > 0
    spec = png.tab_spec("运营总览", [], [[styled_bars(), layered], [nested]])
    assert "config" not in json.dumps(spec["vconcat"]) and "datasets" not in json.dumps(spec["vconcat"])


# --- the wall screen's web font -----------------------------------------------------------------------

def test_the_static_font_is_copied_once_and_repaired(tmp_path):
    target = webfont.ensure_static_font(tmp_path)
    assert target == tmp_path / "static" / "fonts" / png.font_path().name
    assert filecmp.cmp(target, png.font_path(), shallow=False)
    stamp = target.stat().st_mtime_ns
    assert webfont.ensure_static_font(tmp_path).stat().st_mtime_ns == stamp  # already there: left alone
    target.write_bytes(b"half a font")
    assert filecmp.cmp(webfont.ensure_static_font(tmp_path), png.font_path(), shallow=False)
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left behind


def test_streamlit_config_serves_the_font_and_uses_it():
    from streamlit import config

    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert conf["server"]["enableStaticServing"] is True
    faces = [f for f in conf["theme"]["fontFaces"] if f["url"] == webfont.font_url()]
    assert faces and faces[0]["family"] == webfont.CSS_FAMILY
    for option in ("font", "headingFont"):
        assert conf["theme"][option].split(",")[0].strip() == webfont.CSS_FAMILY
    for option in ("server.enableStaticServing", "theme.font", "theme.headingFont", "theme.fontFaces"):
        assert option in config._config_options_template  # a real option of this Streamlit
    assert webfont.font_url() == "app/static/fonts/NotoSansSC-Regular.otf"
    assert "static/fonts/" in (ROOT / ".gitignore").read_text().splitlines()


def test_streamlit_reads_the_font_face_from_the_config():
    probe = ("import json; from streamlit import config; config.get_config_options(force_reparse=True); "
             "print(json.dumps([config.get_option('server.enableStaticServing'), config.get_option('theme.fontFaces')]))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    static, faces = json.loads(done.stdout.strip().splitlines()[-1])
    assert static is True and any(f["url"] == webfont.font_url() for f in faces)

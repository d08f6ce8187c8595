"""Dashboards: the viewer (pick a dashboard, day, period, filters, tab) — or the wall screen with ?wall=1."""

from ccdash.findings import CcdashError
from ccdash.ui import auth, common
from ccdash.ui import dashboards as ui

common.require_frame()
common.require("dashboards.view")
lang = common.lang()
engine = common.engine()
try:
    if common.wall_mode():
        ui.wall(engine, lang, auth.wall_dashboard(), auth.wall_check(engine))  # only the link's own dashboard
    else:
        ui.viewer(engine, lang)
except CcdashError as exc:
    common.show_error(exc, lang)

"""QA analysis: item failure rates across forms, by agent, team and business type; coaching list; phrases; calibration."""

from ccdash.findings import CcdashError
from ccdash.ui import common
from ccdash.ui.qa_analysis import analysis

common.require_frame()
common.require("qa.view")
lang = common.lang()
try:
    analysis(common.engine(), lang)
except CcdashError as exc:
    common.show_error(exc, lang)

"""The QA workbench: score sampled recordings on the form their business type calls for; sampling and appeals."""

from ccdash.findings import CcdashError
from ccdash.ui import common
from ccdash.ui.qa_workbench import workbench

common.require_frame()
common.require("qa.score")
lang = common.lang()
try:
    workbench(common.engine(), lang)
except CcdashError as exc:
    common.show_error(exc, lang)

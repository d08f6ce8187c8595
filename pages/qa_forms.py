"""QA forms: the scoring forms (view, edit as a new version) and which business type uses which form."""

from ccdash.findings import CcdashError
from ccdash.ui import common
from ccdash.ui.qa_forms import forms_page

common.require_frame()
common.require("qa.forms.edit")
lang = common.lang()
try:
    forms_page(common.engine(), lang)
except CcdashError as exc:
    common.show_error(exc, lang)

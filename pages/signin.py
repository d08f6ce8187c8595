"""Sign in — or, on a store without any account, create the first administrator."""

from ccdash.ui import common
from ccdash.ui.signin import signin_page

common.require_frame()
# No common.require(...): this is the page for those who are not signed in yet (see ccdash/ui/auth.py).
signin_page(common.engine(), common.lang())

"""The app's own CJK web font, so a wall screen on a box without Chinese fonts never shows boxes.

Streamlit serves ``./static/`` (beside ``app.py``) at ``app/static/…`` when ``server.enableStaticServing``
is on, and ``.streamlit/config.toml`` declares a ``[[theme.fontFaces]]`` entry pointing there. The font
itself comes from a pip package (see :func:`ccdash.dashboards.png.font_path`), not from the repository,
so :func:`ensure_static_font` copies it into ``static/fonts/`` (gitignored) when the app starts.

The whole Noto Sans SC file is served (8 MB, fetched once and then cached by the browser): agent and
team names can use any character, and a subset cut to a fixed character list would show boxes for
the rare ones.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ccdash.dashboards.png import font_path

STATIC_FONTS = Path("static") / "fonts"
CSS_FAMILY = "noto-sans-sc"  # the family name config.toml's font face declares


def font_url() -> str:
    """Where the browser finds the font, as ``[[theme.fontFaces]]`` names it."""
    return f"app/{STATIC_FONTS.as_posix()}/{font_path().name}"


def ensure_static_font(root: Path) -> Path:
    """Copy the font into ``root/static/fonts/`` unless an identical-size copy is there; return its path.

    The copy is written under a temporary name and renamed, so a browser never gets half a file
    and two sessions starting at once do not trip over each other.
    """
    source = font_path()
    target = Path(root) / STATIC_FONTS / source.name
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(source.read_bytes())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the web server only needs to read it
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target

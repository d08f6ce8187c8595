"""Messages in the user's language (zh-CN by default, English by a switch).

Every user-facing text has a code; modules declare their own messages next to the code that uses
them (a ``MESSAGES`` dict of ``code -> {"zh": ..., "en": ...}``) and register them here, so one
lookup serves the library, the CLI and the pages. Parameters use ``str.format`` names.
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
CATALOG: dict[str, dict[str, str]] = {}


def register(messages: dict[str, dict[str, str]]) -> None:
    """Add a module's messages; a code may only be declared once, with both languages."""
    for code, texts in messages.items():
        missing = [lang for lang in LANGS if not texts.get(lang)]
        if missing:
            raise ValueError(f"message {code!r} has no text for {missing}")
        if code in CATALOG and CATALOG[code] != texts:
            raise ValueError(f"message {code!r} is declared twice with different texts")
        CATALOG[code] = texts


def t(code: str, lang: str = DEFAULT_LANG, /, **params: object) -> str:
    """The message ``code`` in ``lang`` with ``params`` filled in; unknown codes show themselves."""
    texts = CATALOG.get(code)
    if texts is None:
        return code if not params else f"{code} {params}"
    text = texts.get(lang) or texts[DEFAULT_LANG]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text

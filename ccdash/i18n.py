"""Messages in the user's language (zh-CN by default, English by a switch).

Every user-facing text has a code; modules declare their own messages next to the code that uses
them (a ``MESSAGES`` dict of ``code -> {"zh": ..., "en": ...}``) and register them here, so one
lookup serves the library, the CLI and the pages. Parameters use ``str.format`` names; a parameter
that is itself text for the user (a field label, a list of them) is given in every language with
:func:`in_each_lang` and rendered in the language of the message.
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LIST_SEP = {"zh": "、", "en": ", "}  # between the items of a list inside a sentence
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


def in_each_lang(text_in) -> dict[str, str]:
    """A message parameter in every language: ``text_in(lang)`` for each, e.g. ``in_each_lang(label.get)``."""
    return {lang: text_in(lang) for lang in LANGS}


def joined(items) -> dict[str, str]:
    """A list inside a sentence as a message parameter: items joined by each language's separator."""
    return in_each_lang(lambda lang: LIST_SEP[lang].join(map(str, items)))


def _param_in(value: object, lang: str) -> object:
    """A parameter made by :func:`in_each_lang` in ``lang``; any other value as it is."""
    if isinstance(value, dict) and value.keys() == set(LANGS):
        return value.get(lang) or value[DEFAULT_LANG]
    return value


def t(code: str, lang: str = DEFAULT_LANG, /, **params: object) -> str:
    """The message ``code`` in ``lang`` with ``params`` filled in; unknown codes show themselves."""
    texts = CATALOG.get(code)
    if texts is None:
        return code if not params else f"{code} {params}"
    text = texts.get(lang) or texts[DEFAULT_LANG]
    try:
        return text.format(**{name: _param_in(value, lang) for name, value in params.items()})
    except (KeyError, IndexError, ValueError):
        return text

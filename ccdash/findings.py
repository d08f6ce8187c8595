"""The one finding type shared across the library: what is wrong, where, and how to fix it.

Validation collects findings instead of raising them; a page shows them as a table and blocks only
on errors. An operation that cannot go on raises :class:`CcdashError`, which carries one finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ccdash.i18n import DEFAULT_LANG, t

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    level: Level
    code: str
    params: dict = field(default_factory=dict)
    where: dict = field(default_factory=dict)  # file / sheet / row / column / field / indicator …

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return t(self.code, lang, **self.params)

    def as_row(self, lang: str = DEFAULT_LANG) -> dict:
        return {"level": self.level, "code": self.code, **self.where, "message": self.message(lang)}


class CcdashError(Exception):
    """An operation that cannot continue; ``str()`` is the Chinese message, ``.message(lang)`` any."""

    def __init__(self, code: str, /, **params: object) -> None:
        self.finding = Finding("error", code, dict(params))
        super().__init__(self.finding.message("zh"))

    @property
    def code(self) -> str:
        return self.finding.code

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return self.finding.message(lang)


def findings_table(findings: list[Finding], lang: str = DEFAULT_LANG) -> list[dict]:
    """Findings as rows for a table or a download."""
    return [f.as_row(lang) for f in findings]


def has_errors(findings: list[Finding]) -> bool:
    return any(f.level == "error" for f in findings)

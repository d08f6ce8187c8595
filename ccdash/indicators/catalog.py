"""The indicator catalog (``config/indicators.yaml``): simple, ratio and derived indicators as data.

Validation on load checks every expression parses, names only known measures (or, for derived
indicators, known indicators), and that parameters and variants are declared.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import Field

from ccdash.config import Label, Strict, load_document
from ccdash.findings import CcdashError
from ccdash.i18n import register
from ccdash.indicators.formula import Node, names, parse
from ccdash.store.measures import CALL_MEASURES, STATE_MEASURES
from ccdash.store.schema import QA_MEASURES

MESSAGES = {
    "catalog.invalid": {"zh": "指标 {code} 的定义有误：{detail}", "en": "Indicator {code} is invalid: {detail}"},
    "catalog.unknown": {"zh": "未知指标 {code}", "en": "Unknown indicator {code}"},
    "catalog.unknown_suggest": {
        "zh": "未知指标 {code}，是否指：{suggest}？", "en": "Unknown indicator {code}; did you mean: {suggest}?",
    },
    "catalog.bad_param": {
        "zh": "参数 {name} 不能取值 {value}；可选：{choices}",
        "en": "Parameter {name} cannot be {value}; choose one of: {choices}",
    },
}
register(MESSAGES)

DISTINCT = ("agents", "agent_days")
MEASURES = frozenset(CALL_MEASURES) | frozenset(STATE_MEASURES) | frozenset(QA_MEASURES) | frozenset(DISTINCT)
Unit = Literal["count", "seconds", "percent", "per_hour", "score", "agents", "number"]


class Parameter(Strict):
    label: Label
    default: int | str
    choices: list[int | str] | dict[int | str, str]

    def text_for(self, value) -> str:
        if isinstance(self.choices, dict):
            return self.choices[value]
        return str(value)


class _Base(Strict):
    name: Label
    synonyms: tuple[str, ...] = ()
    unit: Unit = "count"
    decimals: int = 0
    direction: Literal["higher", "lower", "neutral"] = "neutral"
    target: float | None = None
    source: Literal["calls", "states", "both", "qa"] = "calls"  # qa: QA scores (no queue, no 30-minute interval)
    custom: bool = False  # defined by a user in the store (ccdash.indicators.custom), not in the configuration


class Simple(_Base):
    type: Literal["simple"]
    measure: str | None = None
    distinct: Literal["agents", "agent_days"] | None = None


class Fraction(Strict):
    numerator: str
    denominator: str


class Ratio(_Base):
    type: Literal["ratio"]
    numerator: str | None = None
    denominator: str | None = None
    variant_param: str | None = None
    variants: dict[str, Fraction] = {}


class Derived(_Base):
    type: Literal["derived"]
    expr: str


Indicator = Annotated[Union[Simple, Ratio, Derived], Field(discriminator="type")]


class Catalog(Strict):
    schema_version: Literal[1]
    parameters: dict[str, Parameter]
    indicators: dict[str, Indicator]


@functools.lru_cache(maxsize=4)
def load_catalog(config_dir: Path | None = None) -> Catalog:
    catalog = load_document("indicators.yaml", Catalog, config_dir)
    for code, ind in catalog.indicators.items():
        problems = check_indicator(code, ind, catalog)
        if problems:
            raise CcdashError("catalog.invalid", code=code, detail="; ".join(problems))
    return catalog


def default_params(catalog: Catalog) -> dict:
    return {name: p.default for name, p in catalog.parameters.items()}


def bind(text: str, catalog: Catalog, params: dict) -> Node:
    """Parse an expression after writing the parameters' values into it."""
    values = {**default_params(catalog), **(params or {})}
    for name, p in catalog.parameters.items():
        value = values[name]
        allowed = list(p.choices)
        if value not in allowed and str(value) in map(str, allowed):
            value = allowed[list(map(str, allowed)).index(str(value))]
        if value not in allowed:
            raise CcdashError("catalog.bad_param", name=name, value=value, choices=", ".join(map(str, allowed)))
        text = text.replace("{" + name + "}", p.text_for(value))
    return parse(text)


def fraction(ind: Ratio, catalog: Catalog, params: dict) -> tuple[Node, Node]:
    """The numerator and denominator trees of a ratio, for the chosen variant and parameters."""
    if ind.variants:
        chosen = {**default_params(catalog), **(params or {})}[ind.variant_param]
        pair = ind.variants[str(chosen)]
        return bind(pair.numerator, catalog, params), bind(pair.denominator, catalog, params)
    return bind(ind.numerator, catalog, params), bind(ind.denominator, catalog, params)


def check_indicator(code: str, ind, catalog: Catalog) -> list[str]:
    """Problems with one definition, each saying how to fix it."""
    try:
        if isinstance(ind, Simple):
            if (ind.measure is None) == (ind.distinct is None):
                return ["a simple indicator needs exactly one of `measure:` or `distinct:`"]
            return [] if ind.distinct or ind.measure in MEASURES else [f"unknown measure {ind.measure!r}"]
        if isinstance(ind, Derived):  # a custom one may also name stored measures
            unknown = names(parse(ind.expr)) - set(catalog.indicators) - (MEASURES if ind.custom else set())
            return [f"`expr` names unknown indicators {sorted(unknown)}"] if unknown else []
        if ind.variants and ind.variant_param not in catalog.parameters:
            return ["`variants:` needs `variant_param:` naming a declared parameter"]
        if not ind.variants and not (ind.numerator and ind.denominator):
            return ["a ratio needs `numerator:` and `denominator:` (or `variants:`)"]
        variants = ind.variants or {"": None}
        found = set()
        for variant in variants:
            num, den = fraction(ind, catalog, {ind.variant_param: variant} if variant else {})
            found |= names(num) | names(den)
        unknown = found - MEASURES
        return [f"unknown measures {sorted(unknown)}; known: {', '.join(sorted(MEASURES))}"] if unknown else []
    except CcdashError as exc:
        return [exc.message("en")]


def find_indicator(text: str, catalog: Catalog | None = None) -> str:
    """An indicator code from its code, Chinese or English name, or a synonym."""
    catalog = catalog or load_catalog()
    key = text.strip().lower()
    for code, ind in catalog.indicators.items():
        if key in {code.lower(), ind.name.zh.lower(), ind.name.en.lower(), *(s.lower() for s in ind.synonyms)}:
            return code
    every = [*catalog.indicators, *(i.name.zh for i in catalog.indicators.values()),
             *(i.name.en for i in catalog.indicators.values())]
    close = difflib.get_close_matches(text, every, n=3, cutoff=0.5)
    if close:
        raise CcdashError("catalog.unknown_suggest", code=text, suggest=", ".join(close))
    raise CcdashError("catalog.unknown", code=text)

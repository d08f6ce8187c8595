"""QA scoring forms as documents, the shared item catalog, and the choice of a form by business type.

A form (``config/qa_forms/<id>.yaml``, or one edited in the app — :mod:`ccdash.qa.forms_store`) has
sections of items; every item's ``code`` comes from the shared catalog ``config/qa_items.yaml``, so
"身份核实" is one item on every form and item failure rates compare across forms. A form names the
business types that use it; a recording whose business type routes to no form gets the general form
(``FormChoice.matched`` is False, so the page can say so).

Validation raises :class:`CcdashError` with a message naming the form (id and file), the section and the
item, in Chinese and English.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from ccdash.config import CONFIG_DIR, Label, Strict, load_document
from ccdash.findings import CcdashError
from ccdash.i18n import in_each_lang, joined, register

FORMS_DIR = "qa_forms"
ITEMS_FILE = "qa_items.yaml"
FORM_ID = re.compile(r"[a-z0-9_]+")

MESSAGES = {
    "qa.form_yaml": {
        "zh": "{form}不是有效的 YAML：{detail}",
        "en": "{form} is not valid YAML: {detail}",
    },
    "qa.form_invalid": {
        "zh": "{form}{where} 有误：{detail}",
        "en": "{form}{where} is invalid: {detail}",
    },
    "qa.form_bad_id": {
        "zh": "{form}的编号 “{id}” 无效：只能使用小写字母、数字和下划线",
        "en": "{form} has an invalid id “{id}”: use lowercase letters, digits and underscores only",
    },
    "qa.form_id_file": {
        "zh": "{form}的编号必须与文件名一致（应为 “{expected}”）",
        "en": "{form}: the id must match the file name (expected “{expected}”)",
    },
    "qa.form_no_sections": {
        "zh": "{form}没有任何部分：至少需要一个部分和一个评分项",
        "en": "{form} has no sections: it needs at least one section with one item",
    },
    "qa.form_no_items": {
        "zh": "{form}{section}没有评分项",
        "en": "{form}, {section} has no items",
    },
    "qa.form_pass_mark": {
        "zh": "{form}的合格线 {value} 必须在 0 到 100 之间",
        "en": "{form}: the pass mark {value} must be between 0 and 100",
    },
    "qa.form_unknown_item": {
        "zh": "{form}{section}的评分项 “{item}” 不在评分项目录中：请先在 config/qa_items.yaml 中登记该编码",
        "en": "{form}, {section}: item “{item}” is not in the item catalog — register the code in "
              "config/qa_items.yaml first",
    },
    "qa.form_duplicate_item": {
        "zh": "{form}中评分项 “{item}” 出现了两次（{section}）：同一评分项在一张表中只能出现一次",
        "en": "{form}: item “{item}” appears twice ({section}); an item may appear only once on a form",
    },
    "qa.form_max_points": {
        "zh": "{form}{section}的评分项 “{item}” 的满分 {value} 必须大于 0",
        "en": "{form}, {section}: item “{item}” has max points {value}; it must be greater than 0",
    },
    "qa.form_weight": {
        "zh": "{form}{section}的评分项 “{item}” 的权重 {value} 必须大于 0",
        "en": "{form}, {section}: item “{item}” has weight {value}; it must be greater than 0",
    },
    "qa.form_fatal_partial": {
        "zh": "{form}{section}的评分项 “{item}” 是一票否决项，只能判合格/不合格，不能允许部分得分",
        "en": "{form}, {section}: item “{item}” is fatal, so it is pass/fail only and cannot allow partial points",
    },
    "qa.forms_route_conflict": {
        "zh": "业务类型 “{business_type}” 同时指向质检表 {forms}：一个业务类型只能对应一张质检表",
        "en": "Business type “{business_type}” is routed to several forms ({forms}); it may use only one form",
    },
    "qa.forms_general": {
        "zh": "必须恰好有一张通用质检表（general: true），现有 {count} 张：{forms}",
        "en": "Exactly one form must be the general form (general: true); there are {count}: {forms}",
    },
    "qa.forms_duplicate_id": {
        "zh": "质检表编号 “{id}” 重复：{sources}",
        "en": "Form id “{id}” is used twice: {sources}",
    },
    "qa.form_unknown": {"zh": "没有编号为 “{id}” 的质检表", "en": "There is no form with id “{id}”"},
    "qa.form_item_missing": {
        "zh": "质检表 {form} 中没有评分项 “{item}”",
        "en": "Form {form} has no item “{item}”",
    },
    "qa.items_invalid": {
        "zh": "评分项目录 config/qa_items.yaml 中的编码 “{code}” 无效：只能使用小写字母、数字和下划线",
        "en": "Item catalog config/qa_items.yaml: code “{code}” is invalid; use lowercase letters, digits and "
              "underscores only",
    },
}
register(MESSAGES)


# ---------------------------------------------------------------------------------------- documents

class ItemDef(Strict):
    """One entry of the shared item catalog."""
    name: Label
    description: Label | None = None
    synonyms: tuple[str, ...] = ()


class ItemCatalog(Strict):
    schema_version: Literal[1]
    items: dict[str, ItemDef]


class Phrase(Strict):
    """A standard phrase the agent should say, with the wordings also accepted."""
    text: str = Field(min_length=1)
    variants: tuple[str, ...] = ()


class Item(Strict):
    code: str
    label: Label | None = None  # None → the catalog's name (QaForm.item_label)
    max_points: float = Field(gt=0)
    weight: float = Field(default=1.0, gt=0)
    fatal: bool = False  # 一票否决
    na_allowed: bool = False
    partial_allowed: bool = True  # fatal items: always False
    phrases: tuple[Phrase, ...] = ()
    guidance: Label | None = None

    @model_validator(mode="before")
    @classmethod
    def _fatal_is_pass_fail(cls, data):
        """A fatal item is pass/fail: ``partial_allowed`` defaults to False for it (True is refused)."""
        if isinstance(data, dict) and data.get("fatal") and "partial_allowed" not in data:
            data = {**data, "partial_allowed": False}
        return data

    @model_validator(mode="after")
    def _no_partial_on_fatal(self) -> "Item":
        if self.fatal and self.partial_allowed:
            raise ValueError("a fatal item is pass/fail only: partial_allowed must be false")
        return self


class Section(Strict):
    title: Label
    items: tuple[Item, ...] = Field(min_length=1)


class QaForm(Strict):
    schema_version: Literal[1]
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    version: int = Field(default=1, ge=1)
    name: Label
    business_types: tuple[str, ...] = ()
    general: bool = False
    pass_mark: float = Field(default=80.0, ge=0, le=100)
    sections: tuple[Section, ...] = Field(min_length=1)

    def items(self) -> list[Item]:
        """Every item, flattened, in form order."""
        return [item for section in self.sections for item in section.items]

    def item(self, code: str) -> Item:
        for item in self.items():
            if item.code == code:
                return item
        raise CcdashError("qa.form_item_missing", form=self.id, item=code)

    def has_item(self, code: str) -> bool:
        return any(item.code == code for item in self.items())

    def item_label(self, code: str, lang: str = "zh") -> str:
        """The item's own label, else the catalog's name, else the code."""
        item = self.item(code)
        if item.label is not None:
            return item.label.get(lang)
        definition = load_items().get(code)
        return definition.name.get(lang) if definition else code

    def section_of(self, code: str) -> Section:
        for section in self.sections:
            if any(item.code == code for item in section.items):
                return section
        raise CcdashError("qa.form_item_missing", form=self.id, item=code)

    def total_points(self) -> float:
        return sum(item.max_points * item.weight for item in self.items())

    def doc(self) -> dict:
        """The form as a plain JSON-able document (what the store keeps)."""
        return self.model_dump(mode="json", exclude_none=True)


# ----------------------------------------------------------------------------------------- loading

@functools.lru_cache(maxsize=4)
def load_items(config_dir: Path | None = None) -> dict[str, ItemDef]:
    """The shared item catalog ``config/qa_items.yaml``: code → definition."""
    items = load_document(ITEMS_FILE, ItemCatalog, config_dir).items
    for code in items:
        if not FORM_ID.fullmatch(code):
            raise CcdashError("qa.items_invalid", code=code)
    return items


@functools.lru_cache(maxsize=4)
def load_shipped_forms(config_dir: Path | None = None) -> dict[str, QaForm]:
    """Every ``config/qa_forms/*.yaml`` (file name = form id), validated one by one and as a set."""
    folder = Path(config_dir or CONFIG_DIR) / FORMS_DIR
    catalog = load_items(config_dir)
    forms: list[QaForm] = []
    sources: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        source = f"{FORMS_DIR}/{path.name}"
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CcdashError("qa.form_yaml", form=_form_name(path.stem, source), detail=str(exc)) from exc
        form = parse_form(doc, source=source, items=catalog)
        if form.id != path.stem:
            raise CcdashError("qa.form_id_file", form=_form_name(form.id, source), expected=path.stem)
        forms.append(form)
        sources.append(source)
    check_form_set(forms, sources)
    return {form.id: form for form in forms}


def parse_form(doc: dict, *, source: str = "", items: Mapping[str, ItemDef] | None = None) -> QaForm:
    """Validate a form document; the error names the form (id and ``source``), the section and the item.

    ``items`` is the item catalog (default: ``config/qa_items.yaml``).
    """
    if isinstance(doc, str):
        try:
            doc = yaml.safe_load(doc)
        except yaml.YAMLError as exc:
            raise CcdashError("qa.form_yaml", form=_form_name("", source), detail=str(exc)) from exc
    if not isinstance(doc, dict):
        raise CcdashError("qa.form_invalid", form=_form_name("", source), where="",
                          detail=in_each_lang(lambda lang: "文档必须是一个映射（键: 值）" if lang == "zh"
                                              else "the document must be a mapping (key: value)"))
    form_id = doc.get("id") if isinstance(doc.get("id"), str) else ""
    name = _form_name(form_id, source)
    _precheck(doc, name)
    try:
        form = QaForm.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CcdashError("qa.form_invalid", form=name, where=_where(doc, err["loc"]),
                          detail=_detail(exc)) from exc
    catalog = load_items() if items is None else items
    seen: dict[str, Section] = {}
    for number, section in enumerate(form.sections, 1):
        where = _section_name(number, section.title.model_dump())
        for item in section.items:
            if item.code not in catalog:
                raise CcdashError("qa.form_unknown_item", form=name, section=where, item=item.code)
            if item.code in seen:
                raise CcdashError("qa.form_duplicate_item", form=name, item=item.code,
                                  section=_joined_sections(seen[item.code], section, form))
            seen[item.code] = section
    return form


def _joined_sections(first: Section, second: Section, form: QaForm) -> dict[str, str]:
    """The two sections an item appears in, as one message parameter."""
    numbers = [form.sections.index(first) + 1, form.sections.index(second) + 1]
    if numbers[0] == numbers[1]:
        return _section_name(numbers[0], first.title.model_dump())
    names = [_section_name(n, s.title.model_dump()) for n, s in zip(numbers, (first, second))]
    return in_each_lang(lambda lang: ("、" if lang == "zh" else " and ").join(n[lang] for n in names))


def check_form_set(forms: Iterable[QaForm], sources: Iterable[str] | None = None) -> None:
    """Checks across forms: unique ids, exactly one general form, no business type routed to two forms."""
    forms = list(forms)
    sources = list(sources) if sources is not None else [""] * len(forms)
    by_id: dict[str, str] = {}
    for form, source in zip(forms, sources):
        if form.id in by_id:
            raise CcdashError("qa.forms_duplicate_id", id=form.id,
                              sources=joined([s or "?" for s in (by_id[form.id], source)]))
        by_id[form.id] = source
    general = [form.id for form in forms if form.general]
    if len(general) != 1:
        raise CcdashError("qa.forms_general", count=len(general), forms=joined(general or ["—"]))
    owners: dict[str, str] = {}
    for form in forms:
        for business_type in form.business_types:
            key = normalize_business_type(business_type)
            if key and owners.get(key, form.id) != form.id:
                raise CcdashError("qa.forms_route_conflict", business_type=business_type,
                                  forms=joined([owners[key], form.id]))
            owners[key] = form.id


# ----------------------------------------------------------------------------------------- routing

@dataclass(frozen=True)
class FormChoice:
    form: QaForm
    matched: bool  # False: no route for the business type — the general form was used
    business_type: str  # as given (stripped); "" when none


def normalize_business_type(text) -> str:
    """The routing key of a business type: NFKC (full-width → half-width), no spaces, case-folded."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    return "".join(text.split()).casefold()


def routes_of(forms: Mapping[str, QaForm]) -> dict[str, str]:
    """The routes the form documents declare: normalized business type → form id."""
    return {normalize_business_type(bt): form.id for form in forms.values() for bt in form.business_types
            if normalize_business_type(bt)}


def general_form(forms: Mapping[str, QaForm]) -> QaForm:
    general = [form for form in forms.values() if form.general]
    if len(general) != 1:
        raise CcdashError("qa.forms_general", count=len(general), forms=joined([f.id for f in general] or ["—"]))
    return general[0]


def choose_form(business_type: str | None, forms: Mapping[str, QaForm],
                routes: Mapping[str, str] | None = None) -> FormChoice:
    """The form for a business type: by ``routes`` (normalized business type → form id; default: the routes
    the forms declare); a type with no route, or routed to a form that no longer exists, gets the general
    form with ``matched=False``."""
    if routes is None:
        routes = routes_of(forms)
    else:
        routes = {normalize_business_type(k): v for k, v in routes.items()}
    given = "" if business_type is None else str(business_type).strip()
    form_id = routes.get(normalize_business_type(given)) if given else None
    if form_id and form_id in forms:
        return FormChoice(forms[form_id], True, given)
    return FormChoice(general_form(forms), False, given)


# ----------------------------------------------------------------------------------------- helpers

def _form_name(form_id: str, source: str) -> dict[str, str]:
    """“质检表 x（文件 y）” / “form x (file y)” as a message parameter."""
    shown = form_id or "?"
    return {"zh": f"质检表 {shown}" + (f"（{source}）" if source else ""),
            "en": f"Form {shown}" + (f" ({source})" if source else "")}


def _section_name(number: int, title: dict | None) -> dict[str, str]:
    zh = en = ""
    if isinstance(title, dict):
        zh, en = str(title.get("zh") or ""), str(title.get("en") or title.get("zh") or "")
    return {"zh": f"第 {number} 部分" + (f"「{zh}」" if zh else ""),
            "en": f"section {number}" + (f" “{en}”" if en else "")}


def _section_of_raw(doc: dict, number: int) -> dict[str, str]:
    sections = doc.get("sections")
    section = sections[number - 1] if isinstance(sections, list) and len(sections) >= number else None
    return _section_name(number, section.get("title") if isinstance(section, dict) else None)


def _precheck(doc: dict, name: dict) -> None:
    """The specific errors, checked on the raw document before pydantic (so each gets its own message)."""
    form_id = doc.get("id")
    if isinstance(form_id, str) and not FORM_ID.fullmatch(form_id):
        raise CcdashError("qa.form_bad_id", form=name, id=form_id)
    pass_mark = doc.get("pass_mark")
    if isinstance(pass_mark, (int, float)) and not isinstance(pass_mark, bool) and not 0 <= pass_mark <= 100:
        raise CcdashError("qa.form_pass_mark", form=name, value=pass_mark)
    sections = doc.get("sections")
    if sections is None or (isinstance(sections, (list, tuple)) and not sections):
        raise CcdashError("qa.form_no_sections", form=name)
    if not isinstance(sections, (list, tuple)):
        return
    for number, section in enumerate(sections, 1):
        if not isinstance(section, dict):
            continue
        where = _section_of_raw(doc, number)
        items = section.get("items")
        if items is None or (isinstance(items, (list, tuple)) and not items):
            raise CcdashError("qa.form_no_items", form=name, section=where)
        if not isinstance(items, (list, tuple)):
            continue
        for item in items:
            if not isinstance(item, dict):
                continue
            code = item.get("code", "?")
            for key, message in (("max_points", "qa.form_max_points"), ("weight", "qa.form_weight")):
                value = item.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value <= 0:
                    raise CcdashError(message, form=name, section=where, item=code, value=value)
            if item.get("fatal") is True and item.get("partial_allowed") is True:
                raise CcdashError("qa.form_fatal_partial", form=name, section=where, item=code)


def _where(doc: dict, loc: tuple) -> dict[str, str]:
    """Where a pydantic error is, in words: “, 第 2 部分「…」, 评分项 x, 字段 max_points”."""
    zh, en = [], []
    if len(loc) >= 2 and loc[0] == "sections" and isinstance(loc[1], int):
        section = _section_of_raw(doc, loc[1] + 1)
        zh.append(section["zh"])
        en.append(section["en"])
        if len(loc) >= 4 and loc[2] == "items" and isinstance(loc[3], int):
            try:
                code = doc["sections"][loc[1]]["items"][loc[3]].get("code", f"#{loc[3] + 1}")
            except (KeyError, IndexError, TypeError, AttributeError):
                code = f"#{loc[3] + 1}"
            zh.append(f"评分项 {code}")
            en.append(f"item {code}")
            rest = loc[4:]
        else:
            rest = loc[2:]
    else:
        rest = loc
    field = ".".join(str(p) for p in rest)
    if field:
        zh.append(f"字段 {field}")
        en.append(f"field {field}")
    return {"zh": "".join(f"，{p}" for p in zh), "en": "".join(f", {p}" for p in en)}


def _detail(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:3])

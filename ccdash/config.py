"""Configuration documents in ``config/``: field dictionary, source kinds, value maps.

Each document is validated on load with pydantic; a broken document raises :class:`CcdashError`
naming the file and the offending entry, never a bare traceback. The indicator catalog has its own
module (:mod:`ccdash.indicators.catalog`).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ccdash.findings import CcdashError
from ccdash.i18n import register

CONFIG_DIR = Path(os.environ.get("CCDASH_CONFIG_DIR", Path(__file__).resolve().parent.parent / "config"))

MESSAGES = {
    "config.invalid": {
        "zh": "配置文件 {file} 有误：{detail}",
        "en": "The configuration file {file} is invalid: {detail}",
    },
    "config.missing": {"zh": "找不到配置文件 {file}", "en": "Configuration file {file} not found"},
}
register(MESSAGES)

FieldType = Literal[
    "id", "text", "phone", "category", "enum", "bool", "int", "number", "duration", "datetime",
    "date", "time", "csat",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(Strict):
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class FieldDef(Strict):
    label: Label
    type: FieldType
    synonyms: tuple[str, ...] = ()
    value_map: str | None = None

    @model_validator(mode="after")
    def _enum_needs_map(self) -> "FieldDef":
        if self.type == "enum" and not self.value_map:
            raise ValueError("an enum field needs `value_map:` naming a map in value_maps.yaml")
        return self


class FieldDictionary(Strict):
    schema_version: Literal[1]
    fields: dict[str, FieldDef]


class SourceKind(Strict):
    label: Label
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    key: tuple[str, ...] | dict[str, tuple[str, ...]] = ()
    shapes: dict[str, tuple[str, ...]] = {}
    later: bool = False

    def key_for(self, shape: str | None) -> tuple[str, ...]:
        if isinstance(self.key, dict):
            return self.key[shape or next(iter(self.key))]
        return self.key


class SourceKinds(Strict):
    schema_version: Literal[1]
    kinds: dict[str, SourceKind]


class ValueMaps(Strict):
    schema_version: Literal[1]
    maps: dict[str, dict[str, tuple[str, ...]]]

    @field_validator("maps", mode="before")
    @classmethod
    def _stringify(cls, maps: dict) -> dict:
        return {
            name: {str(canon): tuple(str(v) for v in (raws or ())) for canon, raws in entries.items()}
            for name, entries in maps.items()
        }


def load_document(name: str, model: type[BaseModel], config_dir: Path | None = None) -> BaseModel:
    """Read ``config/<name>`` and validate it as ``model``; errors name the file and the entry."""
    path = Path(config_dir or CONFIG_DIR) / name
    if not path.exists():
        raise CcdashError("config.missing", file=str(path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(raw)
    except yaml.YAMLError as exc:
        raise CcdashError("config.invalid", file=name, detail=str(exc)) from exc
    except ValidationError as exc:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise CcdashError("config.invalid", file=name, detail=detail) from exc


@functools.lru_cache(maxsize=4)
def field_dictionary(config_dir: Path | None = None) -> dict[str, FieldDef]:
    return load_document("fields.yaml", FieldDictionary, config_dir).fields


@functools.lru_cache(maxsize=4)
def value_maps(config_dir: Path | None = None) -> dict[str, dict[str, tuple[str, ...]]]:
    return load_document("value_maps.yaml", ValueMaps, config_dir).maps


@functools.lru_cache(maxsize=4)
def source_kinds(config_dir: Path | None = None) -> dict[str, SourceKind]:
    kinds = load_document("sources.yaml", SourceKinds, config_dir).kinds
    fields = field_dictionary(config_dir)
    maps = value_maps(config_dir)
    problems = [
        f"kinds.{kind}.fields: unknown field {name!r} (declare it in fields.yaml)"
        for kind, spec in kinds.items() for name in spec.fields if name not in fields
    ] + [
        f"fields.{name}.value_map: unknown map {f.value_map!r}"
        for name, f in fields.items() if f.value_map and f.value_map not in maps
    ]
    if problems:
        raise CcdashError("config.invalid", file="sources.yaml", detail="; ".join(problems))
    return kinds


def active_kinds(config_dir: Path | None = None) -> dict[str, SourceKind]:
    """Kinds that can be imported now (those marked ``later`` are reserved names only)."""
    return {name: spec for name, spec in source_kinds(config_dir).items() if not spec.later}

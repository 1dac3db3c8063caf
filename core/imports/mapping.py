"""Which column of a file holds which of our fields: the fields of each import kind, a default mapping that
recognises common English and Chinese headers, and mapping files (YAML or JSON) that say it explicitly.

A mapping file maps the file's headers to our field names, flat or under ``columns``::

    columns:
      应聘者编号: external_ref
      姓名: full_name
      Mobile No.: phone

Headers a mapping file names override the defaults; ``null`` ignores a column. Everything is checked before
a single row is read: an unknown field name, a header missing from the file, two columns for one field, or a
required field without a column is a ``MappingError`` that says what to change.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class MappingError(Exception):
    """The columns of the file cannot be matched to the fields of the import."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    required: bool
    description: str
    headers: tuple[str, ...]  # recognised by the default mapping, compared after ``header_key``


CANDIDATE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("external_ref", False, "the applicant's id in the HR system (default: the e-mail address)",
              ("external_ref", "candidate id", "applicant id", "application id", "candidateid", "id",
               "候选人编号", "应聘者编号", "候选人id", "编号", "人员编号", "简历编号")),
    FieldSpec("full_name", True, "full name",
              ("full_name", "name", "full name", "candidate name", "applicant name", "姓名", "名字",
               "候选人姓名", "应聘者姓名")),
    FieldSpec("email", True, "e-mail address",
              ("email", "e-mail", "mail", "email address", "e-mail address", "primaryemail", "contactemail",
               "邮箱", "电子邮箱", "电子邮件", "邮件", "邮箱地址")),
    FieldSpec("phone", False, "mobile phone number",
              ("phone", "mobile", "mobile phone", "cell phone", "cellphone", "telephone", "phone number",
               "手机", "手机号", "手机号码", "电话", "联系电话", "联系方式", "移动电话")),
    FieldSpec("id_number", False, "Chinese resident identity number (checked, never stored)",
              ("id_number", "id card", "id number", "resident id", "national id", "身份证", "身份证号",
               "身份证号码", "证件号码")),
    FieldSpec("birth_date", False, "date of birth (checked, never stored)",
              ("birth_date", "date of birth", "birth date", "birthday", "dob", "出生日期", "生日",
               "出生年月")),
    FieldSpec("applied_on", False, "application date",
              ("applied_on", "application date", "applied on", "applied at", "applicationdate", "申请日期",
               "投递日期", "投递时间", "应聘日期")),
    FieldSpec("job_ref", False, "the job's id in the HR system (or use --job)",
              ("job_ref", "job id", "job ref", "job code", "requisition", "requisition id", "jobreqid",
               "职位编号", "岗位编号", "应聘职位编号", "职位id")),
    FieldSpec("language", False, "interview language (en, zh)",
              ("language", "locale", "语言", "面试语言")),
)

JOB_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("external_ref", True, "the job's id in the HR system",
              ("external_ref", "job id", "job ref", "job code", "requisition id", "jobreqid", "id",
               "职位编号", "岗位编号", "职位id", "编号")),
    FieldSpec("title", True, "job title",
              ("title", "job title", "position", "job", "jobtitle", "externaltitle", "职位", "职位名称",
               "岗位", "岗位名称", "招聘职位")),
    FieldSpec("description", False, "description",
              ("description", "job description", "jobdescription", "职位描述", "岗位描述", "岗位职责",
               "工作职责")),
    FieldSpec("requirements", False, "requirements",
              ("requirements", "qualifications", "job requirements", "任职要求", "职位要求", "岗位要求",
               "任职资格")),
    FieldSpec("location", True, "jurisdiction code such as CN, DE, US-IL",
              ("location", "jurisdiction", "country", "工作地点", "地点", "所在地", "国家")),
    FieldSpec("language", False, "interview language (en, zh); default from the title's script",
              ("language", "locale", "语言", "面试语言")),
    FieldSpec("opens_on", False, "date the job opens",
              ("opens_on", "open date", "posting date", "start date", "发布日期", "开始日期")),
    FieldSpec("closes_on", False, "date the job closes",
              ("closes_on", "close date", "closing date", "end date", "deadline", "截止日期", "结束日期")),
)

KINDS: dict[str, tuple[FieldSpec, ...]] = {"candidates": CANDIDATE_FIELDS, "jobs": JOB_FIELDS}
_SEPARATORS = re.compile(r"[\s_\-.:：/()（）]+")


def header_key(header: str) -> str:
    """A header compared loosely: full-width folded, case and separators ignored ('E-Mail ' = 'email')."""
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "").strip().lower()
    return _SEPARATORS.sub("", text)


def load_mapping(path: Path) -> dict[str, str | None]:
    """Read a mapping file (``.yaml``, ``.yml`` or ``.json``): headers of the file to field names."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(f"No mapping file at {path}.") from None
    except UnicodeDecodeError:
        raise MappingError(f"The mapping file {path.name} is not UTF-8 text; save it as UTF-8.") from None
    try:
        loaded = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"The mapping file {path.name} is not valid "
                           f"{'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}") from None
    if isinstance(loaded, Mapping) and isinstance(loaded.get("columns"), Mapping):
        loaded = loaded["columns"]
    if not isinstance(loaded, Mapping) or not loaded:
        raise MappingError(f"The mapping file {path.name} must map the file's column headers to field names "
                           "(e.g. `姓名: full_name`), at the top level or under `columns:`.")
    mapping: dict[str, str | None] = {}
    for header, target in loaded.items():
        if target is not None and not isinstance(target, str):
            raise MappingError(f"In {path.name}, column {header!r} maps to {target!r}; "
                               "give a field name or null.")
        mapping[str(header)] = target
    return mapping


def resolve_columns(headers: Sequence[str], kind: str, mapping: Mapping[str, str | None] | None = None,
                    *, not_required: Sequence[str] = ()) -> dict[str, int]:
    """Match headers to fields: ``{field name: column index}``. ``not_required`` names required fields that
    come from elsewhere (a command-line option) in this run."""
    fields = KINDS[kind]
    known = {spec.name for spec in fields}
    keys = [header_key(h) for h in headers]
    columns: dict[str, int] = {}
    claimed: set[int] = set()
    problems: list[str] = []
    for header, target in (mapping or {}).items():
        if target is not None and target not in known:
            problems.append(f"{header!r} maps to unknown field {target!r} "
                            f"(fields: {', '.join(sorted(known))})")
            continue
        matches = [i for i, key in enumerate(keys) if key == header_key(header)]
        if not matches:
            problems.append(f"the mapping names column {header!r}, which the file does not have")
            continue
        claimed.update(matches)
        if target is None:
            continue
        if target in columns:
            problems.append(f"two columns map to {target!r}: {headers[columns[target]]!r} and {header!r}")
            continue
        columns[target] = matches[0]
    for spec in fields:
        if spec.name in columns:
            continue
        aliases = {header_key(alias) for alias in spec.headers}
        found = [i for i, key in enumerate(keys) if key in aliases and i not in claimed]
        if found:
            columns[spec.name] = found[0]
            claimed.add(found[0])
    missing = [spec for spec in fields if spec.required and spec.name not in columns
               and spec.name not in not_required]
    for spec in missing:
        problems.append(f"required field {spec.name!r} ({spec.description}) has no column")
    if problems:
        shown = ", ".join(repr(h) for h in headers) or "(none)"
        raise MappingError("The file's columns do not fit a " + kind.rstrip("s") + " import: "
                           + "; ".join(problems) + f". The file's headers are: {shown}. Name the columns "
                           "in a mapping file (--mapping), e.g. `<header>: <field>`.")
    return columns


def describe_fields(kind: str) -> list[dict[str, Any]]:
    """The fields of an import kind, for help texts and docs."""
    return [{"field": s.name, "required": s.required, "description": s.description,
             "recognised": list(s.headers)} for s in KINDS[kind]]

"""Finding, reading and validating policy packs, and choosing the ones that apply to a location.

Owns ``PolicySet`` and ``load_policy_set``. The built-in packs are the ``*.yaml`` files of the package
``candor_policies`` (the repository's ``policies/`` folder, found through ``importlib.resources`` so that an
editable install and a wheel behave alike); organisations add packs in the folders named by the
``policy_dirs`` setting. A pack id may appear once: an organisation cannot replace a built-in pack, only add
one, and since merging keeps the strictest rule an added pack can only tighten what applies.
Any problem raises ``PolicyError`` naming the file, the field and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from candor.policy.errors import PolicyError
from candor.policy.jurisdictions import applies, normalise_location
from candor.policy.merge import MergedPolicy, merge
from candor.policy.schema import PolicyPack

BUILTIN_PACKAGE = "candor_policies"


@dataclass(frozen=True)
class LoadedPack:
    pack: PolicyPack
    path: str  # where it came from, for messages and ``candor policies list``
    builtin: bool


class PolicySet:
    """Every valid pack this installation knows, by id."""

    def __init__(self, packs: Sequence[LoadedPack]) -> None:
        self._packs = {loaded.pack.pack: loaded for loaded in packs}

    def __len__(self) -> int:
        return len(self._packs)

    def __contains__(self, pack_id: object) -> bool:
        return pack_id in self._packs

    def all(self) -> list[LoadedPack]:
        return sorted(self._packs.values(), key=lambda loaded: (not loaded.builtin, loaded.pack.pack))

    def get(self, pack_id: str) -> PolicyPack:
        return self._packs[pack_id].pack

    def applicable(self, location: str) -> list[PolicyPack]:
        """The packs governing a job at ``location``, built-in first, then by id (the merge order)."""
        return [loaded.pack for loaded in self.all() if applies(loaded.pack.jurisdictions, location)]

    def for_location(self, location: str) -> MergedPolicy:
        """The merged rules for a job at ``location``; with no pack applying, an empty policy (no packs)."""
        code = normalise_location(location)
        return merge(code, self.applicable(code))


def builtin_pack_files() -> list[Path]:
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith((".yaml", ".yml")))


def load_policy_set(extra_dirs: Iterable[str | Path] = ()) -> PolicySet:
    """Load the built-in packs and those in ``extra_dirs``; raise ``PolicyError`` on the first broken one."""
    loaded = [LoadedPack(load_pack_file(path), str(path), True) for path in builtin_pack_files()]
    for folder in extra_dirs:
        directory = Path(folder).expanduser()
        if not directory.is_dir():
            raise PolicyError(
                f"policy_dirs names {str(folder)!r}, which is not a folder. Create it or remove it from "
                "CANDOR_POLICY_DIRS / policy_dirs."
            )
        files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
        loaded.extend(LoadedPack(load_pack_file(path), str(path), False) for path in files)
    seen: dict[str, str] = {}
    for item in loaded:
        if item.pack.pack in seen:
            raise PolicyError(
                f"{item.path}: field 'pack': the id {item.pack.pack!r} is already used by "
                f"{seen[item.pack.pack]}; "
                "expected a unique id (an organisation pack adds rules, it cannot replace a built-in pack)."
            )
        seen[item.pack.pack] = item.path
    return PolicySet(loaded)


def load_pack_file(path: Path) -> PolicyPack:
    """Read and validate one pack file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(
            f"{path}: cannot be read ({type(exc).__name__}: {exc}); expected a UTF-8 YAML file."
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{path}: is not valid YAML{where}: {problem}. Fix the syntax.") from None
    if not isinstance(data, dict):
        raise PolicyError(
            f"{path}: expected a mapping of fields (pack, title, version, ...), got {_kind(data)}."
        )
    try:
        return PolicyPack.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_describe(path, exc)) from None


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: the policy pack is not valid:"]
    for error in exc.errors():
        # Enum-keyed dicts report '[key]' in the location; keep the field path a person would write.
        where = ".".join(str(part) for part in error["loc"] if part != "[key]") or "(top level)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown field; remove it or check its spelling (see docs/policies.md)"
        got = error.get("input")
        shown = "" if isinstance(got, dict | list) or error["type"] == "missing" else f" (got {got!r})"
        lines.append(f"  - field '{where}': {message}{shown}")
    return "\n".join(lines)


def _kind(value: Any) -> str:
    return "an empty file" if value is None else type(value).__name__

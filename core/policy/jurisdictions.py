"""Which packs apply to a job's location.

Owns the reading of a location code and the rule that matches it against the jurisdictions a pack names.
A location is an ISO 3166 code, optionally with subdivisions separated by '-': ``CN``, ``DE``, ``US-IL``,
``US-NYC``. A pack applies when one of its jurisdictions is the location itself, an ancestor of it (``US``
covers ``US-IL`` and ``US-IL-CHI``), or ``EU`` for a location in a member state (``DE``, ``FR-75``...).
"""

from __future__ import annotations

from collections.abc import Iterable

from candor.policy.errors import PolicyError
from candor.policy.schema import JURISDICTION_PATTERN

#: The 27 member states (ISO 3166-1 alpha-2). Greece is ``GR`` in ISO, ``EL`` in EU usage; both are accepted.
EU_MEMBER_STATES: frozenset[str] = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "EL", "HU",
    "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
})


def normalise_location(location: str) -> str:
    """Upper-case and check a location code; raise ``PolicyError`` saying what a code looks like."""
    code = location.strip().upper().replace("_", "-")
    if not JURISDICTION_PATTERN.match(code):
        raise PolicyError(
            f"Location {location!r} is not a jurisdiction code; expected an ISO 3166 code such as "
            "'CN', 'DE', 'EU', 'US-IL' or 'US-NYC'."
        )
    return code


def jurisdictions_of(location: str) -> list[str]:
    """Every jurisdiction a location belongs to, most specific first: ``US-IL-CHI``: US-IL-CHI, US-IL, US."""
    code = normalise_location(location)
    parts = code.split("-")
    found = ["-".join(parts[:i]) for i in range(len(parts), 0, -1)]
    if parts[0] in EU_MEMBER_STATES:
        found.append("EU")
    return found


def applies(pack_jurisdictions: Iterable[str], location: str) -> bool:
    """Whether a pack naming these jurisdictions governs a job at ``location``."""
    return bool(set(pack_jurisdictions) & set(jurisdictions_of(location)))

"""Policy packs: what each law asks, as data, and the rules for a job that several laws govern.

A pack (``policies/*.yaml``, plus organisation packs in the folders named by ``policy_dirs``) says which
purposes need consent and which need *separate* consent, the notice texts (en, zh-CN, versioned), retention
per data category, prohibited capabilities, whether a human must decide, data-subject request deadlines,
whether an alternative non-AI process must be offered, and the notice lead time. ``schema`` defines the
fields, ``loader`` reads and validates packs (a broken pack stops startup), ``jurisdictions`` decides which
packs apply to a job's location, and ``merge`` combines them so that the strictest rule wins:

- the union of purposes needing consent, and of those needing separate consent;
- every applicable notice is kept;
- per data category, the shortest maximum retention and the longest minimum (a minimum above the maximum
  is a conflict: the minimum is kept and the conflict reported);
- the union of prohibited capabilities;
- a human decision, and an alternative process, are required when any pack requires them;
- the shortest deadline per kind of data-subject request;
- the longest notice lead time.

The loaded set lives on the app state (``get_state(app).policies``).
"""

from __future__ import annotations

from candor.policy.errors import PolicyError
from candor.policy.loader import LoadedPack, PolicySet, load_policy_set
from candor.policy.merge import MergedPolicy, merge
from candor.policy.schema import PolicyPack, RecordKind, RequestKind

__all__ = [
    "LoadedPack",
    "MergedPolicy",
    "PolicyError",
    "PolicyPack",
    "PolicySet",
    "RecordKind",
    "RequestKind",
    "load_policy_set",
    "merge",
]

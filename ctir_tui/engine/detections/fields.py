"""Where each Sigma field of a CloudTrail rule is read: a frame column, or the text store.

Sigma's CloudTrail rules name the record's own JSON keys as dotted paths (``eventName``,
``userIdentity.sessionContext.sessionIssuer.type``, ``requestParameters.policyArn``). A field
the frame holds as a column is read there (fast: categorical columns are tested over their
distinct values); a field under ``requestParameters``, ``responseElements`` or
``additionalEventData`` is read from the text store (:mod:`ctir_tui.engine.pipeline.texts`),
for the rows that need it only. Any other field is one ctir does not keep, and a rule naming
it is reported, not run without it.

What a column cannot tell apart: the load keeps no difference between an empty and an absent
value (``""`` is null in the frame), nor between a key holding ``null`` and a missing key. The
text store keeps both apart below its three roots, not for the roots themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ctir_tui.engine import schema as c


class Unsupported(Exception):
    """A rule, or part of one, that ctir cannot evaluate; the message says why (one line)."""


@dataclass(frozen=True, slots=True)
class FrameField:
    """A field held as a canonical frame column."""

    name: str
    column: str


@dataclass(frozen=True, slots=True)
class TextField:
    """A field under one of the text store's JSON roots (``path`` empty: the whole root)."""

    name: str
    store: str
    path: tuple[str, ...]

    @property
    def needle(self) -> str | None:
        """The last key as it stands in the JSON text (``"key"``), for a cheap pre-test."""
        return f'"{self.path[-1]}"' if self.path else None


FieldSource = FrameField | TextField

#: Sigma (CloudTrail JSON) field -> canonical column, where the column holds the value as
#: the record wrote it. ``additionalEventData.MFAUsed`` and ``responseElements.ConsoleLogin``
#: are deliberately not here: the frame holds a yes/no reading (or only ConsoleLogin's copy)
#: of them, and the text store holds what was written.
FRAME_FIELDS: Final[dict[str, str]] = {
    **c.WRITTEN_PATHS,
    "userIdentity.sessionContext.sessionIssuer.type": c.SESSION_ISSUER_TYPE,
    "userIdentity.sessionContext.sessionIssuer.userName": c.SESSION_ISSUER_NAME,
    "userIdentity.sessionContext.attributes.mfaAuthenticated": c.MFA,
    "resources.ARN": c.RESOURCES,
}
#: The text store's roots, by the record key they hold.
TEXT_ROOTS: Final[dict[str, str]] = {
    "requestParameters": c.REQUEST_JSON,
    "responseElements": c.RESPONSE_JSON,
    "additionalEventData": c.ADDITIONAL_JSON,
}
#: Longest field name accepted (a rule file is hostile input too).
MAX_FIELD: Final = 300
_SEGMENT: Final = re.compile(r"[^.\s]+")


def resolve(name: str) -> FieldSource:
    """Where ``name`` is read.

    Raises:
        Unsupported: ctir keeps no such field, or the name is not a dotted path.
    """
    if len(name) > MAX_FIELD:
        raise Unsupported(f"field name longer than {MAX_FIELD} characters")
    column = FRAME_FIELDS.get(name)
    if column is not None:
        return FrameField(name, column)
    root, _, rest = name.partition(".")
    store = TEXT_ROOTS.get(root)
    if store is None:
        raise Unsupported(
            f"field '{name}' is not kept by ctir (it keeps the frame's columns and "
            "requestParameters, responseElements, additionalEventData)"
        )
    path = tuple(rest.split(".")) if rest else ()
    if any(_SEGMENT.fullmatch(part) is None for part in path):
        raise Unsupported(f"field '{name}' is not a dotted path of keys")
    return TextField(name, store, path)

"""Visit outcome codes (stable: used in exports and reports) and IKD status words."""

from __future__ import annotations

ALREADY_ACTIVE = "ALREADY_ACTIVE"
ACTIVATED = "ACTIVATED"
PENDING = "PENDING"
FAILED = "FAILED"
NOT_ELIGIBLE = "NOT_ELIGIBLE"
REFERRED = "REFERRED"
DECLINED = "DECLINED"

OUTCOMES = (ALREADY_ACTIVE, ACTIVATED, PENDING, FAILED, NOT_ELIGIBLE, REFERRED, DECLINED)
# Outcomes that must carry a reason code.
NEEDS_REASON = (FAILED, NOT_ELIGIBLE, REFERRED)
# Outcomes that go on the follow-up list (when the resident consented to contact).
FOLLOW_UP = (PENDING, FAILED)

ACTIVE = "active"
NOT_ACTIVE = "not_active"
UNKNOWN = "unknown"
IKD_STATUSES = (ACTIVE, NOT_ACTIVE, UNKNOWN)

"""Bundles need the office's key on both sides: the tests share it as a laptop set-up does."""

from __future__ import annotations

from counter.services import bundle_key
from counter.services.context import Context


def share_key(*ctxs: Context) -> bytes:
    """The first context's bundle key (made if needed), installed in the others."""
    key = bundle_key.ensure(ctxs[0])
    for c in ctxs[1:]:
        bundle_key.install(c, key)
    return key

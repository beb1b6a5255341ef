"""Reading a bundle: the trailer's checksum, the manifest, and every record checked
(counter.services.bundle_check) before anything is written."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counter.services import bundle_check
from counter.services.bundle_file import BundleError, read_verified
from counter.services.bundles.format import FORMAT, RECORD_FIELDS, VERSION


@dataclass
class Bundle:
    manifest: dict[str, Any]
    sha256: str
    officers: list[dict[str, Any]]
    events: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    vevents: list[dict[str, Any]]

    @property
    def device_id(self) -> str:
        return str(self.manifest.get("device_id", ""))


def read_bundle(path: str | Path, key: bytes, rules: Any = None) -> Bundle:
    """Read and verify a bundle file signed with ``key``; nothing is written."""
    raw, name = read_verified(path, key)
    return parse_bundle(raw, name, rules)


def verify(raw: bytes, name: str) -> tuple[bytes, str]:
    if not raw.endswith(b"\n"):
        raise BundleError("truncated", file=name)
    cut = raw.rfind(b"\n", 0, len(raw) - 1)
    content, last = raw[: cut + 1], raw[cut + 1 :]
    try:
        trailer = json.loads(last)
    except ValueError:
        raise BundleError("truncated", file=name) from None
    if not isinstance(trailer, dict) or trailer.get("t") != "end":
        raise BundleError("truncated", file=name)
    digest = hashlib.sha256(content).hexdigest()
    if trailer.get("sha256") != digest:
        raise BundleError("altered", file=name)
    return content, digest


def parse_bundle(raw: bytes, name: str = "bundle", rules: Any = None) -> Bundle:
    """The records of a verified bundle's content, every one checked (bundle_check) with
    ``rules`` (this office's; default: the packaged protocol, the bundle's own office)."""
    content, digest = verify(raw, name)
    try:
        lines = content.decode("utf-8").split("\n")[:-1]
        manifest = json.loads(lines[0])
    except (ValueError, IndexError):
        raise BundleError("foreign", file=name) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError("foreign", file=name)
    if manifest.get("version") != VERSION:
        raise BundleError(
            "version", file=name, version=bundle_check.br.shown(manifest.get("version"))
        )
    if rules is None:
        rules = bundle_check.default_rules(str(manifest.get("office_code")))
    lists = bundle_check.check_records(lines, manifest, rules, RECORD_FIELDS, name)
    counts = manifest["counts"]
    if any(counts[k] != len(v) for k, v in lists.items()):
        raise BundleError("altered", file=name)
    return Bundle(
        manifest, digest, lists["officer"], lists["event"], lists["visit"], lists["vevent"]
    )

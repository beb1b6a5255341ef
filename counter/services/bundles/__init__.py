"""Bundles: move visits between an outreach laptop and the office database, exactly once.

File format (one file, ``.ikdb``): one gzip member (any gzip tool can read it; its header is fixed
and its extra field records the file's length) holding JSON lines:

- line 1, the manifest: ``{"format": "ikd-counter-bundle", "version": 1, "device_id": ...,
  "created_at": ..., "mode": ..., "counts": {...}}``
- then one record per line: ``{"t": "officer"|"event"|"visit"|"vevent", ...}``; officers carry
  username, name and role only (never PIN hashes);
- last line, the trailer: ``{"t": "end", "sha256": <hex over every byte before this line>}``.

Every byte of the file is checked: the gzip header must be exactly ours, the length must match, the
deflate stream and its CRC must be intact, and the sha256 must match; otherwise the file is refused
whole, as truncated (shorter than recorded), altered, or foreign (not a bundle at all).

Import merges in ONE write transaction: by visit id (new visits added with their timeline; a visit
already present gains only the events it lacks, by event UUID); the visit's outcome is the newest
outcome/correction event by time, and a disagreement between the two sides is reported. Officers
are matched by username; unknown ones are created disabled without a PIN. A bundle already imported
(same sha256, table ``bundle_import``) changes nothing.

The package, one job per module: ``format`` (record kinds and fields, value encoding, the signed
file), ``validate`` (reading and checking a file: nothing is written), ``export`` (writing one),
``merge`` (importing one), ``results`` (what they report).
"""

from __future__ import annotations

from counter.services import audit, bundle_key, settings_store
from counter.services.bundle_file import BundleError, BundleRefused
from counter.services.bundles.export import export_bundle, last_high_water
from counter.services.bundles.format import FORMAT, SUFFIX, VERSION, gzip_bytes, seal
from counter.services.bundles.merge import describe_file, import_bundle, imports
from counter.services.bundles.results import ExportResult, ImportSummary, OutcomeConflict
from counter.services.bundles.validate import Bundle, parse_bundle, read_bundle

__all__ = [
    "FORMAT",
    "SUFFIX",
    "VERSION",
    "Bundle",
    "BundleError",
    "BundleRefused",
    "ExportResult",
    "ImportSummary",
    "OutcomeConflict",
    "gzip_bytes",  # tests write altered files with it (the lead moves them to ``seal``)
    "audit",
    "bundle_key",
    "describe_file",
    "export_bundle",
    "import_bundle",
    "imports",
    "last_high_water",
    "parse_bundle",
    "read_bundle",
    "seal",
    "settings_store",
]

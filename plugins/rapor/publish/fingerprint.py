"""Canonical bytes and SHA-256 fingerprints of a region-month's inputs.

The inputs snapshot is plain JSON data (strings, numbers, booleans, lists, objects). Its
canonical form (sorted keys, no spaces, UTF-8) is what gets hashed, so the fingerprint
does not depend on the order rows came out of the database or on the JSON library.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
from pathlib import Path

from rapor.privacy import Keys, keyring, rekeyed
from rapor.storage import Location


def canonical_bytes(data) -> bytes:
    # allow_nan=False: NaN is not JSON and not equal to itself; a NaN here is a bug upstream.
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(snapshot: dict) -> str:
    """The inputs fingerprint of a publication: SHA-256 of the snapshot's canonical JSON."""
    return sha256_hex(canonical_bytes(snapshot))


def write_snapshot(snapshot: dict, path: Path) -> None:
    """Store the snapshot as gzip'd canonical JSON (mtime 0: same inputs, same bytes)."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
        handle.write(canonical_bytes(snapshot))


def read_snapshot(path: Location) -> dict:
    """The snapshot stored at ``path`` (a local file, or one in the output store)."""
    return json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))


def complaint_refs(source: str, complaint_id: str, key: Keys) -> list[str]:
    """The complaint's reference under each prefix of the keyring: what publications before each
    rotation showed, the current one last (an appeal may quote an older revision's reference)."""
    first, *later = keyring(key)
    refs = ["k-" + hmac.new(first, f"{source}\x1f{complaint_id}".encode(), hashlib.sha256).hexdigest()[:16]]
    for k in later:
        refs.append(rekeyed(refs[-1], k))
    return refs


def complaint_ref(source: str, complaint_id: str, key: Keys) -> str:
    """The pseudonymous reference of a complaint (keyed HMAC: resolvable only inside the warehouse)."""
    return complaint_refs(source, complaint_id, key)[-1]

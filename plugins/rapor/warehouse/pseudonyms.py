"""The keyring the warehouse's pseudonyms are under: checked before use, re-keyed on rotation.

Stored pseudonyms are keyed HMACs of identities the warehouse never keeps, so a new key
cannot be applied to the identities; it is applied to the pseudonyms instead
(``rapor.privacy.rekeyed``): a keyring [k1, k2] gives HMAC(k2, HMAC(k1, identity)) for a new
identity and the same value for a stored HMAC(k1, identity) re-keyed under k2. ``rekey``
does that for every place a pseudonym or complaint reference is stored, in one transaction,
and records the keyring (by key fingerprint) in ``pseudonym_keyring``; ``check_keyring``
refuses to write or publish pseudonyms under a keyring that differs from the recorded one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update

from rapor.errors import ConfigError
from rapor.privacy import Keys, chained, key_fingerprint, keyring
from rapor.warehouse import schema

_STORED_PSEUDONYM = re.compile(r"p-[0-9a-f]{24}")


def recorded_keyring(conn) -> list[str]:
    """Fingerprints of the keys the stored pseudonyms are under, oldest first ([] = the first key alone)."""
    t = schema.pseudonym_keyring
    return list(conn.execute(select(t.c.key_fingerprint).order_by(t.c.position)).scalars())


def _applied(conn, keys: tuple[bytes, ...]) -> int:
    """How many keys of ``keys`` (from the first) the stored pseudonyms are under."""
    recorded = recorded_keyring(conn)
    if not recorded:
        return 1
    fingerprints = [key_fingerprint(k) for k in keys]
    if fingerprints[: len(recorded)] != recorded:
        raise ConfigError(
            f"the warehouse's pseudonyms are under the keys {', '.join(recorded)} (fingerprints, oldest first), "
            f"but this process's pseudonym keyring is {', '.join(fingerprints)}: give it the same keys, the new "
            "one last (Airflow connection rapor_pseudonym or RAPOR_PSEUDONYM_KEY / RAPOR_PSEUDONYM_PREVIOUS_KEYS)"
        )
    return len(recorded)


def check_keyring(conn, key: Keys) -> None:
    """Refuse (ConfigError) a keyring that is not the one the warehouse's pseudonyms are under."""
    keys = keyring(key)
    applied = _applied(conn, keys)
    if applied < len(keys):
        raise ConfigError(
            f"the pseudonym keyring has {len(keys)} keys, the warehouse's pseudonyms are under the first "
            f"{applied}: run `rapor rekey-pseudonyms` (docs/operations.md, the pseudonym key) before collecting "
            "or publishing"
        )


@dataclass(frozen=True)
class RekeyResult:
    keys_applied: int  # keys added to the stored pseudonyms now (0: already under the whole keyring)
    complaints: int
    quarantined_rows: int
    appeals: int
    fingerprints: tuple[str, ...]


def rekey(engine, key: Keys) -> RekeyResult:
    """Put every stored pseudonym and complaint reference under the whole keyring, in one transaction.

    Reporters' pseudonyms (``complaint``), the pseudonyms in quarantined rows' copies and the
    appeals' complaint references are keyed again under each key added since the last run;
    the keyring is recorded. Running it again changes nothing.
    """
    keys = keyring(key)
    fingerprints = tuple(key_fingerprint(k) for k in keys)
    c, q, a = schema.complaint, schema.quarantine, schema.appeal
    with engine.begin() as conn:
        applied = _applied(conn, keys)
        new = keys[applied:]
        n_complaints = n_quarantine = n_appeals = 0
        if new:
            rows = conn.execute(
                select(c.c.source, c.c.complaint_id, c.c.reporter_pseudonym).where(c.c.reporter_pseudonym.is_not(None))
            ).all()
            for source, complaint_id, pseudonym in rows:
                conn.execute(
                    update(c)
                    .where(c.c.source == source, c.c.complaint_id == complaint_id)
                    .values(reporter_pseudonym=chained(pseudonym, new))
                )
            n_complaints = len(rows)
            for quarantine_id, record in conn.execute(select(q.c.quarantine_id, q.c.raw_record)).all():
                changed = _STORED_PSEUDONYM.sub(lambda m: chained(m.group(0), new), record)
                if changed != record:
                    conn.execute(update(q).where(q.c.quarantine_id == quarantine_id).values(raw_record=changed))
                    n_quarantine += 1
            refs = conn.execute(select(a.c.appeal_id, a.c.complaint_ref).where(a.c.complaint_ref.is_not(None))).all()
            for appeal_id, ref in refs:
                conn.execute(update(a).where(a.c.appeal_id == appeal_id).values(complaint_ref=chained(ref, new)))
            n_appeals = len(refs)
        t = schema.pseudonym_keyring
        if new or not recorded_keyring(conn):
            now = datetime.now(UTC)
            conn.execute(delete(t))
            conn.execute(
                insert(t),
                [{"position": i, "key_fingerprint": f, "applied_at": now} for i, f in enumerate(fingerprints, 1)],
            )
    return RekeyResult(len(new), n_complaints, n_quarantine, n_appeals, fingerprints)

"""Audit exports, and checking a JSON Lines export on any computer, without MCP Desk's keyring.

A sealed export ends with one line `{"kind": "export seal", "seal": {...}}` (it has a `kind`
like every line before it, so scripts that read exports by kind pass over it): the first
record's number and the hash it follows, the last record's number and hash, what MCP Desk's
own check of the trail said when it was saved, and this install's public key, all signed
with its private key. The records' hashes link each to the one before, so the signature
covers every record.

To check one: `mcp-desk audit verify-export FILE [--key FINGERPRINT]`, or from Python
`verify_export(path, expected_key)`. Anyone can make a seal with a key of their own, so
compare the fingerprint it names with the one `mcp-desk audit verify` prints on the
computer that wrote the trail (or pass it as `--key`). CSV exports are for spreadsheets:
their times are rounded, so they can't be checked this way.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from desktop.core.audit_chain import canonical_json, record_hash
from desktop.core.audit_keys import AuditKey, fingerprint, signature_holds
from desktop.core.audit_records import CSV_COLUMNS, AuditRecord, VerifyReport
from desktop.core.audit_seals import when

EXPORT_FORMATS = ("jsonl", "csv")
SEAL_KIND = "export seal"
_Types = type | tuple[type, ...]
_RECORD_FIELDS: dict[str, _Types] = {
    "seq": int,
    "time": (int, float),
    "kind": str,
    "data": dict,
    "prev_hash": str,
    "hash": str,
}
_SEAL_FIELDS: dict[str, _Types] = {
    "first": int,
    "after": str,
    "last": int,
    "hash": str,
    "time": (int, float),
    "key": str,
}


@dataclass(frozen=True)
class ExportReport:
    ok: bool
    records: int
    message: str
    """Plain sentences: what was found, and whose key sealed it."""
    key: str = ""
    """The fingerprint of the key that sealed the export, where it has a seal."""


class _Refused(Exception):
    """Why an export does not hold, as a sentence."""


def write_export(
    out: IO[str], records: Iterator[AuditRecord], fmt: str
) -> tuple[int, AuditRecord | None, AuditRecord | None]:
    """Write `records` as jsonl or csv; returns how many, the first and the last."""
    writer = csv.writer(out) if fmt == "csv" else None
    if writer:
        writer.writerow(CSV_COLUMNS)
    count, first, last = 0, None, None
    for record in records:
        if writer:
            writer.writerow(record.csv_row())
        else:
            out.write(record.to_json() + "\n")
        count, first, last = count + 1, first or record, record
    return count, first, last


def seal_line(key: AuditKey, first: AuditRecord, last: AuditRecord, check: VerifyReport) -> str:
    """The last line of a sealed export."""
    payload: dict[str, Any] = {
        "first": first.seq,
        "after": first.prev_hash,
        "last": last.seq,
        "hash": last.hash,
        "time": time.time(),
        "key": key.public,
        "check": check.message,
        "check_ok": check.ok,
    }
    seal = {**payload, "signature": key.sign(payload)}
    return json.dumps({"kind": SEAL_KIND, "seal": seal}, ensure_ascii=False) + "\n"


@dataclass
class _Walked:
    """What the records of an export showed, and its seal."""

    count: int = 0
    first: int = 0
    after: str = ""
    """The hash the first record follows."""
    last: int = 0
    hash: str = ""
    seal: dict[str, Any] | None = None


def verify_export(path: Path, expected_key: str | None = None) -> ExportReport:
    """Check a JSON Lines export on its own: its records, their links, and the seal's signature."""
    walked = _Walked()
    try:
        with path.open(encoding="utf-8") as lines:
            seal = _read(lines, walked)
        key = _check_seal(seal, walked, expected_key)
    except _Refused as refused:
        return ExportReport(False, walked.count, str(refused))
    except (OSError, UnicodeDecodeError) as error:
        return ExportReport(False, 0, f"This file could not be read as an audit export ({error}).")
    said = (
        ""
        if seal["check_ok"] is True
        else " That check had found a problem, so the trail was not intact then."
    )
    message = (
        f"This export is intact: {walked.count:,} records ({walked.first} to {walked.last}), sealed on "
        f"{when(seal['time'])} by key {key}. When it was saved, MCP Desk's own check of the trail said: "
        f"{seal['check']}{said}"
    )
    return ExportReport(seal["check_ok"] is True, walked.count, message, key)


def _read(lines: IO[str], walked: _Walked) -> dict[str, Any]:
    """Walk the records into `walked`; returns the seal."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if walked.seal is not None:
            raise _Refused(f"Line {number} comes after the seal, so it was added after the export was saved.")
        item = _parse(line, number)
        if "seal" in item:
            walked.seal = _seal_of(item["seal"])
            continue
        seq = item["seq"]
        if walked.count and seq <= walked.last:
            raise _Refused(f"Record {seq} is out of order in this export: it was moved after it was saved.")
        if walked.count and seq != walked.last + 1:
            gone = (
                f"Record {seq - 1} was"
                if seq == walked.last + 2
                else f"Records {walked.last + 1} to {seq - 1} were"
            )
            raise _Refused(f"{gone} taken out of this export.")
        if walked.count and item["prev_hash"] != walked.hash:
            raise _Refused(f"Record {walked.last} in this export was changed after it was saved.")
        data = canonical_json(item["data"])
        if record_hash(item["prev_hash"], seq, item["time"], item["kind"], data) != item["hash"]:
            raise _Refused(f"Record {seq} in this export was changed after it was saved.")
        if not walked.count:
            walked.first, walked.after = seq, item["prev_hash"]
        walked.count, walked.last, walked.hash = walked.count + 1, seq, item["hash"]
    if walked.seal is None:
        raise _Refused(
            "This export has no seal (it was saved where no keyring could be used, or the seal was "
            "taken off), so it can't be checked on its own."
        )
    if not walked.count:
        raise _Refused("This export holds no records.")
    return walked.seal


def _parse(line: str, number: int) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except ValueError:
        raise _Refused(
            f"Line {number} is not an audit record, so this is not an export MCP Desk wrote."
        ) from None
    if not isinstance(item, dict):
        raise _Refused(f"Line {number} is not an audit record, so this is not an export MCP Desk wrote.")
    if "seal" in item:
        return item
    if not _shaped(item, _RECORD_FIELDS):
        raise _Refused(f"Line {number} is not an audit record: a field is missing or of the wrong kind.")
    return item


def _shaped(item: dict[str, Any], fields: dict[str, _Types]) -> bool:
    """Every field there and of its type (a JSON true is not a number)."""
    return all(isinstance(item.get(n), t) and not isinstance(item.get(n), bool) for n, t in fields.items())


def _seal_of(seal: object) -> dict[str, Any]:
    if not isinstance(seal, dict) or not _shaped(seal, _SEAL_FIELDS):
        raise _Refused("The export's seal is damaged, so the export can't be checked.")
    return seal


def _check_seal(seal: dict[str, Any], walked: _Walked, expected_key: str | None) -> str:
    """The seal's key fingerprint, once its signature holds and it names these records."""
    payload = {k: v for k, v in seal.items() if k != "signature"}
    if not signature_holds(seal["key"], payload, str(seal.get("signature", ""))):
        raise _Refused("The export's seal does not match its contents: it was changed after it was saved.")
    if seal["first"] != walked.first:
        raise _Refused("Records were taken out of, or added to, the start of this export after it was saved.")
    if seal["last"] > walked.last:
        raise _Refused(f"Records after {walked.last} were taken out of this export.")
    if seal["last"] < walked.last:
        raise _Refused(f"Records after {seal['last']} were added to this export after it was saved.")
    if (seal["after"], seal["hash"]) != (walked.after, walked.hash):
        raise _Refused(
            "The records in this export were changed after it was saved: they don't match its seal."
        )
    key = fingerprint(seal["key"])
    if expected_key is not None and _digits(expected_key) != _digits(key):
        raise _Refused(
            f"This export was sealed by key {key}, not by {expected_key}: it was not saved by the "
            "MCP Desk you expected, or it was sealed again by someone else."
        )
    return key


def _digits(key: str) -> str:
    return "".join(key.split()).lower()

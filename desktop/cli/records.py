"""`mcp-desk log …` and `mcp-desk audit …`: the JSON-RPC log and the audit trail, exported or checked."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

from desktop.cli.output import emit
from desktop.core.audit_export import verify_export
from desktop.core.audit_records import Finding
from desktop.core.rpc_log import LogFilter
from desktop.core.rpc_log_files import export_entries
from desktop.services import Services


def add_log_and_audit_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    since_help = "only from this time on: 2026-11-20, 2026-11-20T14:30, 2h, 3d, today, yesterday"
    log = sub.add_parser("log", help="the JSON-RPC log").add_subparsers(required=True, metavar="ACTION")
    log_export = log.add_parser("export", help="write the log as JSON Lines")
    log_export.add_argument("--server", default="")
    log_export.add_argument("--since", type=parse_since, help=since_help)
    log_export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    log_export.set_defaults(run=_log_export)

    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(required=True, metavar="ACTION")
    verify = audit.add_parser("verify", help="check that no record was changed, removed or reordered")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=_audit_verify)
    check_export = audit.add_parser(
        "verify-export", help="check a JSON Lines export on its own, on any computer (no keyring needed)"
    )
    check_export.add_argument("file", type=Path)
    check_export.add_argument(
        "--key", help="the key fingerprint `audit verify` printed where the trail is kept"
    )
    check_export.add_argument("--json", action="store_true")
    check_export.set_defaults(run_alone=_audit_verify_export)
    audit_export = audit.add_parser("export", help="write the audit trail as JSON Lines or CSV")
    audit_export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    audit_export.add_argument("--since", type=parse_since, help=since_help)
    audit_export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    audit_export.set_defaults(run=_audit_export)


def parse_since(text: str, now: datetime | None = None) -> float:
    """A time the user typed: ISO date or date-time, `today`, `yesterday`, or an age like 2h / 3d."""
    now = now or datetime.now().astimezone()
    word = text.strip().lower()
    if word in ("today", "yesterday"):
        day = now.date() - timedelta(days=1 if word == "yesterday" else 0)
        midnight = datetime.combine(day, datetime.min.time())
        return (midnight.replace(tzinfo=now.tzinfo) if now.tzinfo else midnight.astimezone()).timestamp()
    if (match := re.fullmatch(r"(\d+)\s*([smhdw])", word)) is not None:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match[2]]
        return (now - timedelta(**{unit: int(match[1])})).timestamp()
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{text}” is not a time MCP Desk understands; try 2026-11-20, 2026-11-20T14:30, 2h or yesterday"
        ) from None
    return (when if when.tzinfo else when.astimezone()).timestamp()


async def _log_export(services: Services, args: argparse.Namespace) -> int:
    where = LogFilter(server=args.server, since=args.since)
    entries = await asyncio.to_thread(lambda: list(services.rpc_log.files.read(where)))
    await _write_out(args.output, lambda path: export_entries(entries, path))
    print(f"Exported {len(entries)} log entries.", file=sys.stderr)
    return 0


UNCHECKED = 3
"""`audit verify`'s exit status where nothing was found wrong but not everything could be checked."""


async def _audit_verify(services: Services, args: argparse.Namespace) -> int:
    report = await services.audit.verify()
    key = f" This computer's audit key: {report.key}." if report.key else ""
    emit(args, asdict(report), report.message + key)
    if report.ok:
        return 0
    return UNCHECKED if report.finding is Finding.KEY_MISSING else 1


def _audit_verify_export(args: argparse.Namespace) -> int:
    """Needs neither the services nor the keyring: only the file."""
    report = verify_export(args.file, args.key)
    emit(args, asdict(report), report.message)
    return 0 if report.ok else 1


async def _audit_export(services: Services, args: argparse.Namespace) -> int:
    audit = services.audit
    count = await _write_out(args.output, lambda path: audit.export_now(path, args.format, args.since))
    print(f"Exported {count} audit records.", file=sys.stderr)
    return 0


async def _write_out(output: Path | None, write: Callable[[Path], int]) -> int:
    """Write with `write` to `output`, or through a temporary file to standard output."""
    if output is not None:
        return await asyncio.to_thread(write, output)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export"
        count = await asyncio.to_thread(write, path)
        sys.stdout.write(path.read_text(encoding="utf-8"))
    return count

"""`--since` as a user types it: words, ages, ISO dates and date-times, and nonsense."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop.cli.records import parse_since

LOCAL = timezone(timedelta(hours=-10))
"""The zone the tests run in (set by the fixture below), far from UTC."""
NOW = datetime(2026, 11, 20, 14, 30, 15, 123456, tzinfo=LOCAL)


pytestmark = pytest.mark.usefixtures("local_time_ten_hours_behind_utc")


def test_today_is_local_midnight_of_today() -> None:
    assert parse_since("today", now=NOW) == datetime(2026, 11, 20, tzinfo=LOCAL).timestamp()


def test_yesterday_is_local_midnight_of_the_day_before() -> None:
    assert parse_since("yesterday", now=NOW) == datetime(2026, 11, 19, tzinfo=LOCAL).timestamp()


def test_yesterday_on_the_first_of_a_month_is_in_the_month_before() -> None:
    first = datetime(2026, 3, 1, 8, 0, tzinfo=LOCAL)

    assert parse_since("yesterday", now=first) == datetime(2026, 2, 28, tzinfo=LOCAL).timestamp()


@pytest.mark.parametrize("text", ["Today", "  TODAY\n", "today "])
def test_words_ignore_case_and_surrounding_spaces(text: str) -> None:
    assert parse_since(text, now=NOW) == parse_since("today", now=NOW)


@pytest.mark.parametrize(
    "text, age",
    [
        ("45s", timedelta(seconds=45)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("0h", timedelta(0)),
        ("2 h", timedelta(hours=2)),
        ("12H", timedelta(hours=12)),
        (" 90m ", timedelta(minutes=90)),
    ],
)
def test_an_age_counts_back_from_now(text: str, age: timedelta) -> None:
    assert parse_since(text, now=NOW) == pytest.approx((NOW - age).timestamp(), abs=1e-6)


def test_m_means_minutes_not_months() -> None:
    assert NOW.timestamp() - parse_since("1m", now=NOW) == pytest.approx(60.0)


def test_an_iso_date_is_local_midnight_of_that_day() -> None:
    assert parse_since("2026-11-02", now=NOW) == datetime(2026, 11, 2, tzinfo=LOCAL).timestamp()


@pytest.mark.parametrize("text", ["2026-11-02T14:30", "2026-11-02 14:30", "2026-11-02T14:30:00"])
def test_an_iso_date_time_without_a_zone_is_local_time(text: str) -> None:
    assert parse_since(text, now=NOW) == datetime(2026, 11, 2, 14, 30, tzinfo=LOCAL).timestamp()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-02T14:30+02:00", datetime(2026, 11, 2, 12, 30, tzinfo=UTC)),
        ("2026-11-02T14:30:00-05:00", datetime(2026, 11, 2, 19, 30, tzinfo=UTC)),
        ("2026-11-02T14:30Z", datetime(2026, 11, 2, 14, 30, tzinfo=UTC)),
        ("2026-11-02T14:30:00+00:00", datetime(2026, 11, 2, 14, 30, tzinfo=UTC)),
    ],
)
def test_an_iso_date_time_with_a_zone_is_taken_in_that_zone(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected.timestamp()


def test_an_iso_time_does_not_depend_on_now() -> None:
    later = NOW + timedelta(days=40)

    assert parse_since("2026-11-02T14:30", now=NOW) == parse_since("2026-11-02T14:30", now=later)


def test_without_now_an_age_counts_back_from_the_real_time() -> None:
    before = time.time()
    since = parse_since("1h")
    after = time.time()

    assert before - 3600 <= since <= after - 3600


@pytest.mark.parametrize(
    "text",
    ["soon", "", "   ", "2x", "-2h", "h", "2hours", "2026-13-40", "20.11.2026", "last week", "1.5h"],
)
def test_nonsense_is_refused_with_a_sentence_that_names_the_input(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        parse_since(text, now=NOW)

    message = str(refused.value)
    assert f"“{text}”" in message
    assert "not a time" in message
    assert "2h" in message  # and says what would work


def test_argparse_shows_the_refusal_to_the_user(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="mcp-desk log export")
    parser.add_argument("--since", type=parse_since)

    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["--since", "whenever"])

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "“whenever” is not a time MCP Desk understands" in err
    assert "Traceback" not in err


def test_argparse_accepts_an_age() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--since", type=parse_since)

    since = parser.parse_args(["--since", "2h"]).since

    assert isinstance(since, float)
    assert since < time.time()

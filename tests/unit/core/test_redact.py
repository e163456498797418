"""Masking secret values by value: raw, JSON-escaped, overlapping, from several threads."""

from __future__ import annotations

import json
import threading

import pytest

from desktop.core.redact import MASK, MIN_SECRET_CHARS, Redactor, looks_secret

SECRET = "sk-live-7f3a9c1e55d04b2a"


@pytest.mark.parametrize(
    "name",
    [
        "OPENAI_API_KEY",
        "github_token",
        "Authorization",
        "DB_PASSWORD",
        "Mcp-Session-Id",
        "my_secret",
        "Cookie",
    ],
)
def test_names_that_usually_hold_secrets_look_secret(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "LANG", "Content-Type", "TIMEZONE", "PORT"])
def test_ordinary_names_do_not_look_secret(name: str) -> None:
    assert not looks_secret(name)


def test_text_passes_unchanged_while_no_secret_is_known() -> None:
    redactor = Redactor()

    assert redactor.mask(f"token={SECRET}") == f"token={SECRET}"
    assert len(redactor) == 0


def test_a_registered_value_is_masked_everywhere_it_appears() -> None:
    redactor = Redactor()
    redactor.add(SECRET)

    masked = redactor.mask(f"Authorization: Bearer {SECRET}\nretry with {SECRET}!")

    assert SECRET not in masked
    assert masked == f"Authorization: Bearer {MASK}\nretry with {MASK}!"


def test_several_registered_values_are_all_masked() -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    redactor.add("ghp_0123456789abcdef")

    masked = redactor.mask(f"a={SECRET} b=ghp_0123456789abcdef c=plain")

    assert masked == f"a={MASK} b={MASK} c=plain"


def test_surrounding_whitespace_of_a_value_is_not_part_of_the_secret() -> None:
    redactor = Redactor()
    redactor.add(f"  {SECRET}\n")

    assert redactor.mask(f"key:{SECRET};") == f"key:{MASK};"


def test_a_value_with_quotes_and_backslashes_is_masked_inside_a_json_message() -> None:
    secret = 'pa"ss\\word-42'
    redactor = Redactor()
    redactor.add(secret)
    message = json.dumps({"jsonrpc": "2.0", "params": {"env": {"TOKEN": secret}}})
    assert secret not in message  # on the wire it only appears escaped

    masked = redactor.mask(message)

    assert json.dumps(secret)[1:-1] not in masked
    assert "ss\\\\word" not in masked
    assert json.loads(masked)["params"]["env"]["TOKEN"] == MASK


def test_the_raw_spelling_of_a_value_with_quotes_is_masked_too() -> None:
    secret = 'pa"ss\\word-42'
    redactor = Redactor()
    redactor.add(secret)

    assert redactor.mask(f"stderr: bad password {secret}") == f"stderr: bad password {MASK}"


def test_values_with_regex_characters_mask_only_themselves() -> None:
    redactor = Redactor()
    redactor.add("a.b*c+d")

    assert redactor.mask("a.b*c+d aXbbbcd abcd") == f"{MASK} aXbbbcd abcd"


@pytest.mark.parametrize("value", ["", "abc", "  ab  ", "\n\t"])
def test_values_shorter_than_the_minimum_are_ignored(value: str) -> None:
    redactor = Redactor()
    redactor.add(value)

    assert len(redactor) == 0
    assert redactor.mask("abc ab 123") == "abc ab 123"


def test_a_value_of_exactly_the_minimum_length_is_masked() -> None:
    value = "q" * MIN_SECRET_CHARS
    redactor = Redactor()
    redactor.add(value)

    assert redactor.mask(f"x {value} x") == f"x {MASK} x"


def test_adding_the_same_value_twice_registers_it_once() -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    redactor.add(SECRET)
    redactor.add(f" {SECRET} ")

    assert len(redactor) == 1


@pytest.mark.parametrize("order", [("abcd", "abcdefgh"), ("abcdefgh", "abcd")])
def test_the_longest_of_overlapping_values_is_masked_whole(order: tuple[str, str]) -> None:
    redactor = Redactor()
    for value in order:
        redactor.add(value)

    assert redactor.mask("[abcdefgh] [abcd]") == f"[{MASK}] [{MASK}]"


def test_adding_values_from_several_threads_while_masking_loses_none() -> None:
    redactor = Redactor()
    threads_count, per_thread = 6, 20
    values = [[f"secret-{t:02d}-{i:03d}-xyz" for i in range(per_thread)] for t in range(threads_count)]
    start = threading.Barrier(threads_count + 1)
    errors: list[BaseException] = []

    def add_all(mine: list[str]) -> None:
        try:
            start.wait()
            for value in mine:
                redactor.add(value)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=add_all, args=(mine,)) for mine in values]
    for thread in threads:
        thread.start()
    start.wait()
    everything = " ".join(value for mine in values for value in mine)
    sample = " ".join(mine[-1] for mine in values)
    while any(thread.is_alive() for thread in threads):
        masked = redactor.mask(sample)  # whatever is masked so far is masked whole
        assert set(masked.split(" ")) <= {MASK, *sample.split(" ")}
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(redactor) == threads_count * per_thread
    assert redactor.mask(everything) == " ".join([MASK] * (threads_count * per_thread))

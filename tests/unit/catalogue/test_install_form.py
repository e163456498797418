"""A registry's raw keys read as words in the install form, the key itself kept beside them."""

from __future__ import annotations

import pytest

from desktop.catalogue.install_form import FormBuilder, readable_label


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("AIRTABLE_API_KEY", "Airtable API key"),
        ("--api-key", "API key"),
        ("X-Api-Key", "API key"),
        ("apiKey", "API key"),
        ("GITHUB_PERSONAL_ACCESS_TOKEN", "GitHub personal access token"),
        ("OAuthClientID", "OAuth client ID"),
        ("S3_BUCKET", "S3 bucket"),
        ("DATA_DIR", "Data folder"),
        ("local-timezone", "Local timezone"),
        ("tenant", "Tenant"),
        ("---", "---"),
    ],
)
def test_a_raw_key_reads_as_words(raw: str, words: str) -> None:
    assert readable_label(raw) == words


def test_each_field_keeps_the_publishers_name_for_it() -> None:
    form = FormBuilder()
    form.key_values([{"name": "AIRTABLE_API_KEY", "isSecret": True}])
    form.arguments([{"type": "named", "name": "--read-only", "format": "boolean"}])
    form.with_variables("https://{tenant}.example.com", {"tenant": {"description": "Yours"}}, optional=False)
    shown = [(item.key, item.label, item.technical) for item in form.fields()]
    assert shown == [
        ("AIRTABLE_API_KEY", "Airtable API key", "AIRTABLE_API_KEY"),
        ("read-only", "Read only", "--read-only"),
        ("tenant", "Tenant", "tenant"),
    ]

"""Masked phone numbers: what a page, an API answer or a log may show."""

import pytest

from govsvc.core.masking import mask_phone


@pytest.mark.parametrize(
    ("stored", "masked"),
    [
        ("13800001234", "138****1234"),
        ("027-85550000", "027-****0000"),
        ("0755-12345678", "0755-****5678"),
        ("027-85550000转8001", "027-****0000转****"),
        ("+85221234567", "+85*****4567"),
        ("02785550000", "027****0000"),  # stored before the phone rule
        ("85550000", "****0000"),
        ("1380000", "*******"),
        ("12345", "*****"),
    ],
)
def test_a_masked_phone_hides_the_middle_and_any_extension(stored, masked):
    assert mask_phone(stored) == masked

"""One rule for contact phones: what residents and callers write, and what is stored."""

import pytest
from django import forms
from django.test import override_settings
from rest_framework import serializers

from govsvc.core.phones import (
    InvalidPhone,
    PhoneField,
    PhoneSerializerField,
    is_valid_phone,
    normalize_phone,
)

ACCEPTED = [
    ("13800001234", "13800001234"),
    ("138 0000 1234", "13800001234"),
    ("+86 138-0000-1234", "13800001234"),
    ("0086 13800001234", "13800001234"),
    ("１３８００００１２３４", "13800001234"),
    ("19999999999", "19999999999"),  # 199 is China Telecom's
    ("０２７－８５５５００００", "027-85550000"),
    ("027-85550000", "027-85550000"),
    ("(027)85550000", "027-85550000"),
    ("（027）85550000", "027-85550000"),
    ("02785550000", "027-85550000"),
    ("0755-12345678", "0755-12345678"),
    ("85550000", "027-85550000"),
    ("8555 0000", "027-85550000"),
    ("027-85550000转8001", "027-85550000转8001"),
    ("027-85550000 分机 8001", "027-85550000转8001"),
    ("85550000 ext. 8001", "027-85550000转8001"),
    ("+852 2123 4567", "+85221234567"),
]

REFUSED = [
    "12345",  # the hotline itself
    "95598",
    "110",
    "123",
    "1380000123",  # 10 digits
    "138000012345",  # 12 digits
    "14000001234",  # a range not allocated
    "8555000",  # 7 digits: 武汉's numbers all have 8
    "027-8555000",
    "abc",
    "13800001234abc",
    "",
    "   ",
]


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED)
def test_a_callable_number_is_accepted_in_its_stored_form(typed, stored):
    assert normalize_phone(typed) == stored
    assert normalize_phone(stored) == stored  # stored forms pass again unchanged


@pytest.mark.parametrize("typed", REFUSED)
def test_a_number_no_one_can_call_back_is_refused_in_chinese(typed):
    with pytest.raises(InvalidPhone, match="请填写正确的电话号码"):
        normalize_phone(typed)
    assert not is_valid_phone(typed)


@override_settings(CITY_AREA_CODE="0701")
def test_a_local_number_takes_the_configured_area_code():
    # 鹰潭 (0701) still has 7-digit numbers.
    assert normalize_phone("6212345") == "0701-6212345"


def test_the_form_field_cleans_to_the_stored_form_and_refuses_in_chinese():
    field = PhoneField(required=False)
    assert field.clean("85550000") == "027-85550000"
    assert field.clean("") == ""
    with pytest.raises(forms.ValidationError, match="请填写正确的电话号码"):
        field.clean("12345")


def test_the_api_field_cleans_to_the_stored_form_and_refuses_in_chinese():
    field = PhoneSerializerField(required=False, allow_blank=True)
    assert field.run_validation("+86 138-0000-1234") == "13800001234"
    assert field.run_validation("") == ""
    with pytest.raises(serializers.ValidationError, match="请填写正确的电话号码"):
        field.run_validation("12345")

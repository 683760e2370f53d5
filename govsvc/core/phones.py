"""One rule for the contact phone numbers residents and callers give.

Checked with phonenumbers (Google's libphonenumber metadata, kept current for China's
mobile ranges and area codes) rather than a regular expression: 11 digits starting with 1
are not all mobiles, and area codes have three or four digits. Accepted, in the forms
people write them (spaces, hyphens, brackets, full-width characters, +86 or 0086):

- a mainland mobile: 13800001234, stored as 13800001234;
- a landline with its area code: 027-85550000, (027)85550000, stored as 027-85550000;
- a local landline without its area code, taken to be in the city's own area
  (settings.CITY_AREA_CODE, 027 for 武汉): 85550000 is stored as 027-85550000. Whether
  7 digits are enough is the numbering plan's call: 武汉's numbers all have 8;
- an extension after 转, 分机, ext. or x: 027-85550000转8001;
- a number abroad or in Hong Kong, Macao or Taiwan with its + prefix, stored as +85221234567.

Refused: short service numbers (12345, 95598, 110) and anything the numbering plan does
not allocate, so a ticket or an application never carries a number no one can call back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from rest_framework import serializers

PHONE_HINT = "11 位手机号，或固定电话（可带区号，如 027-85550000）"
INVALID_MESSAGE = f"请填写正确的电话号码：{PHONE_HINT}。"
# The narrowest column a stored number goes into (申请人、办不成事 contact phones).
STORED_MAX_LENGTH = 20
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x)\s*([0-9]{1,6})\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-()]")
_LOCAL = re.compile(r"[2-9][0-9]{6,7}")


class InvalidPhone(ValueError):
    """Not a number that can be called back; the message is Chinese."""


def normalize_phone(value: str) -> str:
    """The number in the platform's stored form, or InvalidPhone."""
    # NFKC turns full-width digits, brackets, hyphens, plus signs and spaces into ASCII.
    text = unicodedata.normalize("NFKC", str(value)).strip()
    extension = ""
    match = _EXTENSION.search(text)
    if match:
        extension = match.group(1)
        text = text[: match.start()]
    bare = _SEPARATORS.sub("", text)
    if _LOCAL.fullmatch(bare):
        bare = settings.CITY_AREA_CODE + bare
    stored = _stored_form(bare)
    if extension:
        stored = f"{stored}转{extension}"
    if len(stored) > STORED_MAX_LENGTH:
        raise InvalidPhone(INVALID_MESSAGE)
    return stored


def _stored_form(bare: str) -> str:
    """Mobiles as 11 digits, landlines as 027-85550000, numbers abroad as +85221234567."""
    try:
        number = phonenumbers.parse(bare, "CN")
    except NumberParseException as exc:
        raise InvalidPhone(INVALID_MESSAGE) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(INVALID_MESSAGE)
    if number.country_code != 86:
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    national = str(number.national_number)
    if phonenumbers.number_type(number) == PhoneNumberType.MOBILE:
        return national
    area = phonenumbers.length_of_geographical_area_code(number)
    return f"0{national[:area]}-{national[area:]}" if area else national


def mobile_number(value: str) -> str:
    """The mainland mobile `value` names, in stored form, or "" for a landline, a number
    abroad or no number: where an SMS can be sent."""
    try:
        stored = normalize_phone(value)
    except InvalidPhone:
        return ""
    return stored if len(stored) == 11 and stored.startswith("1") else ""


def is_valid_phone(value: str) -> bool:
    try:
        normalize_phone(value)
    except InvalidPhone:
        return False
    return True


class PhoneField(forms.CharField):
    """A form field that answers a wrong number in Chinese and cleans to the stored form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "tel")
        self.widget.attrs.setdefault("autocomplete", "tel")

    def clean(self, value: Any) -> str:
        return _cleaned(super().clean(value), forms.ValidationError)


class PhoneSerializerField(serializers.CharField):
    """The API's phone field: the same rule, the same stored form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return _cleaned(super().to_internal_value(data), serializers.ValidationError)


def _cleaned(text: str, error: Callable[..., Exception]) -> str:
    """The stored form of a field's text ("" when left empty), or the framework's error."""
    if not text:
        return ""
    try:
        return normalize_phone(text)
    except InvalidPhone as exc:
        raise error(str(exc), code="invalid_phone") from exc

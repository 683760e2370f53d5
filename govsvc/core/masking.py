"""Mask personal data before it reaches a page or a log."""


def mask_id_number(value: str) -> str:
    """Keep the first 6 and last 4 characters of an ID number: 420102********1234."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits of a phone number: 138****5678."""
    digits = value.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str) -> str:
    """Keep the family name only: 张**."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1)


def mask_address(value: str, keep: int = 6) -> str:
    """Keep the leading part of an address (district, street) and hide the rest."""
    if len(value) <= keep:
        return value
    return value[:keep] + "****"

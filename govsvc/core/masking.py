"""Mask personal data before it reaches a page or a log."""


def mask_id_number(value: str) -> str:
    """Keep the first 6 and last 4 characters of an ID number: 420102********1234."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep a mobile's first 3 or a landline's area code, and the last 4 digits.

    138****5678, 027-****0000, +85*****4567; an extension is hidden (027-****0000转****).
    At least 4 characters stay hidden: a short number keeps only its tail, or nothing.
    """
    number, mark, extension = value.strip().partition("转")
    head = number.find("-") + 1 or 3
    if len(number) >= head + 8:
        masked = number[:head] + "*" * (len(number) - head - 4) + number[-4:]
    elif len(number) >= 8:
        masked = "*" * (len(number) - 4) + number[-4:]
    else:
        masked = "*" * len(number)
    return masked + mark + "*" * len(extension)


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

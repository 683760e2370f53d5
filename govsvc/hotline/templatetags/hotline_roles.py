"""The hotline's role checks for templates: the same rules the views enforce."""

from typing import Any

from django import template

from govsvc.hotline import services

register = template.Library()


@register.filter
def hotline_staff(user: Any) -> bool:
    return services.is_hotline_staff(user)


@register.filter
def takes_calls(user: Any) -> bool:
    return services.takes_calls(user)

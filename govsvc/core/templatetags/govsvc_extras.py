from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """``{{ answers|get_item:q.key }}``: a dictionary value by a variable key."""
    return mapping.get(key) if hasattr(mapping, "get") else None

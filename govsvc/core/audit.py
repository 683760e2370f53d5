"""Write audit records. Call inside the transaction of the change being recorded."""

from typing import Any

from govsvc.core.compiled import insert
from govsvc.core.models import AuditRecord


def record(
    action: str,
    obj: Any,
    *,
    actor: Any = None,
    summary: str = "",
    data: dict[str, Any] | None = None,
    save: bool = True,
) -> AuditRecord:
    """An audit record, written now (or, with save=False, by the caller in the same
    transaction, e.g. with govsvc.core.compiled.insert_all)."""
    user = actor if actor is not None and actor.is_authenticated else None
    row = AuditRecord(
        actor=user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:255],
        data=data or {},
    )
    return insert(row) if save else row

"""Any saved or deleted catalog or bundle row bumps the catalog generation after commit.

The explicit bumps in the catalog services cover the usual paths; these cover the rest
(admin inlines, shell edits, data migrations), so that caches keyed by the generation (the
search index, case plans, bundles and departments kept in memory) never outlive their data.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from govsvc.catalog.services import bump_catalog_generation

WATCHED = (
    "catalog.ServiceItem",
    "catalog.ItemMaterial",
    "bundles.Bundle",
    "bundles.BundleItem",
    "directory.Department",
)


def _changed(**_: Any) -> None:
    transaction.on_commit(bump_catalog_generation)


def connect() -> None:
    for model in WATCHED:
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog-generation-save-{model}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"catalog-generation-delete-{model}"
        )
    from govsvc.bundles.models import Bundle, BundleItem

    # The lead window of a bundle (cached with the plans) lives in a many-to-many table.
    for relation in (
        BundleItem.depends_on,
        Bundle.lead_departments,
        Bundle.departments,
    ):
        m2m_changed.connect(
            _changed,
            sender=relation.through,
            dispatch_uid=f"catalog-generation-m2m-{relation.through._meta.label}",
        )

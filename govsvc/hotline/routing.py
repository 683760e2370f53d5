"""Routing: the classifier's proposal and the dispatch catalogue (派单目录)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from govsvc.directory.models import Department, Region
from govsvc.hotline import classifier
from govsvc.hotline.models import Category, DispatchRule

logger = logging.getLogger(__name__)


@dataclass
class Proposal:
    category: Category | None
    department: Department | None
    confidence: float | None
    label: str = ""


def department_for(category: Category | None, region: Region | None) -> Department | None:
    """The most local rule wins: community, street, district, then the citywide rule."""
    if category is None:
        return None
    chain = [region, *reversed(region.ancestors())] if region is not None else []
    rules = {
        rule.region_id: rule.department
        for rule in DispatchRule.objects.filter(category=category).select_related("department")
    }
    for node in chain:
        if node is not None and node.pk in rules:
            return rules[node.pk]
    return rules.get(None)


def category_for_label(label: str) -> Category | None:
    return (
        Category.objects.filter(code=label, active=True).first()
        or Category.objects.filter(name=label, active=True).first()
    )


def propose(text: str, region: Region | None) -> Proposal:
    """Ask the classifier; a failing model must never stop a ticket being received."""
    try:
        prediction = classifier.get_default_classifier().propose(text)
    except Exception:  # the model is an aid, intake goes on without it
        logger.exception("hotline_classifier_failed")
        return Proposal(None, None, None)
    category = category_for_label(prediction.label)
    return Proposal(
        category, department_for(category, region), prediction.confidence, prediction.label
    )

"""An answered ticket is a service act the caller may rate once (好差评, 一事一评)."""

import pytest

from govsvc.evaluations.models import ServiceAct
from govsvc.hotline import services

from .conftest import new_ticket

pytestmark = pytest.mark.django_db


def test_a_direct_answer_offers_the_caller_one_rating(places, agent):
    ticket = new_ticket(places, content="社保卡丢了在哪里补办", kind="consult")

    services.direct_close(ticket, actor=agent, text="可在任一社保经办网点补办。")

    acts = ServiceAct.objects.filter(kind="ticket_answered", reference=ticket.number)
    assert acts.count() == 1
    if ticket.caller_phone:
        assert acts.get().phone_masked.startswith(ticket.caller_phone[:3])

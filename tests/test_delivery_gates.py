"""The per-chat gates (bot/delivery/gates.py) remember a chat's change only while a row
claimed before it may still be looked at: then nothing of the chat stays (/forget)."""

from __future__ import annotations

from bot.delivery.gates import ChatGates
from tests.memory import holders

CHAT = 7_700_000_321


async def _changed() -> None:
    return None


async def test_a_change_is_remembered_while_a_row_claimed_before_it_is_not_looked_at() -> None:
    gates = ChatGates()
    roots = {"gates": gates}
    mark = gates.mark()  # a claim under way
    gates.keep(mark, 2)  # it claimed two rows
    gates.release(mark)  # the claim is over; its rows are not looked at yet
    await gates.change(CHAT, _changed)
    assert gates.changed_since(CHAT, mark)
    later = gates.mark()  # a claim after it
    assert not gates.changed_since(CHAT, later)
    gates.release(later)
    gates.release(mark)  # one row looked at, the other is not
    assert gates.changed_since(CHAT, mark) and holders(roots, CHAT)
    gates.release(mark)
    assert holders(roots, CHAT) == []


async def test_a_change_no_claim_is_older_than_is_forgotten_at_once() -> None:
    gates = ChatGates()
    async with gates.hold(CHAT):  # a send under way; nothing is kept after it either
        assert holders({"gates": gates}, CHAT)
    assert holders({"gates": gates}, CHAT) == []
    await gates.change(CHAT, _changed)
    assert holders({"gates": gates}, CHAT) == []
    assert gates.waiting(CHAT) == 0

"""The menus of a call, by task: signing in (sign_in.py), the main menu and the way
back after a transfer (main.py), for whom a member of groups books (for_whom.py),
booking (booking.py), the caller's reservations
(my_reservations.py) and the waitlist (waitlist.py). Each speaks its question and handles the keys pressed; what to
offer, what it costs and what is allowed comes from reservations.services.

At most four keys a menu, each item before its key; keys 1–3 choose from a list and 4
is its next page. `*`, `0`, `9`, silence and wrong keys are handled for every menu by
the engine in flow.py.
"""

from __future__ import annotations

from .base import Node
from .booking import BookDate, BookDone, BookKind, BookLast, BookOffer, BookUnit
from .for_whom import BookForWhom
from .main import AfterDial, Main
from .my_reservations import CancelConfirm, CancelDone, CancelList, CancelTooLate, Hear
from .sign_in import CallbackOffer, Locked, Pin, Registration
from .waitlist import WaitlistAsk, WaitlistBlock, WaitlistJoined, WaitlistOffer

NODES: dict[str, Node] = {
    node.name: node
    for node in (
        Registration(),
        Pin(),
        Locked(),
        CallbackOffer(),
        Main(),
        BookForWhom(),
        BookLast(),
        BookKind(),
        BookUnit(),
        BookOffer(),
        BookDate(),
        BookDone(),
        Hear(),
        CancelList(),
        CancelTooLate(),
        CancelConfirm(),
        CancelDone(),
        WaitlistOffer(),
        WaitlistAsk(),
        WaitlistBlock(),
        WaitlistJoined(),
        AfterDial(),
    )
}

"""A send is taken once (components/send_watch.py tells the user of one never taken).

The browser gives each send an id and sends a copy with the same id when the first seems
lost (its text unchanged). A copy can still arrive after the first was taken, late behind
a slow event of the tab: it must not make a second message. Called inside the send's
`async with self`, so the check and the record are one step of the tab's state."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Tab(Protocol):
    """What of ChatState this needs (ChatState imports this module)."""

    taken_send: str
    _sends: list[str]

    async def get_state(self, state_cls: Any) -> Any: ...


# The composer's files' state (state/attachments.py's ComposerFiles, a substate of ChatState
# that imports this package, so it names itself here: `files_go_with_sends`).
_files_state: list[Any] = []

KEPT = 20  # sends remembered per tab: a copy comes within seconds of its first
ID_LENGTH = 64


def take(chat: Tab, send_id: str) -> bool:
    """First thing of a send: the browser hears it was taken (`taken_send`, its watch
    stops). False for an id taken before. No id (a page built before ids): taken."""
    send_id = send_id[:ID_LENGTH]
    if not send_id:
        return True
    chat.taken_send = send_id
    if send_id in chat._sends:
        return False
    chat._sends = [*chat._sends[-(KEPT - 1) :], send_id]
    return True


async def files_sent(chat: Tab, file_ids: list[str]) -> None:
    """The files go with the message: off the composer once the send is taken (not at the
    click, so a send never taken keeps them there with the text)."""
    if not file_ids or not _files_state:
        return
    files = await chat.get_state(_files_state[0])
    files.pending = [row for row in files.pending if row.id not in file_ids]


def files_go_with_sends(state_cls: T) -> T:
    """Class decorator of the composer's files' state: `files_sent` clears its `pending`."""
    _files_state[:] = [state_cls]
    return state_cls

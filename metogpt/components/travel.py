"""Archive, share and export in the chat's sidebar: the row menu's items, the share link
dialog and the Archived view; and `download`, which saves a REST export as a file."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import list_dialog
from metogpt.state.chat import ConversationRow
from metogpt.state.lang import t
from metogpt.state.travel import TravelState

# The REST exports need the bearer token, which a plain link cannot send: fetch with it,
# then hand the body to the browser as a download.
_DOWNLOAD = """async (path, name) => {
  const token = JSON.parse(localStorage.getItem('metogpt_token') || '""');
  const r = await fetch(path, {headers: {Authorization: 'Bearer ' + token}});
  if (!r.ok) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(await r.blob());
  a.download = name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}"""


def download(path: rx.Var | str, filename: rx.Var | str) -> rx.event.EventSpec:
    """Save what GET `path` (a REST export) answers as `filename`."""
    # The script is text evaluated in the browser: its arguments go in as JSON literals.
    code = (
        rx.Var.create(f"({_DOWNLOAD})(")
        + rx.Var.create(path).to_string()
        + ", "
        + rx.Var.create(filename).to_string()
        + ")"
    )
    return rx.call_script(code)


def conversation_menu_items(conv: ObjectVar[ConversationRow]) -> list[rx.Component]:
    base = "/api/conversations/" + conv.id.to(str)
    return [
        rx.menu.item(
            t("travel.share"), class_name="conv-share", on_click=TravelState.share(conv.id)
        ),
        rx.menu.item(
            t("travel.export_md"),
            class_name="conv-export-md",
            on_click=download(base + "/export?format=md", conv.title.to(str) + ".md"),
        ),
        rx.menu.item(
            t("travel.export_json"),
            class_name="conv-export-json",
            on_click=download(base + "/export?format=json", conv.title.to(str) + ".json"),
        ),
        rx.menu.item(
            t("travel.archive"), class_name="conv-archive", on_click=TravelState.archive(conv.id)
        ),
    ]


def share_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("travel.share.title")),
            rx.text(t("travel.share.hint"), size="2", color_scheme="gray"),
            rx.hstack(
                rx.input(value=TravelState.share_url, read_only=True, id="share-url", flex="1"),
                rx.button(
                    rx.icon("copy", size=14),
                    t("travel.copy"),
                    on_click=rx.set_clipboard(TravelState.share_url),
                    variant="soft",
                ),
                width="100%",
                margin_y="1em",
            ),
            rx.hstack(
                rx.dialog.close(rx.button(t("presets.close"), on_click=TravelState.close_share)),
                justify="end",
            ),
        ),
        open=TravelState.share_url != "",
        on_open_change=TravelState.set_share_open,
    )


def _archived_row(conv: ObjectVar[ConversationRow]) -> rx.Component:
    return rx.hstack(
        rx.text(conv.title, flex="1", min_width="0", overflow="hidden", text_overflow="ellipsis",
                white_space="nowrap"),
        rx.button(t("travel.restore"), size="1", variant="soft", class_name="archived-restore",
                  on_click=TravelState.restore(conv.id)),
        rx.button(t("chat.delete"), size="1", variant="soft", color_scheme="red",
                  class_name="archived-delete", on_click=TravelState.delete_archived(conv.id)),
        width="100%",
        align="center",
        class_name="archived-row",
        data_title=conv.title,
    )  # fmt: skip


def archived_view() -> rx.Component:
    """The sidebar's Archived button and its dialog: restore or delete."""
    return rx.fragment(
        rx.button(
            rx.icon("archive", size=14),
            t("travel.archived"),
            variant="ghost",
            color_scheme="gray",
            size="1",
            on_click=TravelState.open_archived,
            id="archived-open",
        ),
        list_dialog(
            "travel.archived",
            TravelState.archived,
            _archived_row,
            "travel.archived.none",
            TravelState.archived_open,
            TravelState.set_archived_open,
        ),
    )

"""The account page's travel section: import a file, export everything, the share links
(each with its address and a revoke button)."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import error_callout
from metogpt.components.travel import download
from metogpt.services.travel.imports import limit_bytes
from metogpt.state.lang import t
from metogpt.state.travel import ShareRow, TravelAccountState

UPLOAD = "import-upload"


def _link(row: ObjectVar[ShareRow]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(row.title, weight="medium", size="2"),
            rx.link(row.url, href=row.url, is_external=True, size="1", word_break="break-all"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.button(
            t("travel.revoke"),
            size="1",
            variant="soft",
            color_scheme="red",
            class_name="share-revoke",
            on_click=TravelAccountState.revoke(row.token),
        ),
        width="100%",
        align="center",
        class_name="share-row",
    )


def travel_section() -> rx.Component:
    hint = t("travel.import.hint").to(str).replace("{mb}", str(limit_bytes() // 2**20))
    return rx.vstack(
        rx.heading(t("travel.section"), size="4"),
        rx.text(t("travel.import"), weight="bold", size="2"),
        rx.text(hint, size="1", color_scheme="gray"),
        rx.upload.root(
            rx.button(
                rx.icon("upload", size=14),
                t("travel.import.choose"),
                variant="soft",
                loading=TravelAccountState.import_busy,
                id="import-choose",
            ),
            id=UPLOAD,
            accept={"application/json": [".json"]},
            max_files=1,
            on_drop=TravelAccountState.import_file(rx.upload_files(upload_id=UPLOAD)),
        ),
        error_callout(TravelAccountState.import_error),
        rx.cond(
            TravelAccountState.import_report != "",
            rx.callout(
                TravelAccountState.import_report,
                color_scheme="green",
                white_space="pre-wrap",
                id="import-report",
                width="100%",
            ),
        ),
        rx.button(
            rx.icon("download", size=14),
            t("travel.export_all"),
            variant="soft",
            on_click=download("/api/conversations/export", "metogpt-conversations.json"),
            id="export-all",
        ),
        rx.text(t("travel.links"), weight="bold", size="2", margin_top="0.5em"),
        rx.cond(
            TravelAccountState.links.length() == 0,
            rx.text(t("travel.links.none"), size="2", color_scheme="gray"),
            rx.vstack(rx.foreach(TravelAccountState.links, _link), width="100%", spacing="2"),
        ),
        spacing="3",
        width="100%",
    )

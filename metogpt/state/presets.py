"""Presets on the chat page: pick one to start a chat with its model, system prompt and
parameters; save the current settings as one; edit, delete and reorder them. A substate of
the chat's state: picking sets the chat's model and prompt through it. The services decide
(an unavailable preset is refused there, not only greyed out here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from metogpt import routes
from metogpt.services import screens
from metogpt.services.errors import ServiceError
from metogpt.services.travel import presets
from metogpt.services.travel.presets import PresetInput, PresetView
from metogpt.state.chat import ChatState
from metogpt.state.chat.state import PAGE_PARTS
from metogpt.state.session import FAILED


@dataclass
class PresetRow:
    id: str
    name: str
    model: str
    system_prompt: str
    available: bool
    shared: bool
    temperature: str
    top_p: str
    max_tokens: str
    roles: list[str]  # a shared preset's: who it is offered to

    @classmethod
    def of(cls, p: PresetView) -> PresetRow:
        temperature, top_p, max_tokens = _shown((p.temperature, p.top_p, p.max_tokens))
        return cls(
            p.id, p.name, p.model, p.system_prompt, p.available, p.shared,
            temperature, top_p, max_tokens, p.roles,
        )  # fmt: skip


def _shown(values: tuple[float | int | None, ...]) -> list[str]:
    """Numbers as a form shows them: "" for none."""
    return ["" if v is None else f"{v:g}" for v in values]


def _number(raw: Any) -> Any:
    """A form's number: None when empty; the text itself when unreadable (the service
    refuses it with a message naming the field)."""
    text = str(raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return int(text) if text.isdigit() else float(text)
    except ValueError:
        return text


class PresetState(ChatState):
    presets: rx.Field[list[PresetRow]] = rx.field(default_factory=list)
    preset_name: str = ""  # the preset the new chat was started with
    dialog_open: bool = False
    edit_preset_id: str = ""  # "" while saving a new preset
    preset_error: str = ""
    manage_open: bool = False
    # The save/edit dialog's fields.
    form_name: str = ""
    form_temperature: str = ""
    form_top_p: str = ""
    form_max_tokens: str = ""
    # A shared preset's roles; none checked: the user's own preset.
    form_roles: rx.Field[list[str]] = rx.field(default_factory=list)
    # The roles a shared preset can be offered to: empty unless the user may publish one
    # (UX only: publishing is checked by the service).
    publish_roles: rx.Field[list[str]] = rx.field(default_factory=list)
    editing_shared: bool = False

    def _refused(self, exc: ServiceError) -> None:
        if self.dialog_open:
            self.preset_error = self._error_text(exc)
        else:
            self.error = self._error_text(exc)

    async def _load_presets(self) -> None:
        found = await self._call(presets.for_chat_page)
        if found is not FAILED:
            self._show_presets(*found)

    def _show_presets(self, views: list[PresetView], publish_roles: list[str]) -> None:
        self.presets = [PresetRow.of(v) for v in views]
        self.publish_roles = publish_roles

    def _loaded(self, page: screens.Chat) -> None:
        """The chat's load (`ChatState.load`, which cleared a new chat's settings) read the
        list, and the preset picked just before coming to /: applied to a new chat."""
        self._show_presets(page.presets, page.publish_roles)
        self._pending_preset, self.preset_name = "", ""
        if page.preset is not None and not self.current_id:
            if isinstance(page.preset, ServiceError):
                self._refused(page.preset)
            else:
                self._use(page.preset)

    async def _apply_preset(self, preset_id: str) -> None:
        view = await self._call(presets.for_chat, preset_id)
        if view is not FAILED:
            self._use(view)

    def _use(self, view: PresetView) -> None:
        self._select(view.model)
        self.system_prompt = view.system_prompt
        self._sampling = (view.temperature, view.top_p, view.max_tokens)
        self.preset_name = view.name

    @rx.event
    async def pick(self, preset_id: str):
        """Start a new chat with the preset (refused when its model is not the role's)."""
        if self.streaming:
            return
        if self.current_id:  # a new chat is at /: its load applies the preset
            if await self._call(presets.for_chat, preset_id) is FAILED:
                return
            self._pending_preset = preset_id
            return rx.redirect(routes.CHAT)
        await self._apply_preset(preset_id)

    def _fill_form(self, name: str, texts: list[str], roles: list[str]) -> None:
        self.form_name, self.form_roles = name, roles
        self.form_temperature, self.form_top_p, self.form_max_tokens = texts
        self.preset_error, self.dialog_open = "", True

    @rx.event
    def open_save(self):
        """Save the chat's current settings (its model, prompt and parameters) as a preset."""
        self.edit_preset_id, self.editing_shared = "", False
        self._fill_form(self.preset_name, _shown(self._sampling), [])

    @rx.event
    def open_edit(self, preset_id: str):
        row = next((p for p in self.presets if p.id == preset_id), None)
        if row is not None:
            self.edit_preset_id, self.editing_shared = row.id, row.shared
            self.manage_open = False  # the list closes: the edit dialog takes its place
            texts = [row.temperature, row.top_p, row.max_tokens]
            self._fill_form(row.name, texts, list(row.roles))

    @rx.event
    def set_form_name(self, value: str):
        self.form_name = value

    @rx.event
    def set_form_temperature(self, value: str):
        self.form_temperature = value

    @rx.event
    def set_form_top_p(self, value: str):
        self.form_top_p = value

    @rx.event
    def set_form_max_tokens(self, value: str):
        self.form_max_tokens = value

    @rx.event
    def set_form_role(self, role: str, offered: bool):
        roles = [r for r in self.form_roles if r != role]
        self.form_roles = sorted([*roles, role]) if offered else roles

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value

    @rx.event
    def set_manage_open(self, value: bool):
        self.manage_open = value

    @rx.event
    async def save_preset(self):
        """A new preset takes the chat's model and system prompt; an edited one keeps its
        own and changes its name and parameters. With roles checked (who may publish), a
        new preset is a shared one, offered to them; a shared one's roles can change."""
        row = next((p for p in self.presets if p.id == self.edit_preset_id), None)
        data = PresetInput(
            name=self.form_name,
            model=row.model if row else self.model,
            system_prompt=row.system_prompt if row else self.system_prompt,
            temperature=_number(self.form_temperature),
            top_p=_number(self.form_top_p),
            max_tokens=_number(self.form_max_tokens),
            shared=row.shared if row else bool(self.form_roles),
            roles=list(self.form_roles),
        )
        if row is None:
            done = await self._call(presets.create, data, write=True)
        else:
            done = await self._call(presets.update, row.id, data, write=True)
        if done is FAILED:
            return
        self.dialog_open, self.preset_error = False, ""
        await self._load_presets()

    @rx.event
    async def remove_preset(self, preset_id: str):
        if await self._call(presets.remove, preset_id, write=True) is not FAILED:
            await self._load_presets()

    @rx.event
    async def move(self, preset_id: str, step: int):
        own = [p.id for p in self.presets if not p.shared]
        if preset_id not in own:
            return
        i = own.index(preset_id)
        j = max(0, min(len(own) - 1, i + step))
        own[i], own[j] = own[j], own[i]
        if await self._call(presets.reorder, own, write=True) is not FAILED:
            await self._load_presets()


PAGE_PARTS.append(PresetState)

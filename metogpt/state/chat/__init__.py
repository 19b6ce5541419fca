"""The chat page's states: the main `ChatState` (open conversation, composer, streaming,
`state.py`), the conversation list's `SidebarState` (rename, delete, `sidebar.py`) and the
rows both send to the browser (`rows.py`)."""

from metogpt.state.chat.rows import ConversationRow, MessageRow
from metogpt.state.chat.sidebar import SidebarState
from metogpt.state.chat.state import ChatState

__all__ = ["ChatState", "ConversationRow", "MessageRow", "SidebarState"]

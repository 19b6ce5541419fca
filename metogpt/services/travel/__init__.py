"""Conversations that travel: presets (saved chat settings), export and import (MetoGPT,
LibreChat and ChatGPT files), share links (read-only snapshots at /s/{token}) and the
archive. Each module is one of these; `sampling` holds the parameters they share."""

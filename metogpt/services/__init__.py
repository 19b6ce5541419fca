"""The business of MetoGPT: every rule lives here once, called by states, routes and the CLI."""

"""Providers, catalog and token counting.

The real openai/anthropic SDKs (through open_stream) talk to fake servers on loopback that speak
the real wire protocols; nothing is mocked at the function level. The fixtures (one fake
server for the package, a catalog pointed at it) are in conftest.py; opening and reading a
stream in streams.py.
"""

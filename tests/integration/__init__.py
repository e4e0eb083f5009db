"""Integration tests: Home Assistant itself against the simulator over loopback HTTP."""

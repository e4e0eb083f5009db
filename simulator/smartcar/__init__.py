"""Simulated Smartcar: Connect, token endpoint and Vehicle API v2.0."""

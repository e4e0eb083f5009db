"""Tests of the provider clients on their own."""

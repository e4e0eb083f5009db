"""Tests of Connected Car."""

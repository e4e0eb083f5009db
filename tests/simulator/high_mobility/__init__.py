"""Tests of the simulated High Mobility API."""

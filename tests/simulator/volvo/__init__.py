"""Tests of the simulated Volvo Cars."""

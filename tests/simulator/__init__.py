"""Tests of the simulator itself, over real HTTP on loopback."""

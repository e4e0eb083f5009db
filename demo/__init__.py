"""A real Home Assistant with Connected Car and the simulator's cars: `make demo`."""

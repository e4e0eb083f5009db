"""High Mobility: client-credentials tokens, fleet clearance and vehicle data (Auto API 13)."""

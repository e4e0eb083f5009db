"""Smartcar API v3: IAM app tokens, the signals and commands API and the Management API."""

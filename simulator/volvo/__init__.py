"""Volvo Cars: Volvo ID (OAuth2 with PKCE) and the Connected Vehicle, Energy and Location APIs."""

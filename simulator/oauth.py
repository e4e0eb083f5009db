"""OAuth2 token errors shared by the providers' authorization servers."""


class OAuthError(Exception):
    """A token request the server refuses with `{error, error_description}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        """Keep the OAuth error code, its description and the HTTP status."""
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

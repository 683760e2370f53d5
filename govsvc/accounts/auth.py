from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <token>``; tokens come from ``manage.py issue_token``."""

    keyword = "Bearer"

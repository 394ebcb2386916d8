"""URL helpers shared by the resources."""

from urllib.parse import urlsplit, urlunsplit


def without_credentials(url: str) -> str:
    """A URL safe to show: a user:password@ part (a proxying base URL's) is dropped."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))

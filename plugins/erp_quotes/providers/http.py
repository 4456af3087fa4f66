"""One HTTP call to the ERP with an explicit timeout; network failures become ErpUnavailable."""

import httpx
from flask_babel import gettext as _

from . import ErpUnavailable


def request(settings, method: str, path: str, *, headers=None, **kwargs) -> httpx.Response:
    """Send one request to ``settings.base_url + path``; the caller reads the status."""
    if not settings.base_url:
        raise ErpUnavailable(_("The ERP is not configured yet (ERP_QUOTES_BASE_URL)."))
    try:
        with httpx.Client(
            base_url=settings.base_url,
            headers={"Accept": "application/json", **(headers or {})},
            timeout=httpx.Timeout(settings.timeout),
        ) as client:
            return client.request(method, path, **kwargs)
    except httpx.TimeoutException:
        raise ErpUnavailable(
            _("The ERP did not answer within %(seconds)s seconds.", seconds=f"{settings.timeout:g}")
        ) from None
    except httpx.HTTPError:
        raise ErpUnavailable(
            _("Could not reach the ERP at %(url)s.", url=settings.base_url)
        ) from None

"""The rest of the API: the blocking calls of news, scanner, financial
advisors, display groups, Wall Street Horizon and user info.
:class:`tws.Client` inherits these methods. Their one-shot requests go
through :meth:`tws.Client.send` with the message name and its fields
(``client.send("ReqScannerSubscription", req_id=7, subscription={...})``,
``client.send("ReqNewsBulletins", all_msgs=True)``,
``client.send("UpdateConfig", req_id=8, reset_api_order_sequence=1)``).

Each raises :class:`tws.Timeout`, :class:`tws.NotConnected`,
:class:`tws.RequestFailed` (TWS refused it) like the other blocking calls;
the calls whose answer carries no request id (scanner parameters, news
providers, FA) run one at a time (:class:`tws.Busy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, List, Tuple

from . import _args, _ffi

lib = _ffi.lib


class RestMixin:
    """The rest-of-the-API methods of :class:`tws.Client`."""

    if TYPE_CHECKING:

        def _blocking(self, fn: Callable[..., int], *args: object) -> List[Any]: ...

    def scanner_parameters(self, timeout: float = 10.0) -> str:
        """The scanner parameters XML (reqScannerParameters)."""
        return str(self._blocking(lib.tws_client_scanner_parameters, _args.milliseconds(timeout, "timeout"))[0].xml)

    def news_providers(self, timeout: float = 10.0) -> List[Any]:
        """The news providers (each with ``code`` and ``name``)."""
        return list(self._blocking(lib.tws_client_news_providers, _args.milliseconds(timeout, "timeout"))[0].news_providers)

    def news_article(self, provider_code: str, article_id: str, timeout: float = 10.0) -> Any:
        """The ``NewsArticle`` (``article_type`` 0 text, 1 base64; ``article_text``)."""
        return self._blocking(
            lib.tws_client_news_article,
            _args.text(provider_code, "provider_code"),
            _args.text(article_id, "article_id"),
            _args.milliseconds(timeout, "timeout"),
        )[0]

    def historical_news(
        self,
        con_id: int,
        provider_codes: str,
        start_date_time: str = "",
        end_date_time: str = "",
        total_results: int = 10,
        timeout: float = 10.0,
    ) -> Tuple[List[Any], bool]:
        """The ``HistoricalNews`` headlines of ``con_id`` up to the end marker,
        and whether more are available."""
        rows = self._blocking(
            lib.tws_client_historical_news,
            _args.integer(con_id, "con_id"),
            _args.text(provider_codes, "provider_codes"),
            _args.text(start_date_time, "start_date_time"),
            _args.text(end_date_time, "end_date_time"),
            _args.integer(total_results, "total_results"),
            _args.milliseconds(timeout, "timeout"),
        )
        return rows[:-1], bool(rows[-1].has_more)

    def user_info(self, timeout: float = 10.0) -> str:
        """The white-branding id (empty for IB's own brand)."""
        return str(self._blocking(lib.tws_client_user_info, _args.milliseconds(timeout, "timeout"))[0].white_branding_id)

    def wsh_meta_data(self, timeout: float = 10.0) -> str:
        """The Wall Street Horizon metadata JSON."""
        return str(self._blocking(lib.tws_client_wsh_meta_data, _args.milliseconds(timeout, "timeout"))[0].data_json)

    def request_fa(self, fa_data_type: int, timeout: float = 10.0) -> str:
        """The FA configuration XML of one kind (1 groups, 3 account aliases)."""
        rows = self._blocking(
            lib.tws_client_request_fa, _args.integer(fa_data_type, "fa_data_type"), _args.milliseconds(timeout, "timeout")
        )
        return str(rows[0].cxml)

    def query_display_groups(self, timeout: float = 10.0) -> List[int]:
        """The display group ids."""
        groups = self._blocking(lib.tws_client_query_display_groups, _args.milliseconds(timeout, "timeout"))[0].groups
        return [int(g) for g in groups.split("|") if g.strip()]

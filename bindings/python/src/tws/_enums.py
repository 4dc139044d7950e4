"""The C enums the events carry, as :class:`enum.IntEnum` (``tws_state``,
``tws_error_class``, ``tws_pacing_stage``, ``tws_pacing_rule``). A value
newer than this binding stays a plain int."""

from __future__ import annotations

from enum import IntEnum


class ConnectionState(IntEnum):
    """Where a client's session stands (``tws_state``), or what just changed."""

    DISCONNECTED = 0
    CONNECTED = 1
    #: The socket closed or failed; with reconnect on, RECONNECTING follows.
    CONNECTION_LOST = 2
    #: An attempt to reconnect is due (``attempt``, ``next_delay_ms``).
    RECONNECTING = 3
    #: The session is back; ``resubscribed`` subscriptions were re-issued.
    RECONNECTED = 4
    #: Reconnecting stopped (attempts used up, or the client id is in use).
    RECONNECT_FAILED = 5
    #: TWS lost its own link to IB (1100); the socket stays up.
    IB_LINK_LOST = 6
    #: TWS's link to IB is back (1101/1102).
    IB_LINK_RESTORED = 7
    #: After a reconnect or 1101: open orders and the fills of the time away
    #: recovered (each fill delivered once, before this event).
    RECONCILED = 8


class ErrorClass(IntEnum):
    """What an error message from TWS means (``tws_error_class``)."""

    NOTICE = 0
    WARNING = 1
    ERROR = 2
    CONNECTIVITY = 3


class PacingStage(IntEnum):
    """Where a paced historical-data request stands (``tws_pacing_stage``)."""

    #: It waits and has not been sent (again when the rule holding it changes).
    HELD = 1
    #: It waited and is sent now.
    RELEASED = 2
    #: It waited and was not sent: its blocking call's deadline came, or
    #: the connection went (the call raises that error).
    WITHDRAWN = 3


class PacingRule(IntEnum):
    """The rule that holds a historical-data request back (``tws_pacing_rule``)."""

    #: An earlier request for the same contract waits (one contract's
    #: requests leave in the order they came).
    CONTRACT_ORDER = 1
    #: The most requests open at once are open.
    OPEN_REQUESTS = 2
    #: An identical request went within the identical window (15 s).
    IDENTICAL_REQUEST = 3
    #: The most requests for the contract, exchange and what-to-show in 2 s.
    SAME_CONTRACT = 4
    #: The most requests within the overall window (10 minutes).
    WINDOW = 5

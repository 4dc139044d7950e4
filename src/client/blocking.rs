//! The machinery of every blocking call: a route of its own for the
//! answers (under a reserved request id, or a fixed key for messages that
//! carry none), a deadline, and a loop that hands each answer to the call
//! until it says done, TWS refuses the request, the session ends or the
//! deadline passes.

use std::time::{Duration, Instant};

use crate::protocol::error_codes::{classify, ErrorClass};
use crate::protocol::{Incoming, Request};

use super::routes::{Route, RouteKey};
use super::{Client, Error};

/// What a blocking call does with a routed message.
pub(super) enum Step {
    More,
    Done,
}

/// How a blocking call's answers find it.
pub(super) enum Answers {
    /// Under a request id of its own from the reserved range (never one of
    /// the user's); several such calls may run at once.
    OwnId,
    /// Under a fixed key, for answers without a request id; one call per
    /// key at a time (a second fails at once with `Busy`).
    Key(RouteKey),
}

/// A blocking call in progress: its route, request id and deadline. The
/// route is released when it is dropped.
pub(super) struct Call<'a> {
    route: Route<'a>,
    /// The call's request id (`-1` for an [`Answers::Key`] call).
    pub(super) req_id: i32,
    deadline: Instant,
    timeout: Duration,
}

impl<'a> Call<'a> {
    /// A call on a route registered by hand (`req_id` -1 when it has none),
    /// started at `started`, that may take `timeout`.
    pub(super) fn routed(
        route: Route<'a>,
        req_id: i32,
        started: Instant,
        timeout: Duration,
    ) -> Call<'a> {
        Call {
            route,
            req_id,
            deadline: started + timeout,
            timeout,
        }
    }
}

impl Client {
    /// Opens a blocking call named `what` (it names the call in `Busy`
    /// errors) that may take `timeout`: checks the session, takes an id and
    /// registers the route. Send the request after this, so no answer can
    /// come before the route is there.
    pub(super) fn start_call(
        &self,
        answers: Answers,
        what: &str,
        timeout: Duration,
    ) -> Result<Call<'_>, Error> {
        self.start_call_copying(answers, &[], what, timeout)
    }

    /// As [`start_call`](Self::start_call), and the call also gets a copy of
    /// every message of the `copies` keys, which still go to the events
    /// (see `routes`: divert and copy).
    pub(super) fn start_call_copying(
        &self,
        answers: Answers,
        copies: &[RouteKey],
        what: &str,
        timeout: Duration,
    ) -> Result<Call<'_>, Error> {
        let deadline = Instant::now() + timeout;
        self.ensure_connected()?;
        super::dispatch::refuse_on_reader(&self.shared, what)?;
        let (req_id, key) = match answers {
            Answers::OwnId => {
                let id = self.shared.routes.next_internal_id();
                (id, RouteKey::Request(id))
            }
            Answers::Key(key) => (-1, key),
        };
        let route = match copies {
            [] => self.shared.routes.register(key, what)?,
            _ => self.shared.routes.register_copying(key, copies, what)?,
        };
        Ok(Call {
            route,
            req_id,
            deadline,
            timeout,
        })
    }

    /// Hands each answer of `call` to `on` until it says done, TWS refuses
    /// the request (an error of class `Error` for it: `Error::Request`), the
    /// session ends (`ConnectionClosed` with the reason) or the deadline
    /// passes (`Timeout` naming `end`, the message that did not come).
    pub(super) fn collect(
        &self,
        call: &Call<'_>,
        end: &str,
        mut on: impl FnMut(Incoming) -> Step,
    ) -> Result<(), Error> {
        loop {
            let wait = call
                .deadline
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(50));
            match call.route.rx.recv_timeout(wait) {
                Ok(Incoming::Error(e)) if classify(e.code) == ErrorClass::Error => {
                    return Err(Error::Request {
                        code: e.code,
                        message: e.message,
                    })
                }
                Ok(msg) => {
                    if let Step::Done = on(msg) {
                        return Ok(());
                    }
                }
                Err(_) if !self.is_connected() => return Err(self.shared.session_end_error(end)),
                Err(_) if Instant::now() >= call.deadline => {
                    return Err(Error::Timeout(format!(
                        "{end} did not arrive within {} ms",
                        call.timeout.as_millis()
                    )))
                }
                Err(_) => {}
            }
        }
    }

    /// After a blocking call that timed out while the session is up: sends
    /// `cancel` so TWS stops answering a call nobody waits for any more
    /// (best effort: the caller gets the timeout either way).
    pub(super) fn cancel_if_timed_out<T>(&self, outcome: &Result<T, Error>, cancel: Request) {
        if matches!(outcome, Err(Error::Timeout(_))) && self.is_connected() {
            let _ = self.send_internal(&cancel);
        }
    }
}

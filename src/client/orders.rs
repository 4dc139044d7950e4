//! Orders: placing (order ids taken atomically from `nextValidId` on),
//! modifying and cancelling, the open-order, execution and completed-order
//! requests, and their blocking calls (open orders, executions with their
//! commissions, completed orders, what-if margins).
//!
//! An order is never sent twice: placements are not subscriptions (nothing
//! re-issues them after a reconnect or a 1101), and a placement while the
//! link is down (disconnected, reconnecting, or TWS without IB after 1100)
//! fails at once with `NotConnected`, its id not consumed.

use std::time::{Duration, Instant};

use crate::protocol::executions::{
    CommissionAndFeesReport, ExecDetails, Execution, ExecutionFilter, ExerciseOptions,
    ReqExecutions, ReqSoftDollarTiers,
};
use crate::protocol::messages::Contract;
use crate::protocol::orders::{
    CancelOrder, CompletedOrder, OpenOrder, Order, OrderCancel, OrderState, PlaceOrder,
    ReqAllOpenOrders, ReqAutoOpenOrders, ReqCompletedOrders, ReqGlobalCancel, ReqOpenOrders,
};
use crate::protocol::{Incoming, Request};

use super::blocking::{Answers, Call, Step};
use super::routes::{check_user_id, RouteKey};
use super::{Client, ConnectionState, Error, NO_ORDER_ID};
use std::sync::atomic::Ordering;

/// One execution of [`Client::executions`], with its commission report
/// when TWS sent one before `execDetailsEnd`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionReport {
    pub contract: Contract,
    pub execution: Execution,
    pub commission: Option<CommissionAndFeesReport>,
}

/// An order id as placeOrder carries it (an `i32`), refused when negative,
/// beyond `i32` or in the range libtws reserves for its own request ids.
fn wire_order_id(order_id: i64) -> Result<i32, Error> {
    let id = i32::try_from(order_id)
        .map_err(|_| Error::InvalidArgument(format!("order id {order_id} is out of range")))?;
    check_user_id(id)
        .map_err(|_| Error::InvalidArgument(format!("order id {order_id} is out of range")))?;
    Ok(id)
}

impl Client {
    /// `NotConnected` unless the session is ready and TWS is connected to IB
    /// (not after an 1100 until 1101/1102): an order is only sent when it
    /// can go out now.
    fn ensure_order_link(&self) -> Result<(), Error> {
        self.ensure_connected()?;
        if self.state() == ConnectionState::IbLinkLost {
            return Err(Error::NotConnected);
        }
        Ok(())
    }

    /// placeOrder under the next order id, which it returns. The id is
    /// taken atomically (safe from any number of threads; never one handed
    /// out before) at the moment the request is written, so ids reach TWS in
    /// increasing order. Fails at once with `NotConnected` while the link is
    /// down (the id is not consumed then, nor when the order cannot be
    /// encoded at the negotiated version); never re-sent. TWS answers with
    /// openOrder / orderStatus events (and errors such as 201 under the id).
    pub fn place_order(&self, contract: &Contract, order: &Order) -> Result<i64, Error> {
        self.place_next(contract, order, |_| Ok(()))
    }

    /// placeOrder under the next order id, taken when the request is
    /// written; `before` runs with the id just before (a what-if registers
    /// its route there). The id is given back when nothing was written.
    fn place_next(
        &self,
        contract: &Contract,
        order: &Order,
        mut before: impl FnMut(i32) -> Result<(), Error>,
    ) -> Result<i64, Error> {
        self.check_poisoned()?;
        self.ensure_order_link()?;
        let counter = &self.shared.next_order_id;
        if counter.load(Ordering::Acquire) == NO_ORDER_ID {
            return Err(Error::NotConnected);
        }
        let template = placement(0, contract, order);
        let mut taken: Option<i64> = None;
        let sent = self.shared.write_made(&template, true, || {
            let id = self.next_order_id()?;
            taken = Some(id);
            let wire_id = wire_order_id(id)?;
            before(wire_id)?;
            Ok(Some(placement(wire_id, contract, order)))
        });
        match (sent, taken) {
            (Ok(_), Some(id)) => Ok(id),
            (Ok(_), None) => Err(Error::Protocol("placeOrder written without an id".into())),
            (Err(e), Some(id)) => {
                if !matches!(e, Error::Io(_) | Error::ConnectionClosed(_)) {
                    // Nothing was written: give the id back unless another
                    // thread took the next one meanwhile (then it is skipped).
                    let _ =
                        counter.compare_exchange(id + 1, id, Ordering::AcqRel, Ordering::Acquire);
                }
                Err(e)
            }
            (Err(e), None) => Err(e),
        }
    }

    /// placeOrder under `order_id`: modifies the live order with that id (or
    /// places one under an id of the caller's choosing: later ids from
    /// [`place_order`](Self::place_order) are above it). Fails at once with
    /// `NotConnected` while the link is down; never re-sent.
    pub fn place_order_with_id(
        &self,
        order_id: i64,
        contract: &Contract,
        order: &Order,
    ) -> Result<(), Error> {
        self.check_poisoned()?;
        let id = wire_order_id(order_id)?;
        self.ensure_order_link()?;
        self.shared
            .write(&placement(id, contract, order), true)
            .map(|_| ())?;
        let counter = &self.shared.next_order_id;
        let _ = counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
            (v != NO_ORDER_ID && v <= order_id).then_some(order_id + 1)
        });
        Ok(())
    }

    /// cancelOrder of `order_id`, with the order-cancel attributes (`None`:
    /// none; the manual cancel time travels from server 169, the operator
    /// and indicator from 192). TWS answers with orderStatus `Cancelled`
    /// (and error 202), or 10147 / 10148 / 161 when it cannot.
    pub fn cancel_order(
        &self,
        order_id: i64,
        order_cancel: Option<&OrderCancel>,
    ) -> Result<(), Error> {
        self.check_poisoned()?;
        let id = wire_order_id(order_id)?;
        self.ensure_order_link()?;
        let order_cancel = order_cancel.cloned().unwrap_or_else(OrderCancel::unset);
        self.shared
            .write(
                &Request::CancelOrder(CancelOrder {
                    order_id: id,
                    order_cancel,
                }),
                true,
            )
            .map(|_| ())
    }

    /// reqGlobalCancel: cancels every open order of the account, whichever
    /// client placed it.
    pub fn req_global_cancel(&self, order_cancel: Option<&OrderCancel>) -> Result<(), Error> {
        self.check_poisoned()?;
        self.ensure_order_link()?;
        let order_cancel = order_cancel.cloned().unwrap_or_else(OrderCancel::unset);
        self.shared
            .write(
                &Request::ReqGlobalCancel(ReqGlobalCancel { order_cancel }),
                true,
            )
            .map(|_| ())
    }

    /// reqOpenOrders: this client's open orders as openOrder / orderStatus
    /// events, then openOrderEnd.
    pub fn req_open_orders(&self) -> Result<(), Error> {
        self.request(Request::ReqOpenOrders(ReqOpenOrders {}))
    }

    /// reqAllOpenOrders: every client's open orders (and those placed in
    /// TWS), then openOrderEnd.
    pub fn req_all_open_orders(&self) -> Result<(), Error> {
        self.request(Request::ReqAllOpenOrders(ReqAllOpenOrders {}))
    }

    /// reqAutoOpenOrders (client id 0 only): orders placed in TWS are bound
    /// to this client (`auto_bind`) and reported to it.
    pub fn req_auto_open_orders(&self, auto_bind: bool) -> Result<(), Error> {
        self.request(Request::ReqAutoOpenOrders(ReqAutoOpenOrders { auto_bind }))
    }

    /// reqExecutions: the executions matching `filter` as execDetails events
    /// tagged `req_id` (each followed by its commissionAndFeesReport), then
    /// execDetailsEnd.
    pub fn req_executions(&self, req_id: i32, filter: &ExecutionFilter) -> Result<(), Error> {
        self.request(Request::ReqExecutions(ReqExecutions {
            req_id,
            exec_filter: filter.clone(),
        }))
    }

    /// reqCompletedOrders: today's filled and cancelled orders as
    /// completedOrder events (API orders only when `api_only`), then
    /// completedOrdersEnd.
    pub fn req_completed_orders(&self, api_only: bool) -> Result<(), Error> {
        self.request(Request::ReqCompletedOrders(ReqCompletedOrders { api_only }))
    }

    /// exerciseOptions: exercises (`exercise_action` 1) or lets lapse (2)
    /// `exercise_quantity` contracts of the option. Never re-sent; fails at
    /// once while the link is down.
    pub fn exercise_options(&self, request: &ExerciseOptions) -> Result<(), Error> {
        self.ensure_order_link()?;
        self.send(&Request::ExerciseOptions(request.clone()))
    }

    /// reqSoftDollarTiers: one softDollarTiers event tagged `req_id`.
    pub fn req_soft_dollar_tiers(&self, req_id: i32) -> Result<(), Error> {
        self.request(Request::ReqSoftDollarTiers(ReqSoftDollarTiers { req_id }))
    }
}

/// The placeOrder of `order` on `contract` under `order_id`. The order's
/// per-leg prices (`order_combo_legs`, which text form sends) also become
/// the prices of the contract's legs (`ComboLeg::per_leg_price`, the only
/// place protobuf form has for them), leg by leg, as IB's client does; a
/// leg without an order price keeps its own.
fn placement(order_id: i32, contract: &Contract, order: &Order) -> Request {
    let mut contract = contract.clone();
    for (leg, price) in contract.combo_legs.iter_mut().zip(&order.order_combo_legs) {
        leg.per_leg_price = price.price;
    }
    Request::PlaceOrder(PlaceOrder {
        order_id,
        contract: Box::new(contract),
        order: Box::new(order.clone()),
        attached_orders: None,
    })
}

impl Client {
    /// Requests this client's open orders (reqOpenOrders) and waits for
    /// every openOrder up to openOrderEnd (at most `timeout`). The openOrder
    /// messages are also delivered as events as usual (the order view sees
    /// them); only the openOrderEnd is the call's. One call at a time
    /// (`Busy`); `Timeout`, `ConnectionClosed` as every blocking call.
    pub fn open_orders(&self, timeout: Duration) -> Result<Vec<OpenOrder>, Error> {
        let call = self.start_call_copying(
            Answers::Key(RouteKey::OpenOrders),
            &[RouteKey::OpenOrders],
            "open_orders",
            timeout,
        )?;
        self.send_internal(&Request::ReqOpenOrders(ReqOpenOrders {}))?;
        let mut rows = Vec::new();
        self.collect(&call, "openOrderEnd", |msg| {
            if let Incoming::OpenOrder(row) = msg {
                rows.push(row);
            } else if let Incoming::OpenOrderEnd(_) = msg {
                return Step::Done;
            }
            Step::More
        })?;
        Ok(rows)
    }

    /// Requests the executions matching `filter` (reqExecutions under a
    /// reserved id) and waits for every execDetails up to execDetailsEnd
    /// (at most `timeout`), each with the commissionAndFeesReport of its
    /// exec id when TWS sent it before the end. The execDetails are the
    /// call's (not events); the commission reports are also delivered as
    /// events.
    pub fn executions(
        &self,
        filter: &ExecutionFilter,
        timeout: Duration,
    ) -> Result<Vec<ExecutionReport>, Error> {
        let call = self.start_call_copying(
            Answers::OwnId,
            &[RouteKey::Commissions],
            "executions",
            timeout,
        )?;
        self.send_internal(&Request::ReqExecutions(ReqExecutions {
            req_id: call.req_id,
            exec_filter: filter.clone(),
        }))?;
        let mut rows: Vec<ExecutionReport> = Vec::new();
        self.collect(&call, "execDetailsEnd", |msg| {
            if let Incoming::ExecDetails(ExecDetails {
                contract,
                execution,
                ..
            }) = msg
            {
                rows.push(ExecutionReport {
                    contract: *contract,
                    execution: *execution,
                    commission: None,
                });
            } else if let Incoming::CommissionAndFeesReport(c) = msg {
                if let Some(row) = rows
                    .iter_mut()
                    .rev()
                    .find(|r| r.execution.exec_id == c.exec_id)
                {
                    row.commission = Some(c);
                }
            } else if let Incoming::ExecDetailsEnd(_) = msg {
                return Step::Done;
            }
            Step::More
        })?;
        Ok(rows)
    }

    /// Requests today's completed orders (reqCompletedOrders; API orders
    /// only when `api_only`) and waits for every completedOrder up to
    /// completedOrdersEnd (at most `timeout`). They are the call's, not
    /// events. One call at a time (`Busy`).
    pub fn completed_orders(
        &self,
        api_only: bool,
        timeout: Duration,
    ) -> Result<Vec<CompletedOrder>, Error> {
        let call = self.start_call(
            Answers::Key(RouteKey::CompletedOrders),
            "completed_orders",
            timeout,
        )?;
        self.send_internal(&Request::ReqCompletedOrders(ReqCompletedOrders {
            api_only,
        }))?;
        let mut rows = Vec::new();
        self.collect(&call, "completedOrdersEnd", |msg| {
            if let Incoming::CompletedOrder(row) = msg {
                rows.push(row);
            } else if let Incoming::CompletedOrdersEnd(_) = msg {
                return Step::Done;
            }
            Step::More
        })?;
        Ok(rows)
    }

    /// What-if: places `order` with `what_if` set under a fresh order id
    /// and waits for TWS's answer, the openOrder of that id (at most
    /// `timeout`), returning its order state: the margin before, change and
    /// after (`init_margin_*`, `maint_margin_*`, `equity_with_loan_*`) and
    /// the commission estimate. Nothing is traded. The answer is the call's,
    /// not an event. TWS refusing the order (an error of class `Error` on
    /// the id, such as 201 or 110) is `Error::Request`.
    pub fn what_if(
        &self,
        contract: &Contract,
        order: &Order,
        timeout: Duration,
    ) -> Result<OrderState, Error> {
        self.what_if_order(contract, order, timeout)
            .map(|answer| *answer.order_state)
    }

    /// As [`what_if`](Self::what_if), returning TWS's whole answer: the
    /// openOrder of the what-if order (its id, contract, order and state).
    pub fn what_if_order(
        &self,
        contract: &Contract,
        order: &Order,
        timeout: Duration,
    ) -> Result<OpenOrder, Error> {
        self.ensure_order_link()?;
        super::dispatch::refuse_on_reader(&self.shared, "what_if")?;
        let order = Order {
            what_if: true,
            ..order.clone()
        };
        // The id is taken when the request is written (so that ids reach TWS
        // in order), the route registered just before.
        let started = Instant::now();
        let mut route = None;
        self.place_next(contract, &order, |wire_id| {
            route = Some(
                self.shared
                    .routes
                    .register(RouteKey::Request(wire_id), "what_if")?,
            );
            Ok(())
        })?;
        let Some(route) = route else {
            return Err(Error::Protocol("what-if written without a route".into()));
        };
        let call = Call::routed(route, -1, started, timeout);
        let mut answer = None;
        self.collect(&call, "openOrder", |msg| {
            if let Incoming::OpenOrder(o) = msg {
                answer = Some(o);
                return Step::Done;
            }
            Step::More
        })?;
        answer.ok_or_else(|| Error::Protocol("what-if answered without an openOrder".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_are_never_subscriptions_and_never_cancels() {
        let order = Order::unset();
        let contract = Contract::default();
        let requests = [
            placement(7, &contract, &order),
            Request::CancelOrder(CancelOrder {
                order_id: 7,
                order_cancel: OrderCancel::unset(),
            }),
            Request::ReqGlobalCancel(ReqGlobalCancel {
                order_cancel: OrderCancel::unset(),
            }),
            Request::ExerciseOptions(ExerciseOptions::default()),
        ];
        for r in &requests {
            assert!(r.subscription().is_none(), "{} re-issued", r.name());
            assert!(r.cancels().is_none(), "{} cancels a subscription", r.name());
        }
    }

    #[test]
    fn the_order_leg_prices_are_the_contract_legs_prices() {
        use crate::protocol::messages::ComboLeg;
        use crate::protocol::orders::OrderComboLeg;
        let leg = |con_id| ComboLeg {
            con_id,
            per_leg_price: f64::MAX,
            ..ComboLeg::default()
        };
        let contract = Contract {
            sec_type: "BAG".into(),
            combo_legs: vec![leg(1), leg(2), leg(3)],
            ..Contract::default()
        };
        let order = Order {
            order_combo_legs: vec![OrderComboLeg { price: 1.5 }, OrderComboLeg { price: 2.5 }],
            ..Order::unset()
        };
        let Request::PlaceOrder(p) = placement(9, &contract, &order) else {
            panic!("not a placeOrder");
        };
        let prices: Vec<f64> = p
            .contract
            .combo_legs
            .iter()
            .map(|l| l.per_leg_price)
            .collect();
        assert_eq!(prices, [1.5, 2.5, f64::MAX]);
        assert_eq!(p.order.order_combo_legs, order.order_combo_legs);
    }

    #[test]
    fn order_ids_out_of_the_wire_range_are_refused() {
        assert_eq!(wire_order_id(5), Ok(5));
        for bad in [
            -1,
            i64::from(i32::MAX) + 1,
            i64::from(*super::super::RESERVED_IDS.start()),
        ] {
            assert!(
                matches!(wire_order_id(bad), Err(Error::InvalidArgument(_))),
                "{bad}"
            );
        }
    }
}

//! Orders: the generated records and messages of `catalogue/orders.toml`
//! (placeOrder, cancelOrder, openOrder, orderStatus, completed orders, ...),
//! and `Order::unset()`, an order with IB's unset sentinels in place.

pub use super::generated::orders::*;

impl Order {
    /// An order with every value unset as IB's client leaves it: prices
    /// `f64::MAX`, optional ints `i32::MAX`, no quantity, `transmit` on and
    /// `exempt_code` -1. Start every order from this (`Order::default()`
    /// holds zeros, which TWS reads as real values: a limit price of 0).
    pub fn unset() -> Order {
        Order {
            lmt_price: f64::MAX,
            aux_price: f64::MAX,
            percent_offset: f64::MAX,
            trailing_percent: f64::MAX,
            trail_stop_price: f64::MAX,
            min_qty: i32::MAX,
            volatility: f64::MAX,
            volatility_type: i32::MAX,
            reference_price_type: i32::MAX,
            delta_neutral_aux_price: f64::MAX,
            scale_init_level_size: i32::MAX,
            scale_subs_level_size: i32::MAX,
            scale_price_increment: f64::MAX,
            scale_price_adjust_value: f64::MAX,
            scale_price_adjust_interval: i32::MAX,
            scale_profit_offset: f64::MAX,
            scale_init_position: i32::MAX,
            scale_init_fill_qty: i32::MAX,
            transmit: true,
            exempt_code: -1,
            starting_price: f64::MAX,
            stock_ref_price: f64::MAX,
            delta: f64::MAX,
            stock_range_lower: f64::MAX,
            stock_range_upper: f64::MAX,
            trigger_price: f64::MAX,
            adjusted_stop_price: f64::MAX,
            adjusted_stop_limit_price: f64::MAX,
            adjusted_trailing_amount: f64::MAX,
            lmt_price_offset: f64::MAX,
            cash_qty: f64::MAX,
            route_marketable_to_bbo: i32::MAX,
            use_price_mgmt_algo: i32::MAX,
            duration: i32::MAX,
            post_to_ats: i32::MAX,
            min_trade_qty: i32::MAX,
            min_compete_size: i32::MAX,
            compete_against_best_offset: f64::MAX,
            mid_offset_at_whole: f64::MAX,
            mid_offset_at_half: f64::MAX,
            manual_order_indicator: i32::MAX,
            seek_price_improvement: i32::MAX,
            what_if_type: i32::MAX,
            hedge_max_size: i32::MAX,
            basis_points: f64::MAX,
            basis_points_type: i32::MAX,
            ..Order::default()
        }
    }
}

impl OrderCancel {
    /// A cancel with no attributes (the manual order indicator unset).
    pub fn unset() -> OrderCancel {
        OrderCancel {
            manual_order_indicator: i32::MAX,
            ..OrderCancel::default()
        }
    }
}

impl AttachedOrders {
    /// No attached orders (both ids unset).
    pub fn unset() -> AttachedOrders {
        AttachedOrders {
            sl_order_id: i32::MAX,
            pt_order_id: i32::MAX,
            ..AttachedOrders::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_order_holds_the_sentinels() {
        let o = Order::unset();
        assert_eq!(o.lmt_price, f64::MAX);
        assert_eq!(o.min_qty, i32::MAX);
        assert!(o.transmit);
        assert_eq!(o.exempt_code, -1);
        assert!(o.total_quantity.is_empty());
    }
}

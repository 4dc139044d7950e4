//! Requests without a subscription: ids, accounts, clock.
//!
//! Every request fails with TWS_ERR_NULL_ARGUMENT, TWS_ERR_NOT_CONNECTED (no live
//! session: nothing is queued), or TWS_ERR_IO / TWS_ERR_CONNECTION_CLOSED (the send failed).

use super::result::tws_result;
use super::{tws_client, with_client};

// Every request: TWS_ERR_NULL_ARGUMENT, TWS_ERR_NOT_CONNECTED (no live session:
// nothing is queued), TWS_ERR_IO or TWS_ERR_CONNECTION_CLOSED (the send failed).

/// reqIds: asks for the next valid order id (a TWS_EVENT_NEXT_VALID_ID follows).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_ids(client: *mut tws_client, num_ids: i32) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_ids(num_ids)?))
}

/// reqManagedAccts (a TWS_EVENT_MANAGED_ACCOUNTS follows).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_managed_accounts(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_managed_accounts()?))
}

/// reqCurrentTime (a TWS_EVENT_CURRENT_TIME follows).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_current_time(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_current_time()?))
}

/// reqCurrentTimeInMillis (a TWS_EVENT_CURRENT_TIME_MILLIS follows).
/// Also TWS_ERR_NOT_SUPPORTED before server version 197.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_current_time_millis(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_current_time_in_millis()?))
}

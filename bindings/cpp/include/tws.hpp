/*
 * libtws for C++17: a header-only wrapper over the C ABI in tws.h.
 *
 *  - tws::Client owns a tws_client (RAII, move-only); tws::Options owns a
 *    tws_options.
 *  - Strings go in as std::string_view (copied, so they need not be
 *    NUL-terminated) and come out as std::string. A string argument with an
 *    embedded NUL (which C would silently cut there) throws tws::Error with
 *    TWS_ERR_INVALID_CHARACTER naming the argument, before anything is sent;
 *    other control characters follow libtws's rule (tab, LF, CR pass; the
 *    rest is refused with the same code).
 *  - Events are copied into a std::variant of plain structs (tws::Event):
 *    they stay valid after the next poll. The struct of every incoming
 *    message (tws::AccountSummary, tws::PnL, ...) and its conversion are
 *    generated from the message catalogue into tws_generated.hpp (included
 *    here); a message without a typed C view is read through the generic
 *    accessor, and one newer than this header arrives as tws::GenericMessage.
 *    Quantities stay exact decimal text (std::string, fractional shares
 *    exist); values TWS left unset (a false has_ flag in the C API) are empty
 *    std::optionals.
 *  - Callbacks are std::function objects; libtws holds them on the heap and
 *    releases them through user_data_free, exactly once.
 *  - Every failure throws tws::Error, which carries the tws_result code.
 *    Destructors never throw.
 *
 * Installed next to tws.h (with tws_generated.hpp) by `make install`: build with
 * `c++ -std=c++17 app.cpp $(pkg-config --cflags --libs tws)` (the same flags
 * as for C) or with CMake `target_link_libraries(app PRIVATE tws::tws_cpp)`.
 */
#ifndef TWS_HPP
#define TWS_HPP

#include <tws.h>

#include "tws_generated.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tws {

/// A failed libtws call: the tws_result code, its name and libtws's detail.
class Error : public std::runtime_error {
public:
    /// Builds the error for `code` with `detail` (usually tws_last_error_message()).
    Error(tws_result code, const std::string &detail)
        : std::runtime_error(std::string(tws_result_str(code)) + (detail.empty() ? "" : ": " + detail)),
          code_(code), detail_(detail),
          tws_code_(code == TWS_ERR_REQUEST_FAILED ? tws_last_tws_error_code() : 0)
    {
    }

    /// The tws_result code (negative), e.g. TWS_ERR_TIMEOUT.
    tws_result code() const noexcept { return code_; }
    /// The code's name, e.g. "TWS_ERR_TIMEOUT" (static storage).
    const char *name() const noexcept { return tws_result_str(code_); }
    /// libtws's explanation of this failure.
    const std::string &detail() const noexcept { return detail_; }
    /// TWS's error code behind TWS_ERR_REQUEST_FAILED (200 for an unknown
    /// instrument, 354 without a market data subscription, ...); 0 otherwise.
    std::int32_t tws_code() const noexcept { return tws_code_; }

private:
    tws_result code_;
    std::string detail_;
    std::int32_t tws_code_;
};

namespace detail {

/// Throws tws::Error for a negative code; returns the code otherwise.
inline tws_result check(tws_result rc)
{
    if (rc < 0)
        throw Error(rc, tws_last_error_message());
    return rc;
}

/// A C string from libtws as std::string (NULL as empty).
inline std::string str(const char *p) { return p ? std::string(p) : std::string(); }

/// The one way a string argument reaches the C API: a NUL-terminated copy of
/// `s` (only its size() bytes are read, so it need not be NUL-terminated).
/// An embedded NUL would silently cut the string at the C boundary, so it is
/// refused here, before anything is sent: tws::Error with
/// TWS_ERR_INVALID_CHARACTER whose detail names `arg`. Every other character
/// is left to libtws's one rule (tab, LF and CR pass; other control
/// characters are refused with the same code).
inline std::string cstr(std::string_view s, const char *arg)
{
    const auto at = s.find('\0');
    if (at != std::string_view::npos)
        throw Error(TWS_ERR_INVALID_CHARACTER, std::string("argument '") + arg +
                                                   "' contains a NUL character (at byte " + std::to_string(at) +
                                                   "); nothing was sent");
    return std::string(s);
}

inline std::uint32_t ms(std::chrono::milliseconds t)
{
    if (t.count() <= 0)
        return 0;
    return t.count() > 0xFFFFFFFFLL ? 0xFFFFFFFFu : static_cast<std::uint32_t>(t.count());
}

} // namespace detail

/// The version of the loaded libtws ("MAJOR.MINOR.PATCH").
inline std::string version() { return detail::str(tws_version()); }

/// Every real account-summary tag, comma-separated.
inline std::string all_account_summary_tags() { return detail::str(tws_all_account_summary_tags()); }

// ---- events -------------------------------------------------------------------

/// The session changed state (`state` is a tws_state value); `attempt` and
/// `next_delay_ms` describe TWS_STATE_RECONNECTING, `resubscribed` counts the
/// subscriptions re-issued on TWS_STATE_RECONNECTED / TWS_STATE_IB_LINK_RESTORED.
struct StateChanged {
    std::int32_t state; std::string reason; std::uint32_t attempt; std::uint32_t next_delay_ms;
    std::uint32_t resubscribed;
};
/// A message id this libtws does not know, with its raw payload.
struct UnknownMessage { std::int32_t msg_id; std::vector<std::uint8_t> payload; };
/// A message that failed to decode (the session goes on).
struct DecodeError { std::int32_t msg_id; std::string reason; std::vector<std::uint8_t> payload; };
/// The peer broke the framing (e.g. an oversize frame): the connection is closed
/// (and, with reconnect on, re-established). `data` holds the offending bytes.
struct ProtocolViolation { std::string reason; std::vector<std::uint8_t> data; };
/// A historical-data request held back by the pacing, or let go after it was
/// (TWS_EVENT_HISTORY_PACING): `stage` a tws_pacing_stage (HELD, then RELEASED or
/// WITHDRAWN), `rule` a tws_pacing_rule, `wait_ms` the rule's hold for HELD (0
/// when it waits for other requests), the time waited otherwise.
struct PacingNotice {
    std::int32_t req_id; std::int32_t stage; std::int32_t rule; std::uint32_t wait_ms; std::string request;
};
/// An event kind newer than this header that carries no message (its tws_event_type value).
struct OtherEvent { std::int32_t type; };

/// One field of a message read through the generic accessor (tws_field, copied):
/// `kind` is a tws_field_kind (TWS_FIELD_INT, ..., TWS_FIELD_DECIMAL with the exact
/// text in `string_value`); `present` is false for a value TWS left unset or did
/// not send at the negotiated version.
struct Field {
    std::string name;
    std::int32_t kind;
    bool present;
    std::int64_t int_value;
    double double_value;
    std::string string_value;
};

/// A message event this header has no struct for (a libtws newer than the
/// header, or a message with a list, option or tag-value field of its own): its
/// tws_event_type value, message name and every field, read through
/// tws_event_field by the accessor's names ("req_id", "contract.symbol"; a list
/// as its count under its name, then "descriptions[0].contract.symbol",
/// "strikes[2]"; see docs/abi.md).
struct GenericMessage {
    std::int32_t type;
    std::string name;
    std::vector<Field> fields;

    /// The field `field_name`, or nullptr.
    const Field *find(std::string_view field_name) const
    {
        for (const auto &f : fields)
            if (f.name == field_name)
                return &f;
        return nullptr;
    }
};

/// One event, owning all its data: the engine's own events, then every
/// incoming message of the catalogue (tws_generated.hpp).
using Event = message_variant<StateChanged, UnknownMessage, DecodeError, ProtocolViolation, PacingNotice, OtherEvent,
                              GenericMessage>;

/// Every field of the event's message, through the generic accessor
/// (tws_event_field); std::nullopt for an event that has no message.
inline std::optional<GenericMessage> generic_message(const tws_event &ev)
{
    const char *name = tws_event_message_name(&ev);
    if (!name)
        return std::nullopt;
    GenericMessage out{ev.type, name, {}};
    const std::size_t n = tws_event_field_count(&ev);
    out.fields.reserve(n);
    for (std::size_t i = 0; i < n; i++) {
        tws_field f{};
        if (tws_event_field(&ev, i, &f) != TWS_OK)
            break;
        out.fields.push_back(Field{detail::str(f.name), f.kind, f.present, f.int_value, f.double_value,
                                   detail::str(f.string_value)});
    }
    return out;
}

namespace detail {
/// Copies a tws_portfolio_row (which has no account) of `account`.
template <class Row> PortfolioValue portfolio_value(const Row &p, std::string account)
{
    return PortfolioValue{gen::contract_from_c(p.contract), str(p.position), p.market_price, p.market_value,
                          p.average_cost, p.unrealized_pnl, p.realized_pnl, std::move(account)};
}
} // namespace detail

/// Copies a C event (valid only until the next poll / until the callback returns) into an Event.
inline Event to_event(const tws_event &ev)
{
    using detail::str;
    const auto &d = ev.data;
    auto bytes = [](const tws_raw_message_event &r) {
        return r.payload && r.payload_len ? std::vector<std::uint8_t>(r.payload, r.payload + r.payload_len)
                                          : std::vector<std::uint8_t>();
    };
    switch (ev.type) {
    case TWS_EVENT_STATE:
        return StateChanged{d.state.state, str(d.state.reason), d.state.attempt, d.state.next_delay_ms,
                            d.state.resubscribed};
    case TWS_EVENT_UNKNOWN_MESSAGE: return UnknownMessage{d.raw.msg_id, bytes(d.raw)};
    case TWS_EVENT_DECODE_ERROR: return DecodeError{d.raw.msg_id, str(d.raw.reason), bytes(d.raw)};
    case TWS_EVENT_PROTOCOL_ERROR: return ProtocolViolation{str(d.raw.reason), bytes(d.raw)};
    case TWS_EVENT_HISTORY_PACING:
        return PacingNotice{d.pacing.req_id, d.pacing.stage, d.pacing.rule, d.pacing.wait_ms, str(d.pacing.request)};
    default: break;
    }
    // Every message of the catalogue (generated), then one newer than this header.
    if (auto message = gen::message_event<Event>(ev))
        return std::move(*message);
    if (auto generic = generic_message(ev))
        return std::move(*generic);
    return OtherEvent{ev.type};
}

/// One row of Client::account_summary.
struct AccountSummaryRow { std::string account, tag, value, currency; };

/// What Client::account_updates returns: one account's values and portfolio,
/// complete up to accountDownloadEnd (`time`: the latest "HH:MM", or empty).
struct AccountSnapshot {
    std::string account, time;
    std::vector<AccountValue> values;
    std::vector<PortfolioValue> portfolio;
};

// ---- input records -------------------------------------------------------------

/// An input record (tws_record) of the catalogue record `name` ("Contract"),
/// or a request of the catalogue by its message name ("ReqAccountSummary",
/// sent with Client::send), set field by field by name, so that a field
/// added in a later libtws never breaks a caller; fields left unset take
/// their declared absent value (a request's required fields excepted: its
/// request id and fields without a default; see tws_client_send).
/// RAII, move-only. Every setter throws tws::Error: TWS_ERR_INVALID_ARGUMENT
/// for a record or field the catalogue does not have, or a field of another
/// kind (the detail names it); TWS_ERR_INVALID_CHARACTER for an embedded NUL;
/// TWS_ERR_NULL_ARGUMENT on a moved-from record.
class Record {
public:
    explicit Record(std::string_view name)
    {
        detail::check(tws_record_new(detail::cstr(name, "name").c_str(), &p_));
    }
    ~Record() { tws_record_free(p_); }
    Record(Record &&o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Record &operator=(Record &&o) noexcept
    {
        if (this != &o) {
            tws_record_free(p_);
            p_ = std::exchange(o.p_, nullptr);
        }
        return *this;
    }
    Record(const Record &) = delete;
    Record &operator=(const Record &) = delete;

    /// Sets an int field ("con_id").
    Record &set_int(std::string_view field, std::int32_t value)
    {
        detail::check(tws_record_set_int(p_, detail::cstr(field, "field").c_str(), value));
        return *this;
    }
    /// Sets a long (64-bit) field.
    Record &set_long(std::string_view field, std::int64_t value)
    {
        detail::check(tws_record_set_long(p_, detail::cstr(field, "field").c_str(), value));
        return *this;
    }
    /// Sets a double field ("strike").
    Record &set_double(std::string_view field, double value)
    {
        detail::check(tws_record_set_double(p_, detail::cstr(field, "field").c_str(), value));
        return *this;
    }
    /// Sets a bool field.
    Record &set_bool(std::string_view field, bool value)
    {
        detail::check(tws_record_set_bool(p_, detail::cstr(field, "field").c_str(), value));
        return *this;
    }
    /// Sets a string field, or a decimal field as its exact text ("100", "0.5").
    Record &set_string(std::string_view field, std::string_view value)
    {
        const std::string f = detail::cstr(field, "field"), v = detail::cstr(value, "value");
        detail::check(tws_record_set_string(p_, f.c_str(), v.c_str()));
        return *this;
    }

    /// Sets a record field (a request's "contract") to a copy of `value`, a
    /// record of the field's record type; `value` stays usable.
    Record &set_record(std::string_view field, const Record &value)
    {
        detail::check(tws_record_set_record(p_, detail::cstr(field, "field").c_str(), value.get()));
        return *this;
    }

    /// Appends a copy of `item` to a list field: an order's "conditions"
    /// ("OrderCondition"), "algo_params" ("TagValue"), "order_combo_legs"
    /// ("OrderComboLeg"), a contract's "combo_legs" ("ComboLeg"); `item`
    /// stays usable.
    Record &append(std::string_view field, const Record &item)
    {
        detail::check(tws_record_append(p_, detail::cstr(field, "field").c_str(), item.get()));
        return *this;
    }
    /// Appends a tag-value pair to a tag-value list field ("algo_params",
    /// "smart_combo_routing_params", "order_misc_options").
    Record &append_tag_value(std::string_view field, std::string_view tag, std::string_view value)
    {
        Record tv("TagValue");
        tv.set_string("tag", tag).set_string("value", value);
        return append(field, tv);
    }
    /// Appends to a list-of-integers field (an execution filter's "specific_dates").
    Record &append_int(std::string_view field, std::int32_t value)
    {
        detail::check(tws_record_append_int(p_, detail::cstr(field, "field").c_str(), value));
        return *this;
    }

    /// The C handle, for requests that take a `const tws_record *` (NULL after a move).
    const tws_record *get() const noexcept { return p_; }

    /// Takes ownership of a record from libtws (tws_record_new_contract).
    static Record adopt(tws_record *owned) noexcept { return Record(owned, Adopt{}); }

private:
    struct Adopt {};
    Record(tws_record *owned, Adopt) noexcept : p_(owned) {}
    tws_record *p_ = nullptr;
};

// ---- instruments and quotes: contracts, names, the quote view -------------------

/// A "Contract" record with its four usual fields set (tws_record_new_contract;
/// an empty string leaves a field unset): `tws::contract("ES", "FUT", "CME", "USD")`.
inline Record contract(std::string_view symbol, std::string_view sec_type, std::string_view exchange = "SMART",
                       std::string_view currency = "USD")
{
    const std::string a = detail::cstr(symbol, "symbol"), b = detail::cstr(sec_type, "sec_type"),
                      c = detail::cstr(exchange, "exchange"), d = detail::cstr(currency, "currency");
    tws_record *p = nullptr;
    detail::check(tws_record_new_contract(a.c_str(), b.c_str(), c.c_str(), d.c_str(), &p));
    return Record::adopt(p);
}

/// A stock: `tws::stock("AAPL")` is AAPL / STK / SMART / USD.
inline Record stock(std::string_view symbol, std::string_view exchange = "SMART", std::string_view currency = "USD")
{
    return contract(symbol, "STK", exchange, currency);
}

// ---- orders ------------------------------------------------------------------------

/// An "Order" record (tws_record_new_order): `action` "BUY" / "SELL", the
/// quantity as exact decimal text ("100", "0.5"), the order type, and the
/// limit price (unset by default, as for "MKT"). Set any other field with
/// the setters and `append` (conditions, algo params, order combo legs);
/// `transmit` is true unless set.
inline Record order(std::string_view action, std::string_view quantity, std::string_view order_type,
                    double lmt_price = std::numeric_limits<double>::max())
{
    const std::string a = detail::cstr(action, "action"), q = detail::cstr(quantity, "quantity"),
                      t = detail::cstr(order_type, "order_type");
    tws_record *p = nullptr;
    detail::check(tws_record_new_order(a.c_str(), q.c_str(), t.c_str(), lmt_price, &p));
    return Record::adopt(p);
}

/// A limit order: `tws::limit_order("BUY", "100", 189.50)`.
inline Record limit_order(std::string_view action, std::string_view quantity, double lmt_price)
{
    return order(action, quantity, "LMT", lmt_price);
}

/// A market order: `tws::market_order("SELL", "100")`.
inline Record market_order(std::string_view action, std::string_view quantity)
{
    return order(action, quantity, "MKT");
}

/// One execution of Client::executions, with the commission report of its
/// exec id when TWS sent one before the end marker.
struct ExecutionReport {
    ExecDetails details;
    std::optional<CommissionAndFeesReport> commission;
};

/// Tag-value options of a request (`{{"tag", "value"}, ...}`).
using TagValues = std::vector<std::pair<std::string, std::string>>;

/// IB's name of tick type `tick_type` ("BID", "LAST_TIMESTAMP"; "UNKNOWN" for none).
inline std::string tick_type_name(std::int32_t tick_type) { return detail::str(tws_tick_type_name(tick_type)); }
/// A date or time of historical data ("20261130", "20261130 09:30:00
/// US/Eastern", "20261130-14:30:00" UTC, epoch seconds) as UTC epoch seconds
/// (tws_parse_hist_time); a time naming no zone is read in `default_zone`
/// ("" = UTC). Empty when it cannot be read.
inline std::optional<std::int64_t> parse_hist_time(std::string_view text, std::string_view default_zone = "")
{
    const std::string t = detail::cstr(text, "text"), z = detail::cstr(default_zone, "default_zone");
    std::int64_t epoch = 0;
    if (tws_parse_hist_time(t.c_str(), z.c_str(), &epoch) != TWS_OK)
        return std::nullopt;
    return epoch;
}

/// libtws's name of TWS's error `code` ("NO_SECURITY_DEFINITION" for 200), or std::nullopt.
inline std::optional<std::string> error_code_name(std::int32_t code)
{
    const char *p = tws_error_code_name(code);
    return p ? std::optional<std::string>(p) : std::nullopt;
}

/// What TWS's error `code` means, in a few words, or std::nullopt.
inline std::optional<std::string> error_code_meaning(std::int32_t code)
{
    const char *p = tws_error_code_meaning(code);
    return p ? std::optional<std::string>(p) : std::nullopt;
}

/// The class of TWS's error `code` (a tws_error_class value).
inline std::int32_t error_code_class(std::int32_t code) { return static_cast<std::int32_t>(tws_error_code_class(code)); }

/// The latest quote of one market-data request (Client::quote,
/// Client::snapshot_quote): empty optionals where TWS sent nothing yet;
/// sizes as exact decimal text; `updated_at` grows with every tick folded in.
struct Quote {
    std::optional<double> bid, ask, last, high, low, close, open;
    std::optional<std::string> bid_size, ask_size, last_size, volume;
    std::optional<std::int64_t> last_time;
    std::optional<std::int32_t> halted, market_data_type;
    std::uint64_t updated_at = 0;
};

namespace detail {
inline Quote quote_from_c(const tws_quote &q)
{
    auto d = [](bool has, double v) { return has ? std::optional<double>(v) : std::nullopt; };
    auto s = [](bool has, const char *v) { return has ? std::optional<std::string>(v) : std::nullopt; };
    Quote out;
    out.bid = d(q.has_bid, q.bid);
    out.ask = d(q.has_ask, q.ask);
    out.last = d(q.has_last, q.last);
    out.high = d(q.has_high, q.high);
    out.low = d(q.has_low, q.low);
    out.close = d(q.has_close, q.close);
    out.open = d(q.has_open, q.open);
    out.bid_size = s(q.has_bid_size, q.bid_size);
    out.ask_size = s(q.has_ask_size, q.ask_size);
    out.last_size = s(q.has_last_size, q.last_size);
    out.volume = s(q.has_volume, q.volume);
    if (q.has_last_time)
        out.last_time = q.last_time;
    if (q.has_halted)
        out.halted = q.halted;
    if (q.has_market_data_type)
        out.market_data_type = q.market_data_type;
    out.updated_at = q.updated_at;
    return out;
}

/// Tag-value options as the C (tags, values, count) arrays; valid while this lives.
struct CTagValues {
    std::vector<std::string> text;
    std::vector<const char *> tags, values;
    explicit CTagValues(const TagValues &options)
    {
        text.reserve(options.size() * 2);
        for (const auto &[t, v] : options) {
            text.push_back(cstr(t, "options tag"));
            text.push_back(cstr(v, "options value"));
        }
        for (std::size_t i = 0; i < options.size(); i++) {
            tags.push_back(text[2 * i].c_str());
            values.push_back(text[2 * i + 1].c_str());
        }
    }
    const char *const *t() const { return tags.empty() ? nullptr : tags.data(); }
    const char *const *v() const { return values.empty() ? nullptr : values.data(); }
    std::size_t n() const { return tags.size(); }
};

/// Owns a tws_messages handle.
struct MessagesFree {
    void operator()(tws_messages *m) const noexcept { tws_messages_free(m); }
};
} // namespace detail

// ---- logging -------------------------------------------------------------------

/// Receives libtws's log records: level (TWS_LOG_ERROR .. TWS_LOG_TRACE), target, message.
using LogHandler = std::function<void(std::int32_t level, std::string_view target, std::string_view message)>;

namespace detail {
inline void log_trampoline(std::int32_t level, const char *target, const char *message, void *user_data) noexcept
{
    try {
        (*static_cast<LogHandler *>(user_data))(level, target ? target : "", message ? message : "");
    } catch (...) {
        // Nothing may unwind into libtws; a failing log handler loses that record.
    }
}
inline void delete_log_handler(void *user_data) noexcept { delete static_cast<LogHandler *>(user_data); }
} // namespace detail

/// Routes libtws's log (process-wide) to `handler`; an empty handler stops logging.
/// The handler may run on several libtws threads at once: make it thread-safe.
inline void set_log_handler(LogHandler handler)
{
    if (!handler) {
        detail::check(tws_set_log_callback(nullptr, nullptr, nullptr));
        return;
    }
    auto held = std::make_unique<LogHandler>(std::move(handler));
    // Owned by libtws from here on every path; freed through delete_log_handler.
    detail::check(tws_set_log_callback(detail::log_trampoline, held.release(), detail::delete_log_handler));
}

/// Sets the most verbose level passed to the log handler (TWS_LOG_ERROR .. TWS_LOG_TRACE).
inline void set_log_level(std::int32_t level) { detail::check(tws_set_log_level(level)); }

// ---- options -------------------------------------------------------------------

/// Client settings (RAII over tws_options, move-only). Setters chain and throw tws::Error.
class Options {
public:
    Options() { detail::check(tws_options_new(&p_)); }
    ~Options() { tws_options_free(p_); }
    Options(Options &&o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Options &operator=(Options &&o) noexcept
    {
        if (this != &o) {
            tws_options_free(p_);
            p_ = std::exchange(o.p_, nullptr);
        }
        return *this;
    }
    Options(const Options &) = delete;
    Options &operator=(const Options &) = delete;

    /// Protocol versions advertised in the handshake (default 100..226).
    Options &version_range(std::int32_t min, std::int32_t max)
    {
        detail::check(tws_options_set_version_range(p_, min, max));
        return *this;
    }
    /// Connect options appended to the handshake, e.g. "+PACEAPI".
    Options &connect_options(std::string_view s)
    {
        detail::check(tws_options_set_connect_options(p_, detail::cstr(s, "connect_options").c_str()));
        return *this;
    }
    /// Optional capabilities sent with startApi.
    Options &optional_capabilities(std::string_view s)
    {
        detail::check(tws_options_set_optional_capabilities(p_, detail::cstr(s, "optional_capabilities").c_str()));
        return *this;
    }
    /// Events held before the reader applies backpressure (default 65536).
    Options &queue_capacity(std::uint32_t n)
    {
        detail::check(tws_options_set_queue_capacity(p_, n));
        return *this;
    }
    /// Most bytes of event data the queue holds (default 64 MiB), besides
    /// queue_capacity's count; one event always enters an empty queue.
    /// Throws TWS_ERR_INVALID_ARGUMENT for 0.
    Options &queue_max_bytes(std::size_t bytes)
    {
        detail::check(tws_options_set_queue_max_bytes(p_, static_cast<std::uint64_t>(bytes)));
        return *this;
    }
    /// Finished orders the order view keeps (default 10000; Client::order).
    Options &order_view_capacity(std::uint32_t n)
    {
        detail::check(tws_options_set_order_view_capacity(p_, n));
        return *this;
    }
    /// Longest frame accepted (64 .. 16777215).
    Options &max_frame_length(std::uint32_t n)
    {
        detail::check(tws_options_set_max_frame_length(p_, n));
        return *this;
    }
    /// Automatic reconnection after an established session is lost (on by
    /// default: 1000 ms initial delay, 30000 ms max, 20 % jitter, unlimited attempts).
    Options &reconnect(bool enabled, std::uint32_t initial_delay_ms = 1000, std::uint32_t max_delay_ms = 30000,
                       std::uint32_t jitter_percent = 20, std::uint32_t max_attempts = 0)
    {
        detail::check(tws_options_set_reconnect(p_, enabled ? 1 : 0, initial_delay_ms, max_delay_ms, jitter_percent,
                                                max_attempts));
        return *this;
    }
    /// Outgoing pacing: at most `max_messages_per_second` (default 50; 0 = none).
    Options &pacing(std::uint32_t max_messages_per_second)
    {
        detail::check(tws_options_set_pacing(p_, max_messages_per_second));
        return *this;
    }
    /// Dead-peer detection (on by default: 20 s idle, 10 s timeout). After
    /// `idle` without a byte from TWS a reqCurrentTime probe is sent; if
    /// nothing arrives within `timeout` more, the connection is lost (a
    /// StateChanged TWS_STATE_CONNECTION_LOST whose reason says "dead-peer
    /// probe unanswered"), then the normal reconnect. `idle` 0 turns it off
    /// (`timeout` is then ignored). Throws TWS_ERR_INVALID_ARGUMENT for a
    /// negative value, or when `idle` is not 0 and either is outside
    /// 10 ms .. 1 h.
    Options &liveness(std::chrono::milliseconds idle, std::chrono::milliseconds timeout)
    {
        if (idle.count() < 0 || timeout.count() < 0)
            throw Error(TWS_ERR_INVALID_ARGUMENT, "liveness: idle and timeout cannot be negative");
        detail::check(tws_options_set_liveness(p_, detail::ms(idle), detail::ms(timeout)));
        return *this;
    }
    /// Historical-data pacing on (the default) or off. On, a history request
    /// that would break one of TWS's pacing rules (no identical request
    /// within 15 s; at most 5 per contract, exchange and what-to-show within
    /// 2 s; at most 60 within 10 minutes, BID_ASK counting twice; at most 50
    /// open) waits instead of drawing error 162 or 420.
    Options &history_pacing(bool enabled)
    {
        detail::check(tws_options_set_history_pacing(p_, enabled));
        return *this;
    }
    /// Other historical-data pacing rules (and pacing on): see
    /// tws_options_set_history_pacing_rules. Throws TWS_ERR_INVALID_ARGUMENT
    /// for a negative window, a max below 2 or `max_open` 0.
    Options &history_pacing_rules(std::chrono::milliseconds identical, std::chrono::milliseconds same_contract,
                                  std::uint32_t same_contract_max, std::chrono::milliseconds window,
                                  std::uint32_t window_max, std::uint32_t max_open)
    {
        if (identical.count() < 0 || same_contract.count() < 0 || window.count() < 0)
            throw Error(TWS_ERR_INVALID_ARGUMENT, "history pacing: windows cannot be negative");
        detail::check(tws_options_set_history_pacing_rules(p_, detail::ms(identical), detail::ms(same_contract),
                                                           same_contract_max, detail::ms(window), window_max,
                                                           max_open));
        return *this;
    }
    /// Appends one line per message in and out to the file at `path` ("" disables).
    Options &trace_file(std::string_view path)
    {
        detail::check(tws_options_set_trace_file(p_, detail::cstr(path, "trace_file").c_str()));
        return *this;
    }
    /// The C handle (owned by this object).
    const tws_options *get() const noexcept { return p_; }

private:
    tws_options *p_ = nullptr;
};

// ---- client --------------------------------------------------------------------

/// Receives each event in callback mode, on libtws's dispatch thread.
using EventHandler = std::function<void(const Event &)>;
/// Receives an exception thrown by an EventHandler (delivery goes on).
using ExceptionHandler = std::function<void(std::exception_ptr)>;

namespace detail {
struct CallbackState {
    EventHandler on_event;
    ExceptionHandler on_exception;
};
inline void event_trampoline(const tws_event *event, void *user_data) noexcept
{
    auto *state = static_cast<CallbackState *>(user_data);
    try {
        state->on_event(to_event(*event));
    } catch (...) {
        if (state->on_exception) {
            try {
                state->on_exception(std::current_exception());
            } catch (...) {
            }
        }
    }
}
inline void delete_callback_state(void *user_data) noexcept { delete static_cast<CallbackState *>(user_data); }
} // namespace detail

/// One order as the client knows it (Client::order): quantities as exact
/// decimal text and prices, empty optionals until TWS sent them;
/// `open_order` is the latest OpenOrder event (contract, order, order state),
/// `executions` each ExecDetails in arrival order, each followed by its
/// CommissionAndFeesReport once TWS sent it.
struct OrderView {
    std::int64_t order_id = 0, perm_id = 0, parent_id = 0;
    std::int32_t client_id = 0;
    std::string status, why_held;
    bool finished = false;
    std::optional<std::string> filled, remaining;
    std::optional<double> avg_fill_price, last_fill_price;
    double commission_total = 0;
    std::uint64_t updated_at = 0;
    std::optional<Event> open_order;
    std::vector<Event> executions;
};

/// What the latest order reconciliation recovered (Client::last_reconciliation).
struct Reconciliation {
    /// "reconnect" or "1101".
    std::string cause;
    /// The execution filter's start, "yyyymmdd-hh:mm:ss" UTC.
    std::string since;
    std::uint32_t open_orders = 0, new_fills = 0, changed_orders = 0;
};

/// A client of TWS or IB Gateway (RAII over tws_client, move-only; a
/// moved-from client throws tws::Error(TWS_ERR_NULL_ARGUMENT) when used).
/// Thread-safe like tws_client: requests from any thread.
class Client {
public:
    /// A disconnected client with default options.
    Client() { detail::check(tws_client_new(nullptr, &p_)); }
    /// A disconnected client with `options` (copied; `options` may go away).
    explicit Client(const Options &options) { detail::check(tws_client_new(options.get(), &p_)); }
    /// Disconnects and frees; waits for a running callback to return. Never throws.
    /// Must not run inside this client's own callback (the client would then leak).
    ~Client() { tws_client_free(p_); }
    Client(Client &&o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Client &operator=(Client &&o) noexcept
    {
        if (this != &o) {
            tws_client_free(p_);
            p_ = std::exchange(o.p_, nullptr);
        }
        return *this;
    }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    /// Connects and returns when the session is ready, all within `timeout`.
    /// Throws tws::Error: TWS_ERR_CONNECTION_REFUSED, TWS_ERR_TIMEOUT,
    /// TWS_ERR_CLIENT_ID_IN_USE, TWS_ERR_NO_COMMON_VERSION, ...
    void connect(std::string_view host, std::uint16_t port, std::int32_t client_id,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const std::string h = detail::cstr(host, "host");
        detail::check(tws_client_connect(p_, h.c_str(), port, client_id, detail::ms(timeout)));
    }
    /// Closes the session (queued events stay pollable). Works from the callback.
    void disconnect() { detail::check(tws_client_disconnect(p_)); }

    /// The session state (a tws_state value).
    std::int32_t state() const
    {
        std::int32_t s = 0;
        detail::check(tws_client_state(p_, &s));
        return s;
    }
    /// True while the session is ready.
    bool connected() const { return state() == TWS_STATE_CONNECTED; }
    /// The negotiated server version (throws TWS_ERR_NOT_CONNECTED before the first connect).
    std::int32_t server_version() const
    {
        std::int32_t v = 0;
        detail::check(tws_client_server_version(p_, &v));
        return v;
    }
    /// A fresh request id.
    std::int32_t next_request_id()
    {
        std::int32_t id = 0;
        detail::check(tws_client_next_request_id(p_, &id));
        return id;
    }
    /// The next order id.
    std::int64_t next_order_id()
    {
        std::int64_t id = 0;
        detail::check(tws_client_next_order_id(p_, &id));
        return id;
    }
    /// The client's counters.
    tws_stats stats() const
    {
        tws_stats s{};
        detail::check(tws_client_stats(p_, &s));
        return s;
    }

    /// reqIds (a NextValidId follows).
    void req_ids(std::int32_t num_ids = 1) { detail::check(tws_client_req_ids(p_, num_ids)); }
    /// reqManagedAccts (a ManagedAccounts follows).
    void req_managed_accounts() { detail::check(tws_client_req_managed_accounts(p_)); }
    /// reqCurrentTime (a CurrentTime follows).
    /// Sends any request of the catalogue built as a Record
    /// (`tws::Record("ReqCurrentTime")`) through tws_client_send: the same
    /// bytes and checks as the typed method. Throws tws::Error
    /// (TWS_ERR_INVALID_ARGUMENT naming a missing required field, a record
    /// that is not a request, a negative or reserved request id;
    /// TWS_ERR_INVALID_CHARACTER, TWS_ERR_NOT_SUPPORTED, TWS_ERR_NOT_CONNECTED,
    /// ...). A subscribing request is recorded and re-issued after a
    /// reconnect, as the typed method's is, and forgotten on its cancel.
    void send(const Record &request) { detail::check(tws_client_send(p_, request.get())); }

    void req_current_time() { detail::check(tws_client_req_current_time(p_)); }
    /// reqCurrentTimeInMillis (a CurrentTimeMillis follows; server 197+).
    void req_current_time_millis() { detail::check(tws_client_req_current_time_millis(p_)); }

    /// Subscribes to the account summary; returns the request id (a fresh one
    /// unless `req_id` is given). Rows, then AccountSummaryEnd, then updates.
    std::int32_t req_account_summary(std::string_view group = "All", std::string_view tags = {},
                                     std::optional<std::int32_t> req_id = std::nullopt)
    {
        const std::string g = detail::cstr(group, "group");
        const std::string t = tags.empty() ? all_account_summary_tags() : detail::cstr(tags, "tags");
        const std::int32_t id = req_id ? *req_id : next_request_id();
        detail::check(tws_client_req_account_summary(p_, id, g.c_str(), t.c_str()));
        return id;
    }
    /// Ends the account-summary subscription `req_id`.
    void cancel_account_summary(std::int32_t req_id) { detail::check(tws_client_cancel_account_summary(p_, req_id)); }

    /// Every account-summary row up to the end marker, within `timeout`
    /// (empty `tags`: every tag). Throws TWS_ERR_TIMEOUT, TWS_ERR_REQUEST_FAILED, ...
    std::vector<AccountSummaryRow> account_summary(std::string_view group = "All", std::string_view tags = {},
                                                   std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const std::string g = detail::cstr(group, "group");
        const std::string t = tags.empty() ? all_account_summary_tags() : detail::cstr(tags, "tags");
        tws_account_summary_rows *rows = nullptr;
        detail::check(tws_client_account_summary(p_, g.c_str(), t.c_str(), detail::ms(timeout), &rows));
        // Freed on every path, also if copying throws.
        struct Free {
            void operator()(tws_account_summary_rows *r) const noexcept { tws_account_summary_rows_free(r); }
        };
        std::unique_ptr<tws_account_summary_rows, Free> owned(rows);
        const std::size_t count = tws_account_summary_rows_count(rows);
        std::vector<AccountSummaryRow> out;
        out.reserve(count);
        for (std::size_t i = 0; i < count; i++) {
            const tws_account_summary_row &r = *tws_account_summary_rows_at(rows, i);
            out.push_back({detail::str(r.account), detail::str(r.tag), detail::str(r.value), detail::str(r.currency)});
        }
        return out;
    }

    // ---- account data: positions, account updates, *Multi, PnL ----------------

    /// reqPositions: Position events for every account, then PositionEnd, then
    /// changes until cancel_positions. Re-issued after a reconnect.
    void req_positions() { detail::check(tws_client_req_positions(p_)); }
    /// cancelPositions.
    void cancel_positions() { detail::check(tws_client_cancel_positions(p_)); }
    /// reqAccountUpdates: AccountValue, PortfolioValue and AccountUpdateTime
    /// events of `account`, then AccountDownloadEnd, then changes. One such
    /// subscription per client (a new one replaces the old); an unknown account
    /// gets an ErrorMessage with code 321 and req_id -1.
    void req_account_updates(std::string_view account)
    {
        detail::check(tws_client_req_account_updates(p_, detail::cstr(account, "account").c_str()));
    }
    /// Ends the account-updates subscription of `account`.
    void cancel_account_updates(std::string_view account)
    {
        detail::check(tws_client_cancel_account_updates(p_, detail::cstr(account, "account").c_str()));
    }
    /// reqPositionsMulti for `account` ("" or "All": every account) and/or
    /// `model_code`; returns the request id. PositionMulti events, then
    /// PositionMultiEnd; unknown account: error 321. Server 103+.
    std::int32_t req_positions_multi(std::string_view account = "", std::string_view model_code = "",
                                     std::optional<std::int32_t> req_id = std::nullopt)
    {
        const std::string a = detail::cstr(account, "account"), m = detail::cstr(model_code, "model_code");
        const std::int32_t id = req_id ? *req_id : next_request_id();
        detail::check(tws_client_req_positions_multi(p_, id, a.c_str(), m.c_str()));
        return id;
    }
    /// cancelPositionsMulti.
    void cancel_positions_multi(std::int32_t req_id) { detail::check(tws_client_cancel_positions_multi(p_, req_id)); }
    /// reqAccountUpdatesMulti; returns the request id. AccountUpdateMulti
    /// events, then AccountUpdateMultiEnd. `ledger_and_nlv` keeps only the
    /// ledger and net-liquidation values. Unknown account: error 321. Server 103+.
    std::int32_t req_account_updates_multi(std::string_view account = "", std::string_view model_code = "",
                                           bool ledger_and_nlv = false,
                                           std::optional<std::int32_t> req_id = std::nullopt)
    {
        const std::string a = detail::cstr(account, "account"), m = detail::cstr(model_code, "model_code");
        const std::int32_t id = req_id ? *req_id : next_request_id();
        detail::check(tws_client_req_account_updates_multi(p_, id, a.c_str(), m.c_str(), ledger_and_nlv ? 1 : 0));
        return id;
    }
    /// cancelAccountUpdatesMulti.
    void cancel_account_updates_multi(std::int32_t req_id)
    {
        detail::check(tws_client_cancel_account_updates_multi(p_, req_id));
    }
    /// reqPnL for `account` and/or `model_code`: PnL events until cancel_pnl;
    /// returns the request id. Unknown account: error 321. Server 127+.
    std::int32_t req_pnl(std::string_view account, std::string_view model_code = "",
                         std::optional<std::int32_t> req_id = std::nullopt)
    {
        const std::string a = detail::cstr(account, "account"), m = detail::cstr(model_code, "model_code");
        const std::int32_t id = req_id ? *req_id : next_request_id();
        detail::check(tws_client_req_pnl(p_, id, a.c_str(), m.c_str()));
        return id;
    }
    /// cancelPnL.
    void cancel_pnl(std::int32_t req_id) { detail::check(tws_client_cancel_pnl(p_, req_id)); }
    /// reqPnLSingle for the position in contract `con_id`: PnLSingle events
    /// until cancel_pnl_single; returns the request id. Server 127+.
    std::int32_t req_pnl_single(std::string_view account, std::int32_t con_id, std::string_view model_code = "",
                                std::optional<std::int32_t> req_id = std::nullopt)
    {
        const std::string a = detail::cstr(account, "account"), m = detail::cstr(model_code, "model_code");
        const std::int32_t id = req_id ? *req_id : next_request_id();
        detail::check(tws_client_req_pnl_single(p_, id, a.c_str(), m.c_str(), con_id));
        return id;
    }
    // ---- instruments and quotes --------------------------------------------------
    // Contracts are tws::Record("Contract") (tws::stock("AAPL"), tws::contract(...)).
    // Request ids: -1 takes a fresh one; the id used is returned.

    /// reqContractDetails: ContractData events (bonds: BondContractData), then ContractDataEnd.
    std::int32_t req_contract_details(const Record &contract, std::int32_t req_id = -1)
    {
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_contract_details(p_, id, contract.get()));
        return id;
    }
    /// cancelContractData (server 215+).
    void cancel_contract_data(std::int32_t req_id) { detail::check(tws_client_cancel_contract_data(p_, req_id)); }
    /// reqMatchingSymbols: one SymbolSamples event.
    std::int32_t req_matching_symbols(std::string_view pattern, std::int32_t req_id = -1)
    {
        const std::string p = detail::cstr(pattern, "pattern");
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_matching_symbols(p_, id, p.c_str()));
        return id;
    }
    /// reqSecDefOptParams: SecDefOptParameter events, then their end.
    std::int32_t req_sec_def_opt_params(std::string_view underlying_symbol, std::string_view underlying_sec_type,
                                        std::int32_t underlying_con_id, std::string_view fut_fop_exchange = "",
                                        std::int32_t req_id = -1)
    {
        const std::string s = detail::cstr(underlying_symbol, "underlying_symbol"),
                          t = detail::cstr(underlying_sec_type, "underlying_sec_type"),
                          e = detail::cstr(fut_fop_exchange, "fut_fop_exchange");
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_sec_def_opt_params(p_, id, s.c_str(), e.c_str(), t.c_str(), underlying_con_id));
        return id;
    }
    /// reqMarketRule: one MarketRule event (no request id).
    void req_market_rule(std::int32_t market_rule_id) { detail::check(tws_client_req_market_rule(p_, market_rule_id)); }
    /// reqSmartComponents: one SmartComponents event.
    std::int32_t req_smart_components(std::string_view bbo_exchange, std::int32_t req_id = -1)
    {
        const std::string b = detail::cstr(bbo_exchange, "bbo_exchange");
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_smart_components(p_, id, b.c_str()));
        return id;
    }
    /// reqMktDepthExchanges: one MktDepthExchanges event.
    void req_mkt_depth_exchanges() { detail::check(tws_client_req_mkt_depth_exchanges(p_)); }
    /// reqFamilyCodes: one FamilyCodes event.
    void req_family_codes() { detail::check(tws_client_req_family_codes(p_)); }

    /// Every contract details row of `contract` up to the end marker (bond
    /// rows too). Throws TWS_ERR_REQUEST_FAILED (tws_code() 200 for an unknown
    /// instrument), TWS_ERR_TIMEOUT, TWS_ERR_NOT_CONNECTED, ...
    std::vector<ContractData> contract_details(const Record &contract,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_contract_details(p_, contract.get(), detail::ms(timeout), &m));
        std::vector<ContractData> out;
        for (auto &ev : events_of(m))
            if (auto *row = std::get_if<ContractData>(&ev))
                out.push_back(std::move(*row));
        return out;
    }
    /// The SymbolSamples message answering `pattern` (a GenericMessage until
    /// the generated structs carry lists: find("descriptions[0].contract.symbol")).
    Event matching_symbols(std::string_view pattern, std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const std::string p = detail::cstr(pattern, "pattern");
        tws_messages *m = nullptr;
        detail::check(tws_client_matching_symbols(p_, p.c_str(), detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }
    /// The SecDefOptParameter messages of an underlying, up to the end marker.
    std::vector<Event> sec_def_opt_params(std::string_view underlying_symbol, std::string_view underlying_sec_type,
                                          std::int32_t underlying_con_id, std::string_view fut_fop_exchange = "",
                                          std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const std::string s = detail::cstr(underlying_symbol, "underlying_symbol"),
                          t = detail::cstr(underlying_sec_type, "underlying_sec_type"),
                          e = detail::cstr(fut_fop_exchange, "fut_fop_exchange");
        tws_messages *m = nullptr;
        detail::check(tws_client_sec_def_opt_params(p_, s.c_str(), e.c_str(), t.c_str(), underlying_con_id,
                                                    detail::ms(timeout), &m));
        return events_of(m);
    }
    /// The MarketRule message of `market_rule_id` (TWS_ERR_TIMEOUT for an unknown rule).
    Event market_rule(std::int32_t market_rule_id, std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_market_rule(p_, market_rule_id, detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }
    /// The MktDepthExchanges message.
    Event mkt_depth_exchanges(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_mkt_depth_exchanges(p_, detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }
    /// The FamilyCodes message.
    Event family_codes(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_family_codes(p_, detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }

    // ---- historical data -----------------------------------------------------------
    // Every history request waits for the historical-data pacing
    // (Options::history_pacing); a blocking call's timeout covers the wait.

    /// reqHistoricalData: HistoricalData events (their bars), then
    /// HistoricalDataEnd (below server 196 the end is the HistoricalData with
    /// end_date set). With keep_up_to_date (end ""), HistoricalDataUpdate
    /// events follow: a subscription, re-issued after a reconnect.
    std::int32_t req_historical_data(const Record &contract, std::string_view end = "",
                                     std::string_view duration = "1 D", std::string_view bar_size = "1 hour",
                                     std::string_view what_to_show = "TRADES", bool use_rth = true,
                                     std::int32_t format_date = 1, bool keep_up_to_date = false,
                                     std::int32_t req_id = -1)
    {
        const std::string e = detail::cstr(end, "end"), d = detail::cstr(duration, "duration"),
                          b = detail::cstr(bar_size, "bar_size"), w = detail::cstr(what_to_show, "what_to_show");
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_historical_data(p_, id, contract.get(), e.c_str(), d.c_str(), b.c_str(),
                                                     w.c_str(), use_rth, format_date, keep_up_to_date));
        return id;
    }
    /// cancelHistoricalData (a keep-up-to-date request is forgotten).
    void cancel_historical_data(std::int32_t req_id) { detail::check(tws_client_cancel_historical_data(p_, req_id)); }
    /// reqHeadTimeStamp: one HeadTimestamp event.
    std::int32_t req_head_timestamp(const Record &contract, std::string_view what_to_show = "TRADES",
                                    bool use_rth = true, std::int32_t format_date = 1, std::int32_t req_id = -1)
    {
        const std::string w = detail::cstr(what_to_show, "what_to_show");
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_head_timestamp(p_, id, contract.get(), w.c_str(), use_rth, format_date));
        return id;
    }
    /// cancelHeadTimeStamp.
    void cancel_head_timestamp(std::int32_t req_id) { detail::check(tws_client_cancel_head_timestamp(p_, req_id)); }
    /// reqHistogramData: one HistogramData event.
    std::int32_t req_histogram_data(const Record &contract, std::string_view time_period = "1 weeks",
                                    bool use_rth = true, std::int32_t req_id = -1)
    {
        const std::string t = detail::cstr(time_period, "time_period");
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_histogram_data(p_, id, contract.get(), use_rth, t.c_str()));
        return id;
    }
    /// cancelHistogramData.
    void cancel_histogram_data(std::int32_t req_id) { detail::check(tws_client_cancel_histogram_data(p_, req_id)); }
    /// reqHistoricalTicks: HistoricalTicks / HistoricalTicksBidAsk / HistoricalTicksLast batches, the last done.
    std::int32_t req_historical_ticks(const Record &contract, std::string_view start, std::string_view end,
                                      std::int32_t number_of_ticks = 1000, std::string_view what_to_show = "TRADES",
                                      bool use_rth = true, bool ignore_size = false, std::int32_t req_id = -1)
    {
        const std::string s = detail::cstr(start, "start"), e = detail::cstr(end, "end"),
                          w = detail::cstr(what_to_show, "what_to_show");
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_historical_ticks(p_, id, contract.get(), s.c_str(), e.c_str(), number_of_ticks,
                                                      w.c_str(), use_rth, ignore_size));
        return id;
    }
    /// cancelHistoricalTicks (server 215+).
    void cancel_historical_ticks(std::int32_t req_id) { detail::check(tws_client_cancel_historical_ticks(p_, req_id)); }

    /// Every bar up to the end marker (dates as sent; parse_hist_time reads
    /// them). Throws TWS_ERR_REQUEST_FAILED (tws_code()), TWS_ERR_TIMEOUT
    /// (also when the pacing holds it past `timeout`: then it is not sent).
    std::vector<Bar> historical_bars(const Record &contract, std::string_view end = "",
                                     std::string_view duration = "1 D", std::string_view bar_size = "1 hour",
                                     std::string_view what_to_show = "TRADES", bool use_rth = true,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30))
    {
        const std::string e = detail::cstr(end, "end"), d = detail::cstr(duration, "duration"),
                          b = detail::cstr(bar_size, "bar_size"), w = detail::cstr(what_to_show, "what_to_show");
        tws_messages *m = nullptr;
        detail::check(tws_client_historical_bars(p_, contract.get(), e.c_str(), d.c_str(), b.c_str(), w.c_str(),
                                                 use_rth, detail::ms(timeout), &m));
        std::vector<Bar> out;
        for (auto &ev : events_of(m))
            if (auto *h = std::get_if<HistoricalData>(&ev))
                out = std::move(h->bars);
        return out;
    }
    /// The earliest data of `what_to_show`, as TWS sent it ("yyyymmdd-hh:mm:ss" UTC).
    std::string head_timestamp(const Record &contract, std::string_view what_to_show = "TRADES", bool use_rth = true,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const std::string w = detail::cstr(what_to_show, "what_to_show");
        tws_messages *m = nullptr;
        detail::check(tws_client_head_timestamp(p_, contract.get(), w.c_str(), use_rth, detail::ms(timeout), &m));
        for (auto &ev : events_of(m))
            if (auto *h = std::get_if<HeadTimestamp>(&ev))
                return h->head_timestamp;
        return {};
    }
    /// The histogram of `contract` over `time_period`.
    std::vector<HistogramEntry> histogram(const Record &contract, std::string_view time_period = "1 weeks",
                                          bool use_rth = true,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const std::string t = detail::cstr(time_period, "time_period");
        tws_messages *m = nullptr;
        detail::check(tws_client_histogram(p_, contract.get(), use_rth, t.c_str(), detail::ms(timeout), &m));
        for (auto &ev : events_of(m))
            if (auto *h = std::get_if<HistogramData>(&ev))
                return std::move(h->entries);
        return {};
    }
    /// Every tick up to the batch marked done, as one HistoricalTicks,
    /// HistoricalTicksBidAsk or HistoricalTicksLast message (by `what_to_show`).
    Event historical_ticks(const Record &contract, std::string_view start, std::string_view end,
                           std::int32_t number_of_ticks = 1000, std::string_view what_to_show = "TRADES",
                           bool use_rth = true, bool ignore_size = false,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const std::string s = detail::cstr(start, "start"), e = detail::cstr(end, "end"),
                          w = detail::cstr(what_to_show, "what_to_show");
        tws_messages *m = nullptr;
        detail::check(tws_client_historical_ticks(p_, contract.get(), s.c_str(), e.c_str(), number_of_ticks,
                                                  w.c_str(), use_rth, ignore_size, detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }
    /// The trading schedule of `contract` (server 165+).
    HistoricalSchedule historical_schedule(const Record &contract, std::string_view end = "",
                                           std::string_view duration = "1 W", bool use_rth = true,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const std::string e = detail::cstr(end, "end"), d = detail::cstr(duration, "duration");
        tws_messages *m = nullptr;
        detail::check(tws_client_historical_schedule(p_, contract.get(), e.c_str(), d.c_str(), use_rth,
                                                     detail::ms(timeout), &m));
        for (auto &ev : events_of(m))
            if (auto *h = std::get_if<HistoricalSchedule>(&ev))
                return std::move(*h);
        throw Error(TWS_ERR_INVALID_ARGUMENT, "historicalSchedule missing");
    }
    /// Any counter by name (tws_client_stat): "history_paced", "history_pacing_wait_ms", ...
    std::uint64_t stat(std::string_view name) const
    {
        const std::string n = detail::cstr(name, "name");
        std::uint64_t v = 0;
        detail::check(tws_client_stat(p_, n.c_str(), &v));
        return v;
    }

    // ---- orders -----------------------------------------------------------------------
    // Orders are tws::Record("Order") (tws::limit_order, tws::market_order,
    // tws::order). A placement is never re-sent: while the link is down it
    // throws TWS_ERR_NOT_CONNECTED at once and uses no order id.

    /// placeOrder under the next order id, which it returns (taken
    /// atomically: safe from any number of threads, never one used before).
    /// TWS answers with OpenOrder / OrderStatus events, fills as ExecDetails
    /// and CommissionAndFeesReport, refusals as ErrorMessage under the id.
    std::int64_t place_order(const Record &contract, const Record &order)
    {
        std::int64_t id = -1;
        detail::check(tws_client_place_order(p_, contract.get(), order.get(), &id));
        return id;
    }
    /// placeOrder under `order_id`: modifies the live order with that id.
    void place_order_with_id(std::int64_t order_id, const Record &contract, const Record &order)
    {
        detail::check(tws_client_place_order_with_id(p_, order_id, contract.get(), order.get()));
    }
    /// cancelOrder of `order_id`.
    void cancel_order(std::int64_t order_id) { detail::check(tws_client_cancel_order(p_, order_id, nullptr)); }
    /// cancelOrder with the attributes of an "OrderCancel" record.
    void cancel_order(std::int64_t order_id, const Record &order_cancel)
    {
        detail::check(tws_client_cancel_order(p_, order_id, order_cancel.get()));
    }
    /// reqGlobalCancel: cancels every open order of the account.
    void req_global_cancel() { detail::check(tws_client_req_global_cancel(p_)); }
    /// reqOpenOrders: OpenOrder (and OrderStatus) events, then OpenOrderEnd.
    void req_open_orders() { detail::check(tws_client_req_open_orders(p_)); }
    /// reqAllOpenOrders: every client's open orders, then OpenOrderEnd.
    void req_all_open_orders() { detail::check(tws_client_req_all_open_orders(p_)); }
    /// reqAutoOpenOrders (client id 0 only).
    void req_auto_open_orders(bool auto_bind) { detail::check(tws_client_req_auto_open_orders(p_, auto_bind)); }
    /// reqExecutions of every execution of the day: ExecDetails events, then ExecDetailsEnd.
    std::int32_t req_executions(std::int32_t req_id = -1)
    {
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_executions(p_, id, nullptr));
        return id;
    }
    /// reqExecutions matching an "ExecutionFilter" record.
    std::int32_t req_executions(const Record &filter, std::int32_t req_id = -1)
    {
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_executions(p_, id, filter.get()));
        return id;
    }
    /// reqCompletedOrders: CompletedOrder events, then CompletedOrdersEnd.
    void req_completed_orders(bool api_only = false) { detail::check(tws_client_req_completed_orders(p_, api_only)); }

    /// This client's open orders up to the end marker (also delivered as
    /// events as usual). Throws TWS_ERR_TIMEOUT, TWS_ERR_BUSY, ...
    std::vector<OpenOrder> open_orders(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_open_orders(p_, detail::ms(timeout), &m));
        return only<OpenOrder>(events_of(m));
    }
    /// The executions of the day up to the end marker, with their commissions.
    std::vector<ExecutionReport> executions(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_executions(p_, nullptr, detail::ms(timeout), &m));
        return reports_of(events_of(m));
    }
    /// The executions matching an "ExecutionFilter" record, with their commissions.
    std::vector<ExecutionReport> executions(const Record &filter,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_executions(p_, filter.get(), detail::ms(timeout), &m));
        return reports_of(events_of(m));
    }
    /// Today's completed orders up to the end marker.
    std::vector<CompletedOrder> completed_orders(bool api_only = false,
                                                 std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_completed_orders(p_, api_only, detail::ms(timeout), &m));
        return only<CompletedOrder>(events_of(m));
    }
    /// What-if: places `order` with what_if set under a fresh id and returns
    /// TWS's answer, whose order_state carries the margin impact. Nothing is
    /// traded. Throws TWS_ERR_REQUEST_FAILED when TWS refuses the order.
    OpenOrder what_if_order(const Record &contract, const Record &order,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_what_if(p_, contract.get(), order.get(), detail::ms(timeout), &m));
        auto rows = only<OpenOrder>(events_of(m));
        if (rows.empty())
            throw Error(TWS_ERR_PROTOCOL, "what-if answered without an openOrder");
        return std::move(rows.front());
    }
    /// As what_if_order, returning only the order state (init_margin_*, maint_margin_*, equity_with_loan_*).
    OrderState what_if(const Record &contract, const Record &order,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        return what_if_order(contract, order, timeout).order_state;
    }

    // ---- the rest of the API: blocking calls (one-shot requests: send()) ----
    /// The ScannerParameters message (`xml`).
    Event scanner_parameters(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_scanner_parameters(p_, detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }
    /// The NewsProviders message (`news_providers[i].code`, `.name`).
    Event news_providers(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_news_providers(p_, detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }
    /// The NewsArticle message of `article_id` from `provider_code`.
    Event news_article(std::string_view provider_code, std::string_view article_id,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const std::string p = detail::cstr(provider_code, "provider_code"),
                          a = detail::cstr(article_id, "article_id");
        tws_messages *m = nullptr;
        detail::check(tws_client_news_article(p_, p.c_str(), a.c_str(), detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }
    /// The HistoricalNews headlines of `con_id`, then the HistoricalNewsEnd (`has_more`).
    std::vector<Event> historical_news(std::int32_t con_id, std::string_view provider_codes,
                                       std::string_view start_date_time = "", std::string_view end_date_time = "",
                                       std::int32_t total_results = 10,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const std::string p = detail::cstr(provider_codes, "provider_codes"),
                          s = detail::cstr(start_date_time, "start_date_time"),
                          e = detail::cstr(end_date_time, "end_date_time");
        tws_messages *m = nullptr;
        detail::check(tws_client_historical_news(p_, con_id, p.c_str(), s.c_str(), e.c_str(), total_results,
                                                 detail::ms(timeout), &m));
        return events_of(m);
    }
    /// The UserInfo message (`white_branding_id`).
    Event user_info(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_user_info(p_, detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }
    /// The WshMetaData message (`data_json`).
    Event wsh_meta_data(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_wsh_meta_data(p_, detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }
    /// The ReceiveFa message (`cxml`) of one kind: 1 groups, 3 account aliases.
    Event request_fa(std::int32_t fa_data_type, std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_request_fa(p_, fa_data_type, detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }
    /// The DisplayGroupList message (`groups`, `|`-separated).
    Event query_display_groups(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_messages *m = nullptr;
        detail::check(tws_client_query_display_groups(p_, detail::ms(timeout), &m));
        return std::move(events_of(m).at(0));
    }

    /// reqMarketDataType: 1 live, 2 frozen, 3 delayed, 4 delayed frozen.
    void req_market_data_type(std::int32_t market_data_type)
    {
        detail::check(tws_client_req_market_data_type(p_, market_data_type));
    }
    /// reqMktData: TickPrice, TickSize, ... events; streaming (no snapshot)
    /// it is a subscription with a quote view (quote()).
    std::int32_t req_mkt_data(const Record &contract, std::string_view generic_ticks = "", bool snapshot = false,
                              bool regulatory_snapshot = false, const TagValues &options = {},
                              std::int32_t req_id = -1)
    {
        const std::string g = detail::cstr(generic_ticks, "generic_ticks");
        const detail::CTagValues o(options);
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_mkt_data(p_, id, contract.get(), g.c_str(), snapshot, regulatory_snapshot, o.t(),
                                              o.v(), o.n()));
        return id;
    }
    /// cancelMktData: ends the ticks and the quote view of `req_id`.
    void cancel_mkt_data(std::int32_t req_id) { detail::check(tws_client_cancel_mkt_data(p_, req_id)); }
    /// reqMktDepth: UpdateMktDepth / UpdateMktDepthL2 events.
    std::int32_t req_mkt_depth(const Record &contract, std::int32_t num_rows = 5, bool smart_depth = false,
                               const TagValues &options = {}, std::int32_t req_id = -1)
    {
        const detail::CTagValues o(options);
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_req_mkt_depth(p_, id, contract.get(), num_rows, smart_depth, o.t(), o.v(), o.n()));
        return id;
    }
    /// cancelMktDepth.
    void cancel_mkt_depth(std::int32_t req_id, bool smart_depth = false)
    {
        detail::check(tws_client_cancel_mkt_depth(p_, req_id, smart_depth));
    }
    /// reqTickByTickData ("Last", "AllLast", "BidAsk", "MidPoint"; server 140+).
    std::int32_t req_tick_by_tick_data(const Record &contract, std::string_view tick_type = "Last",
                                       std::int32_t number_of_ticks = 0, bool ignore_size = false,
                                       std::int32_t req_id = -1)
    {
        const std::string t = detail::cstr(tick_type, "tick_type");
        const std::int32_t id = fresh(req_id);
        detail::check(
            tws_client_req_tick_by_tick_data(p_, id, contract.get(), t.c_str(), number_of_ticks, ignore_size));
        return id;
    }
    /// cancelTickByTickData.
    void cancel_tick_by_tick_data(std::int32_t req_id) { detail::check(tws_client_cancel_tick_by_tick_data(p_, req_id)); }
    /// reqRealTimeBars: 5-second RealTimeBar events.
    std::int32_t req_real_time_bars(const Record &contract, std::string_view what_to_show = "TRADES",
                                    bool use_rth = false, std::int32_t bar_size = 5, const TagValues &options = {},
                                    std::int32_t req_id = -1)
    {
        const std::string w = detail::cstr(what_to_show, "what_to_show");
        const detail::CTagValues o(options);
        const std::int32_t id = fresh(req_id);
        detail::check(
            tws_client_req_real_time_bars(p_, id, contract.get(), bar_size, w.c_str(), use_rth, o.t(), o.v(), o.n()));
        return id;
    }
    /// cancelRealTimeBars.
    void cancel_real_time_bars(std::int32_t req_id) { detail::check(tws_client_cancel_real_time_bars(p_, req_id)); }
    /// calculateImpliedVolatility: one TickOptionComputation.
    std::int32_t calculate_implied_volatility(const Record &contract, double option_price, double under_price,
                                              const TagValues &options = {}, std::int32_t req_id = -1)
    {
        const detail::CTagValues o(options);
        const std::int32_t id = fresh(req_id);
        detail::check(tws_client_calculate_implied_volatility(p_, id, contract.get(), option_price, under_price, o.t(),
                                                              o.v(), o.n()));
        return id;
    }
    /// cancelCalculateImpliedVolatility.
    void cancel_calculate_implied_volatility(std::int32_t req_id)
    {
        detail::check(tws_client_cancel_calculate_implied_volatility(p_, req_id));
    }
    /// calculateOptionPrice: one TickOptionComputation.
    std::int32_t calculate_option_price(const Record &contract, double volatility, double under_price,
                                        const TagValues &options = {}, std::int32_t req_id = -1)
    {
        const detail::CTagValues o(options);
        const std::int32_t id = fresh(req_id);
        detail::check(
            tws_client_calculate_option_price(p_, id, contract.get(), volatility, under_price, o.t(), o.v(), o.n()));
        return id;
    }
    /// cancelCalculateOptionPrice.
    void cancel_calculate_option_price(std::int32_t req_id)
    {
        detail::check(tws_client_cancel_calculate_option_price(p_, req_id));
    }

    /// The latest quote of the streaming market-data request `req_id`, kept
    /// by libtws's reader whether or not events are drained; std::nullopt
    /// when no such subscription is live. Any thread.
    std::optional<Quote> quote(std::int32_t req_id) const
    {
        tws_quote q{};
        const tws_result rc = tws_client_quote(p_, req_id, &q);
        if (rc == TWS_ERR_INVALID_ARGUMENT)
            return std::nullopt;
        detail::check(rc);
        return detail::quote_from_c(q);
    }
    /// What the client knows of its order `order_id` now (kept by the reader
    /// whether or not events are drained); std::nullopt for an order it has
    /// not heard of (or evicted once finished). Any thread.
    std::optional<OrderView> order(std::int64_t order_id) const
    {
        tws_order_view v{};
        const tws_result rc = tws_client_order(p_, order_id, &v);
        if (rc == TWS_NOT_FOUND)
            return std::nullopt;
        detail::check(rc);
        auto d = [](bool has, double x) { return has ? std::optional<double>(x) : std::nullopt; };
        auto s = [](bool has, const char *x) { return has ? std::optional<std::string>(x) : std::nullopt; };
        OrderView out;
        out.order_id = v.order_id;
        out.client_id = v.client_id;
        out.perm_id = v.perm_id;
        out.parent_id = v.parent_id;
        out.status = v.status;
        out.finished = v.finished;
        out.filled = s(v.has_filled, v.filled);
        out.remaining = s(v.has_remaining, v.remaining);
        out.avg_fill_price = d(v.has_avg_fill_price, v.avg_fill_price);
        out.last_fill_price = d(v.has_last_fill_price, v.last_fill_price);
        out.why_held = v.why_held;
        out.commission_total = v.commission_total;
        out.updated_at = v.updated_at;
        tws_messages *m = nullptr;
        if (detail::check(tws_client_order_open_order(p_, order_id, &m)) == TWS_OK) {
            auto opened = events_of(m);
            if (!opened.empty())
                out.open_order = std::move(opened.front());
        }
        m = nullptr;
        if (detail::check(tws_client_order_executions(p_, order_id, &m)) == TWS_OK)
            out.executions = events_of(m);
        return out;
    }
    /// The order ids of this client's orders in the view, ascending.
    std::vector<std::int64_t> order_ids() const
    {
        std::size_t count = 0;
        detail::check(tws_client_order_ids(p_, nullptr, 0, &count));
        std::vector<std::int64_t> ids;
        for (;;) {
            ids.resize(count);
            const std::size_t capacity = count;
            detail::check(tws_client_order_ids(p_, ids.data(), capacity, &count));
            if (count <= capacity) {
                ids.resize(count);
                return ids;
            }
        }
    }
    /// What the latest order reconciliation recovered; std::nullopt before the first.
    std::optional<Reconciliation> last_reconciliation() const
    {
        tws_reconciliation r{};
        const tws_result rc = tws_client_last_reconciliation(p_, &r);
        if (rc == TWS_NOT_FOUND)
            return std::nullopt;
        detail::check(rc);
        return Reconciliation{r.cause == 0 ? "reconnect" : "1101", r.since, r.open_orders, r.new_fills,
                              r.changed_orders};
    }

    /// A one-shot snapshot of `contract` up to tickSnapshotEnd. Throws
    /// TWS_ERR_REQUEST_FAILED (tws_code() 200, 354, ...), TWS_ERR_TIMEOUT, ...
    Quote snapshot_quote(const Record &contract, std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_quote q{};
        detail::check(tws_client_snapshot_quote(p_, contract.get(), detail::ms(timeout), &q));
        return detail::quote_from_c(q);
    }

    /// cancelPnLSingle.
    void cancel_pnl_single(std::int32_t req_id) { detail::check(tws_client_cancel_pnl_single(p_, req_id)); }

    /// Every position of every account, up to positionEnd, within `timeout`.
    /// While it waits, position events go to it; one such call at a time per
    /// client. Throws TWS_ERR_TIMEOUT, TWS_ERR_NOT_CONNECTED, ...
    std::vector<Position> positions(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_position_rows *rows = nullptr;
        detail::check(tws_client_positions(p_, detail::ms(timeout), &rows));
        struct Free {
            void operator()(tws_position_rows *r) const noexcept { tws_position_rows_free(r); }
        };
        std::unique_ptr<tws_position_rows, Free> owned(rows);
        const std::size_t count = tws_position_rows_count(rows);
        std::vector<Position> out;
        out.reserve(count);
        for (std::size_t i = 0; i < count; i++) {
            const tws_position_row &r = *tws_position_rows_at(rows, i);
            out.push_back(Position{detail::str(r.account), gen::contract_from_c(r.contract), detail::str(r.position),
                                   r.avg_cost});
        }
        return out;
    }

    /// `account`'s values and portfolio, up to accountDownloadEnd, within
    /// `timeout` (then unsubscribes, or re-issues a live req_account_updates).
    /// Throws TWS_ERR_REQUEST_FAILED for an unknown account (error 321 in
    /// detail()), TWS_ERR_TIMEOUT, TWS_ERR_NOT_CONNECTED, ...
    AccountSnapshot account_updates(std::string_view account,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        tws_account_snapshot *snap = nullptr;
        const std::string a = detail::cstr(account, "account");
        detail::check(tws_client_account_updates(p_, a.c_str(), detail::ms(timeout), &snap));
        struct Free {
            void operator()(tws_account_snapshot *s) const noexcept { tws_account_snapshot_free(s); }
        };
        std::unique_ptr<tws_account_snapshot, Free> owned(snap);
        AccountSnapshot out{detail::str(tws_account_snapshot_account(snap)), detail::str(tws_account_snapshot_time(snap)),
                            {}, {}};
        const std::size_t values = tws_account_snapshot_value_count(snap);
        out.values.reserve(values);
        for (std::size_t i = 0; i < values; i++) {
            const tws_account_value_row &v = *tws_account_snapshot_value_at(snap, i);
            out.values.push_back(
                AccountValue{detail::str(v.key), detail::str(v.value), detail::str(v.currency), out.account});
        }
        const std::size_t holdings = tws_account_snapshot_portfolio_count(snap);
        out.portfolio.reserve(holdings);
        for (std::size_t i = 0; i < holdings; i++)
            out.portfolio.push_back(detail::portfolio_value(*tws_account_snapshot_portfolio_at(snap, i), out.account));
        return out;
    }

    /// The next event, waiting up to `timeout`; std::nullopt if none came.
    /// Events already queued always come first. When nothing is queued and
    /// the client has no session nor one being made (never connected, after
    /// disconnect(), after a loss with reconnect off or given up), nothing
    /// can arrive: throws tws::Error with TWS_ERR_NOT_CONNECTED at once
    /// instead of waiting out `timeout` (during a reconnect it waits as
    /// usual). Throws TWS_ERR_WRONG_MODE while a callback is set.
    std::optional<Event> poll(std::chrono::milliseconds timeout = std::chrono::milliseconds(0))
    {
        tws_event ev;
        if (detail::check(tws_client_poll(p_, detail::ms(timeout), &ev)) == TWS_TIMEOUT_NO_EVENT)
            return std::nullopt;
        return to_event(ev);
    }
    /// A descriptor readable while events wait (owned by the client).
    int event_fd()
    {
        int fd = -1;
        detail::check(tws_client_event_fd(p_, &fd));
        return fd;
    }

    /// Callback mode: every event goes to `on_event` on libtws's dispatch
    /// thread, in order. An exception it throws goes to `on_exception` (if
    /// given) and delivery goes on. An empty `on_event` returns to poll mode.
    /// The handlers are released when replaced, cleared or when the client is freed.
    void set_callback(EventHandler on_event, ExceptionHandler on_exception = {})
    {
        if (!on_event) {
            detail::check(tws_client_set_callback(p_, nullptr, nullptr, nullptr));
            return;
        }
        auto state = std::make_unique<detail::CallbackState>(
            detail::CallbackState{std::move(on_event), std::move(on_exception)});
        // libtws owns user_data on every path: a refusal frees it through user_data_free.
        detail::check(
            tws_client_set_callback(p_, detail::event_trampoline, state.release(), detail::delete_callback_state));
    }

    /// The C handle (owned by this object; NULL after a move).
    tws_client *get() const noexcept { return p_; }

private:
    std::int32_t fresh(std::int32_t req_id) { return req_id == -1 ? next_request_id() : req_id; }

    /// Every message of a tws_messages handle as an Event (the events' own
    /// conversion, to_event); frees the handle.
    static std::vector<Event> events_of(tws_messages *m)
    {
        std::unique_ptr<tws_messages, detail::MessagesFree> owned(m);
        std::vector<Event> out;
        const std::size_t n = tws_messages_count(m);
        out.reserve(n);
        for (std::size_t i = 0; i < n; i++)
            out.push_back(to_event(*tws_messages_at(m, i)));
        return out;
    }

    /// The messages of type T among `events`.
    template <class T> static std::vector<T> only(std::vector<Event> events)
    {
        std::vector<T> out;
        for (auto &ev : events)
            if (auto *row = std::get_if<T>(&ev))
                out.push_back(std::move(*row));
        return out;
    }

    /// ExecDetails each with the CommissionAndFeesReport that follows it.
    static std::vector<ExecutionReport> reports_of(std::vector<Event> events)
    {
        std::vector<ExecutionReport> out;
        for (auto &ev : events) {
            if (auto *row = std::get_if<ExecDetails>(&ev))
                out.push_back(ExecutionReport{std::move(*row), std::nullopt});
            else if (auto *report = std::get_if<CommissionAndFeesReport>(&ev); report && !out.empty())
                out.back().commission = std::move(*report);
        }
        return out;
    }

    tws_client *p_ = nullptr;
};

} // namespace tws

#endif // TWS_HPP

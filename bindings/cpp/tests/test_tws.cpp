// Tests of the C++ wrapper against tws-sim (port in TWS_SIM_PORT, set by
// scripts/with-sim.sh). Run plain and under valgrind by `make cpp-test`.
#include <algorithm>
#include <cmath>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unistd.h>
#include <vector>

#include "tws.hpp"

using namespace std::chrono_literals;

static int failures = 0;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

static std::uint16_t port;
static const char *const HOST = "127.0.0.1";

template <class F> static tws_result code_of(F &&f)
{
    try {
        f();
    } catch (const tws::Error &e) {
        return e.code();
    }
    return TWS_OK;
}

static void account_summary_rows_are_complete()
{
    tws::Client c;
    c.connect(HOST, port, 1);
    CHECK(c.connected());
    auto rows = c.account_summary();
    bool net_liq = false;
    for (const auto &r : rows)
        net_liq |= r.account == "DU123456" && r.tag == "NetLiquidation" && r.value == "983631.71" && r.currency == "USD";
    CHECK(net_liq);
    CHECK(rows.size() >= 60);
    // string_view arguments need not be NUL-terminated.
    std::string_view group = std::string_view("Allxyz").substr(0, 3);
    std::string_view tags = std::string_view("NetLiquidation,garbage").substr(0, 14);
    auto one = c.account_summary(group, tags);
    CHECK(one.size() == 2); // one per account
    CHECK(!one.empty() && one[0].tag == "NetLiquidation");
}

static void events_by_poll()
{
    tws::Client c;
    c.connect(HOST, port, 2);
    const auto id = c.req_account_summary("All", "NetLiquidation");
    int rows = 0;
    bool end = false, notice = false;
    for (int i = 0; i < 1000 && !end; i++) {
        auto ev = c.poll(5s);
        if (!ev)
            break;
        if (auto *r = std::get_if<tws::AccountSummary>(&*ev))
            rows += r->req_id == id && r->tag == "NetLiquidation";
        else if (auto *e = std::get_if<tws::AccountSummaryEnd>(&*ev))
            end = e->req_id == id;
        else if (auto *m = std::get_if<tws::ErrorMessage>(&*ev))
            notice |= m->code == 2104 && m->error_class == TWS_ERROR_CLASS_NOTICE;
    }
    CHECK(end);
    CHECK(rows == 2);
    CHECK(notice);
    c.cancel_account_summary(id);
}

static void errors_carry_their_code()
{
    // Port 1: nothing listens there on a test machine.
    tws::Client c;
    CHECK(code_of([&] { c.connect(HOST, 1, 3, 2s); }) == TWS_ERR_CONNECTION_REFUSED);
    CHECK(code_of([&] { c.req_current_time(); }) == TWS_ERR_NOT_CONNECTED);
    try {
        c.req_ids();
        CHECK(false);
    } catch (const tws::Error &e) {
        CHECK(std::string(e.name()) == "TWS_ERR_NOT_CONNECTED");
        CHECK(!e.detail().empty());
        CHECK(std::string(e.what()).find("TWS_ERR_NOT_CONNECTED") == 0);
    }
    tws::Client a, b;
    a.connect(HOST, port, 4);
    CHECK(code_of([&] { b.connect(HOST, port, 4, 5s); }) == TWS_ERR_CLIENT_ID_IN_USE);
    CHECK(code_of([&] { a.req_account_summary("All\x01"); }) == TWS_ERR_INVALID_CHARACTER);
    CHECK(code_of([&] { tws::Options().queue_capacity(0); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { tws::set_log_level(9); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { tws::Options().reconnect(true, 0); }) == TWS_ERR_INVALID_ARGUMENT);
    tws::Client paced(tws::Options().pacing(100).reconnect(false));
    paced.connect(HOST, port, 9);
    CHECK(paced.connected());
}

static void moves_transfer_ownership()
{
    tws::Client a;
    a.connect(HOST, port, 5);
    tws::Client b(std::move(a));
    CHECK(a.get() == nullptr);
    CHECK(b.connected());
    CHECK(code_of([&] { a.req_current_time(); }) == TWS_ERR_NULL_ARGUMENT);
    tws::Client c;
    c = std::move(b); // frees c's own client first
    CHECK(c.connected());
    std::vector<tws::Client> many;
    many.emplace_back();
    many.emplace_back(std::move(c));
    CHECK(many[1].connected());
}

static void callbacks_run_on_the_dispatch_thread()
{
    std::mutex m;
    std::condition_variable cv;
    bool got_time = false, got_exception = false;
    std::thread::id where;
    tws::Client c;
    c.connect(HOST, port, 6);
    c.set_callback(
        [&](const tws::Event &ev) {
            if (std::holds_alternative<tws::CurrentTime>(ev)) {
                {
                    std::lock_guard<std::mutex> g(m);
                    got_time = true;
                    where = std::this_thread::get_id();
                }
                cv.notify_all();
                throw std::runtime_error("contained, not unwound into libtws");
            }
        },
        [&](std::exception_ptr) {
            std::lock_guard<std::mutex> g(m);
            got_exception = true;
        });
    CHECK(code_of([&] { c.poll(0ms); }) == TWS_ERR_WRONG_MODE);
    c.req_current_time();
    {
        std::unique_lock<std::mutex> g(m);
        CHECK(cv.wait_for(g, 5s, [&] { return got_time; }));
    }
    CHECK(where != std::this_thread::get_id());
    // Replacing frees the previous handlers (valgrind sees a leak otherwise).
    std::atomic<int> second{0};
    c.set_callback([&](const tws::Event &) { second++; });
    c.req_current_time();
    for (int i = 0; i < 500 && second == 0; i++)
        std::this_thread::sleep_for(10ms);
    CHECK(second > 0);
    std::lock_guard<std::mutex> g(m);
    CHECK(got_exception);
    // The client goes out of scope with a callback set: freed by tws_client_free.
}

static void callback_cleared_returns_to_poll()
{
    tws::Client c;
    c.connect(HOST, port, 7);
    c.set_callback([](const tws::Event &) {});
    c.set_callback(nullptr);
    c.req_current_time();
    bool got = false;
    for (int i = 0; i < 100 && !got; i++) {
        auto ev = c.poll(100ms);
        got = ev && std::holds_alternative<tws::CurrentTime>(*ev);
    }
    CHECK(got);
}

static void log_and_trace()
{
    std::mutex m;
    std::vector<std::string> records;
    tws::set_log_level(TWS_LOG_DEBUG);
    tws::set_log_handler([&](std::int32_t level, std::string_view target, std::string_view message) {
        std::lock_guard<std::mutex> g(m);
        records.push_back(std::string(tws_log_level_str(level)) + " " + std::string(target) + " " +
                          std::string(message));
    });
    char path[] = "/tmp/tws-cpp-trace-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    {
        tws::Client c(tws::Options().trace_file(path));
        c.connect(HOST, port, 8);
        c.account_summary("All", "NetLiquidation");
    }
    tws::set_log_handler(nullptr);
    tws::set_log_level(TWS_LOG_INFO);
    bool ready = false, attempt = false;
    for (const auto &r : records) {
        ready |= r.rfind("info tws::client", 0) == 0 && r.find("session ready") != std::string::npos;
        attempt |= r.rfind("debug tws::client", 0) == 0 && r.find("connect attempt") != std::string::npos;
    }
    CHECK(ready);
    CHECK(attempt);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    const std::string t = text.str();
    CHECK(t.find(" -> ReqAccountSummary ") != std::string::npos);
    CHECK(t.find("value: \"983631.71\"") != std::string::npos);
    CHECK(t.find(" <- AccountSummaryEnd") != std::string::npos);
    std::remove(path);
}

// ---- account data ---------------------------------------------------------------

template <class T, class F> static std::optional<T> wait_for(tws::Client &c, F &&match)
{
    for (int i = 0; i < 2000; i++) {
        auto ev = c.poll(5s);
        if (!ev)
            return std::nullopt;
        if (auto *t = std::get_if<T>(&*ev))
            if (match(*t))
                return *t;
    }
    return std::nullopt;
}

static void positions_are_complete_and_exact()
{
    tws::Client c;
    c.connect(HOST, port, 20);
    const auto rows = c.positions(5s);
    CHECK(rows.size() == 7); // 4 of DU123456, 3 of DU654321
    int aapl = 0, msft = 0, call = 0, euro = 0, other = 0;
    for (const auto &r : rows) {
        if (r.account != "DU123456") {
            other += r.account == "DU654321";
            continue;
        }
        const auto &k = r.contract;
        if (k.con_id == 265598)
            aapl = r.position == "100" && r.avg_cost == 172.35 && k.symbol == "AAPL" && k.sec_type == "STK" &&
                   k.currency == "USD" && k.exchange == "NASDAQ" && k.strike == 0.0;
        if (k.con_id == 272093)
            msft = r.position == "0.5"; // exact text: no binary float held it
        if (k.sec_type == "OPT")
            call = k.strike == 200.0 && k.right == "C" && k.multiplier == "100" &&
                   k.last_trade_date_or_contract_month == "20261218" && k.local_symbol == "AAPL  261218C00200000" &&
                   k.trading_class == "AAPL" && r.position == "2";
        euro += k.currency == "EUR" && k.symbol == "SAP";
    }
    CHECK(aapl);
    CHECK(msft);
    CHECK(call);
    CHECK(euro == 1);
    CHECK(other == 3);
}

static void account_updates_snapshot()
{
    tws::Client c;
    c.connect(HOST, port, 21);
    const auto snap = c.account_updates("DU123456", 5s);
    CHECK(snap.account == "DU123456");
    CHECK(snap.time.size() == 5 && snap.time[2] == ':');
    bool nlv = false, eur = false;
    for (const auto &v : snap.values) {
        nlv |= v.key == "NetLiquidation" && v.value == "983631.71" && v.currency == "USD";
        eur |= v.currency == "EUR";
        CHECK(v.account == "DU123456");
    }
    CHECK(nlv);
    CHECK(eur);
    CHECK(snap.portfolio.size() == 4);
    if (snap.portfolio.size() == 4) {
        const auto &a = snap.portfolio[0];
        CHECK(a.contract.symbol == "AAPL" && a.contract.primary_exchange == "NASDAQ");
        CHECK(a.position == "100" && a.average_cost == 172.35 && a.market_value > 18000);
        CHECK(snap.portfolio[1].position == "0.5");
        CHECK(snap.portfolio[2].contract.sec_type == "OPT" && snap.portfolio[2].realized_pnl == 312.5);
        CHECK(snap.portfolio[3].contract.currency == "EUR" && snap.portfolio[3].account == "DU123456");
    }
    // Unknown account: TWS error 321, thrown as TWS_ERR_REQUEST_FAILED.
    try {
        c.account_updates("DU999999", 5s);
        CHECK(false);
    } catch (const tws::Error &e) {
        CHECK(e.code() == TWS_ERR_REQUEST_FAILED);
        CHECK(e.detail().find("321") != std::string::npos);
    }
    CHECK(c.account_updates("DU654321", 5s).portfolio.size() == 3); // still usable
    tws::Client offline;
    CHECK(code_of([&] { offline.positions(1s); }) == TWS_ERR_NOT_CONNECTED);
    CHECK(code_of([&] { offline.account_updates("DU123456", 1s); }) == TWS_ERR_NOT_CONNECTED);
}

static void account_data_events()
{
    tws::Client c;
    c.connect(HOST, port, 22);
    auto any = [](const auto &) { return true; };

    c.req_positions();
    int positions = 0;
    for (int i = 0; i < 2000; i++) {
        auto ev = c.poll(5s);
        if (!ev || std::holds_alternative<tws::PositionEnd>(*ev))
            break;
        CHECK(!std::holds_alternative<tws::OtherEvent>(*ev));
        if (auto *p = std::get_if<tws::Position>(&*ev))
            positions += !p->account.empty() && p->contract.con_id != 0;
    }
    CHECK(positions == 7);
    c.cancel_positions();

    c.req_account_updates("DU654321");
    auto pv = wait_for<tws::PortfolioValue>(c, any);
    CHECK(pv && pv->account == "DU654321" && pv->contract.symbol == "SPY" && !pv->position.empty());
    CHECK(wait_for<tws::AccountUpdateTime>(c, [](const auto &t) { return t.time_stamp.size() == 5; }));
    auto end = wait_for<tws::AccountDownloadEnd>(c, any);
    CHECK(end && end->account == "DU654321");
    c.cancel_account_updates("DU654321");

    c.req_account_updates("DU999999");
    auto e321 = wait_for<tws::ErrorMessage>(c, [](const auto &e) { return e.code == 321; });
    CHECK(e321 && e321->req_id == -1 && e321->error_class == TWS_ERROR_CLASS_ERROR);

    const auto pos_id = c.req_positions_multi("DU123456");
    auto pm = wait_for<tws::PositionMulti>(c, [&](const auto &p) { return p.contract.con_id == 272093; });
    CHECK(pm && pm->req_id == pos_id && pm->account == "DU123456" && pm->position == "0.5");
    CHECK(wait_for<tws::PositionMultiEnd>(c, [&](const auto &e) { return e.req_id == pos_id; }));
    c.cancel_positions_multi(pos_id);

    const auto upd_id = c.req_account_updates_multi("DU654321", "", true);
    auto um = wait_for<tws::AccountUpdateMulti>(c, any);
    CHECK(um && um->req_id == upd_id && um->account == "DU654321" && !um->key.empty());
    CHECK(wait_for<tws::AccountUpdateMultiEnd>(c, [&](const auto &e) { return e.req_id == upd_id; }));
    c.cancel_account_updates_multi(upd_id);

    const auto pnl_id = c.req_pnl("DU123456");
    auto pnl = wait_for<tws::PnL>(c, any);
    CHECK(pnl && pnl->req_id == pnl_id && pnl->realized_pnl == 312.5 && pnl->unrealized_pnl.value_or(0) > 0 &&
          pnl->daily_pnl.has_value());
    c.cancel_pnl(pnl_id);

    const auto single_id = c.req_pnl_single("DU123456", 265598);
    auto single = wait_for<tws::PnLSingle>(c, any);
    CHECK(single && single->req_id == single_id && single->position == "100" && single->value.value_or(0) > 18000);
    c.cancel_pnl_single(single_id);

    const auto bad = c.req_pnl("DU999999");
    auto err = wait_for<tws::ErrorMessage>(c, [&](const auto &e) { return e.req_id == bad; });
    CHECK(err && err->code == 321);
    CHECK(code_of([&] { c.req_account_updates("DU1\x01"); }) == TWS_ERR_INVALID_CHARACTER);
}

// ---- strings: exactly what was given, or nothing -------------------------------

// The simulator's --record file (TWS_SIM_RECORD, set by run.sh): one JSON line
// per message it received ("dir":"out") or sent ("dir":"in").
static const char *record_path = nullptr;

static std::vector<std::string> record_lines()
{
    std::vector<std::string> lines;
    std::ifstream in(record_path ? record_path : "");
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// The messages the simulator received after line `from` of its record.
static std::vector<std::string> received_since(std::size_t from)
{
    std::vector<std::string> out;
    const auto lines = record_lines();
    for (std::size_t i = from; i < lines.size(); i++)
        if (lines[i].find("\"dir\":\"out\"") != std::string::npos)
            out.push_back(lines[i]);
    return out;
}

// Sends reqCurrentTime and waits for its answer: the simulator has recorded
// everything sent before it.
static bool fence(tws::Client &c)
{
    c.req_current_time();
    return wait_for<tws::CurrentTime>(c, [](const auto &) { return true; }).has_value();
}

// The code of f()'s tws::Error, and whether its detail names `arg`.
template <class F> static bool refused_naming(const char *arg, F &&f)
{
    try {
        f();
    } catch (const tws::Error &e) {
        const bool ok = e.code() == TWS_ERR_INVALID_CHARACTER && e.detail().find(arg) != std::string::npos;
        if (!ok)
            std::fprintf(stderr, "%s: unexpected error %s\n", arg, e.what());
        return ok;
    }
    std::fprintf(stderr, "%s: a NUL was accepted\n", arg);
    return false;
}

static void strings_arrive_exactly_or_not_at_all()
{
    CHECK(record_path != nullptr);
    tws::Client c;
    c.connect(HOST, port, 30);

    // Slices of a larger buffer (not NUL-terminated) arrive exactly.
    const std::string buffer = "DU123456DU654321NetLiquidation,TotalCashValue";
    const std::string_view all(buffer);
    std::size_t mark = record_lines().size();
    const auto snap = c.account_updates(all.substr(8, 8), 5s);
    CHECK(snap.account == "DU654321");
    const auto pnl_id = c.req_pnl(all.substr(0, 8), all.substr(8, 0));
    c.cancel_pnl(pnl_id);
    const auto rows = c.account_summary(std::string_view("Allxyz").substr(0, 3), all.substr(16, 14));
    CHECK(rows.size() == 2);
    CHECK(fence(c));
    {
        const auto got = received_since(mark);
        bool updates = false, pnl = false, summary = false;
        for (const auto &l : got) {
            updates |= l.find("\"name\":\"ReqAccountUpdates\"") != std::string::npos &&
                       l.find("\"account\":\"DU654321\"") != std::string::npos;
            pnl |= l.find("\"name\":\"ReqPnL\"") != std::string::npos &&
                   l.find("\"account\":\"DU123456\",\"model_code\":\"\"") != std::string::npos;
            summary |= l.find("\"name\":\"ReqAccountSummary\"") != std::string::npos &&
                       l.find("\"group\":\"All\",\"tags\":\"NetLiquidation\"") != std::string::npos;
            CHECK(l.find("DU123456DU654321") == std::string::npos);
            CHECK(l.find("Allxyz") == std::string::npos);
            CHECK(l.find("TotalCash") == std::string::npos);
        }
        CHECK(updates);
        CHECK(pnl);
        CHECK(summary);
        if (!(updates && pnl && summary))
            for (const auto &l : got)
                std::fprintf(stderr, "received: %s\n", l.c_str());
    }

    // An embedded NUL would cut the string in C ("DU123456\0evil" would ask for
    // DU123456): every string argument refuses it, naming it, and sends nothing.
    using namespace std::string_view_literals;
    const auto evil = "DU123456\0evil"sv;
    mark = record_lines().size();
    tws::Client other;
    CHECK(refused_naming("host", [&] { other.connect("127.0.0.1\0junk"sv, port, 31, 5s); }));
    CHECK(!other.connected());
    CHECK(refused_naming("group", [&] { c.req_account_summary("All\0x"sv, "NetLiquidation"); }));
    CHECK(refused_naming("tags", [&] { c.req_account_summary("All", "Net\0Liq"sv); }));
    CHECK(refused_naming("group", [&] { c.account_summary("All\0x"sv, "NetLiquidation", 2s); }));
    CHECK(refused_naming("tags", [&] { c.account_summary("All", "Net\0Liq"sv, 2s); }));
    CHECK(refused_naming("account", [&] { c.req_account_updates(evil); }));
    CHECK(refused_naming("account", [&] { c.cancel_account_updates(evil); }));
    CHECK(refused_naming("account", [&] { c.account_updates(evil, 2s); }));
    CHECK(refused_naming("account", [&] { c.req_positions_multi(evil); }));
    CHECK(refused_naming("model_code", [&] { c.req_positions_multi("DU123456", "m\0x"sv); }));
    CHECK(refused_naming("account", [&] { c.req_account_updates_multi(evil); }));
    CHECK(refused_naming("model_code", [&] { c.req_account_updates_multi("DU123456", "m\0x"sv); }));
    CHECK(refused_naming("account", [&] { c.req_pnl(evil); }));
    CHECK(refused_naming("model_code", [&] { c.req_pnl("DU123456", "m\0x"sv); }));
    CHECK(refused_naming("account", [&] { c.req_pnl_single(evil, 265598); }));
    CHECK(refused_naming("model_code", [&] { c.req_pnl_single("DU123456", 265598, "m\0x"sv); }));
    CHECK(refused_naming("connect_options", [&] { tws::Options().connect_options("+PACEAPI\0x"sv); }));
    CHECK(refused_naming("optional_capabilities", [&] { tws::Options().optional_capabilities("a\0b"sv); }));
    CHECK(refused_naming("trace_file", [&] { tws::Options().trace_file("/tmp/tws-trace\0x"sv); }));
    // The engine's one rule for the rest: \x01 refused with the same code, nothing sent.
    CHECK(code_of([&] { c.req_account_updates("DU123456\x01"); }) == TWS_ERR_INVALID_CHARACTER);
    CHECK(code_of([&] { c.req_pnl("DU123456", "\x01"); }) == TWS_ERR_INVALID_CHARACTER);
    CHECK(fence(c));
    {
        const auto got = received_since(mark);
        CHECK(got.size() == 1); // the fence's reqCurrentTime, nothing else (no ClientHello either)
        for (const auto &l : got)
            if (l.find("\"name\":\"ReqCurrentTime\"") == std::string::npos)
                std::fprintf(stderr, "sent although refused: %s\n", l.c_str());
    }

    // A tab is accepted and arrives as given (FA XML and free text need it).
    mark = record_lines().size();
    CHECK(code_of([&] { c.req_account_updates_multi("DU123456", "model\tA"); }) == TWS_OK);
    CHECK(fence(c));
    bool tab = false;
    for (const auto &l : received_since(mark))
        tab |= l.find("\"name\":\"ReqAccountUpdatesMulti\"") != std::string::npos &&
               l.find("\"model_code\":\"model\\tA\"") != std::string::npos;
    CHECK(tab);
}

static std::uint16_t frozen_port = 0; // a tws-sim started with --freeze-after 1 (TWS_FROZEN_SIM)

static void a_frozen_tws_is_a_dead_peer()
{
    CHECK(code_of([&] { tws::Options().liveness(5ms, 1s); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { tws::Options().liveness(-1ms, 1s); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { tws::Options().liveness(0ms, 0ms); }) == TWS_OK); // off
    CHECK(code_of([&] { tws::Options().queue_max_bytes(0); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { tws::Options().queue_max_bytes(1 << 20); }) == TWS_OK);
    {
        tws::Client idle;
        CHECK(code_of([&] { idle.poll(10s); }) == TWS_ERR_NOT_CONNECTED); // at once, no session
    }
    if (frozen_port == 0) {
        std::fprintf(stderr, "TWS_FROZEN_SIM is not set: the frozen-TWS test needs it\n");
        failures++;
        return;
    }
    tws::Client c(tws::Options().liveness(300ms, 300ms).reconnect(false).queue_max_bytes(1 << 20));
    c.connect(HOST, frozen_port, 21);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::optional<tws::StateChanged> lost;
    while (!lost && std::chrono::steady_clock::now() < deadline) {
        auto ev = c.poll(250ms);
        if (!ev)
            continue;
        if (auto *s = std::get_if<tws::StateChanged>(&*ev))
            if (s->state == TWS_STATE_CONNECTION_LOST)
                lost = *s;
    }
    CHECK(lost.has_value());
    CHECK(lost && lost->reason.find("dead-peer") != std::string::npos);
    // Reconnect is off: once the rest is drained, poll says there is no session.
    tws_result rc = TWS_OK;
    for (int i = 0; i < 100 && rc == TWS_OK; i++)
        rc = code_of([&] { c.poll(1s); });
    CHECK(rc == TWS_ERR_NOT_CONNECTED);
}

static void the_order_view_before_any_order()
{
    CHECK(std::string(tws_state_str(TWS_STATE_RECONCILED)) == "Reconciled");
    tws::Client c(tws::Options().order_view_capacity(5));
    c.connect(HOST, port, 23);
    CHECK(!c.order(1).has_value());
    CHECK(c.order_ids().empty());
    CHECK(!c.last_reconciliation().has_value());
}

// ---- the generated layer: every event type converts ----------------------------

template <class T, class = void> struct is_message : std::false_type {};
template <class T> struct is_message<T, std::void_t<decltype(T::event_type)>> : std::true_type {};

static void every_event_type_converts()
{
    // Every incoming message of the catalogue (tws_generated.hpp), as a zeroed
    // C event of its type (every value absent), becomes its own struct.
    int messages = 0;
    for (const std::int32_t type : tws::gen::message_event_types) {
        tws_event ev{};
        ev.type = type;
        const tws::Event e = tws::to_event(ev);
        bool ok = false;
        std::visit(
            [&](const auto &alt) {
                using T = std::decay_t<decltype(alt)>;
                if constexpr (is_message<T>::value)
                    ok = T::event_type == type && std::string(T::message_name).size() > 0;
            },
            e);
        CHECK(ok);
        if (!ok)
            std::fprintf(stderr, "event type %d did not convert to its struct\n", type);
        messages++;
    }
    CHECK(messages >= 19);
    // The engine's own events, and a type this header does not know.
    tws_event ev{};
    ev.type = TWS_EVENT_STATE;
    CHECK(std::holds_alternative<tws::StateChanged>(tws::to_event(ev)));
    ev.type = TWS_EVENT_DECODE_ERROR;
    CHECK(std::holds_alternative<tws::DecodeError>(tws::to_event(ev)));
    ev.type = 31999;
    CHECK(std::holds_alternative<tws::OtherEvent>(tws::to_event(ev)));
    ev = tws_event{};
    ev.type = TWS_EVENT_HISTORY_PACING;
    ev.data.pacing.req_id = 12;
    ev.data.pacing.stage = TWS_PACING_RELEASED;
    ev.data.pacing.rule = TWS_PACING_RULE_WINDOW;
    ev.data.pacing.wait_ms = 1840;
    ev.data.pacing.request = "reqHistoricalTicks";
    const auto paced = std::get<tws::PacingNotice>(tws::to_event(ev));
    CHECK(paced.req_id == 12 && paced.stage == TWS_PACING_RELEASED && paced.rule == TWS_PACING_RULE_WINDOW &&
          paced.wait_ms == 1840 && paced.request == "reqHistoricalTicks");
    // Absent is empty, not a magic number.
    ev = tws_event{};
    ev.type = TWS_EVENT_PNL;
    ev.data.pnl.req_id = 7;
    ev.data.pnl.daily_pnl = 1.5;
    ev.data.pnl.has_daily_pnl = true;
    ev.data.pnl.unrealized_pnl = 99.0; // without its flag: absent
    const auto pnl = std::get<tws::PnL>(tws::to_event(ev));
    CHECK(pnl.req_id == 7 && pnl.daily_pnl == 1.5 && !pnl.unrealized_pnl && !pnl.realized_pnl);
}

static void generic_accessor_builds_what_the_typed_view_builds()
{
    // Real events from the simulator, polled raw: the generic accessor
    // (tws_event_field) gives the same struct as the typed view, and every
    // event with a message reads as a GenericMessage too.
    tws::Client c;
    c.connect(HOST, port, 41);
    tws_client *raw = c.get();
    c.req_current_time();
    c.req_positions();
    c.req_account_updates("DU123456");
    c.req_account_summary("All", "NetLiquidation");
    c.req_positions_multi("DU123456");
    c.req_account_updates_multi("DU123456", "", true);
    c.req_pnl("DU123456");
    c.req_pnl_single("DU123456", 265598);
    c.req_account_updates("DU999999");
    std::vector<std::string> seen;
    auto saw = [&](const std::string &n) { return std::find(seen.begin(), seen.end(), n) != seen.end(); };
    for (int i = 0; i < 3000; i++) {
        tws_event ev;
        if (tws_client_poll(raw, 2000, &ev) != TWS_OK)
            break;
        auto typed = tws::gen::message_event<tws::Event>(ev);
        if (!typed)
            continue;
        auto generic = tws::gen::message_event_from_fields<tws::Event>(ev);
        CHECK(generic.has_value() && generic->index() == typed->index());
        if (auto *e = std::get_if<tws::ErrorMessage>(&*generic)) // derived, not a field
            e->error_class = std::get<tws::ErrorMessage>(*typed).error_class;
        bool same = false;
        std::visit(
            [&](const auto &t) {
                using T = std::decay_t<decltype(t)>;
                if constexpr (is_message<T>::value) {
                    same = std::get<T>(*generic) == t;
                    const char *name = tws_event_message_name(&ev);
                    CHECK(name && std::string(name) == T::message_name);
                    if (!saw(T::message_name))
                        seen.push_back(T::message_name);
                }
            },
            *typed);
        CHECK(same);
        const auto g = tws::generic_message(ev);
        CHECK(g && g->type == ev.type && !g->fields.empty() == (tws_event_field_count(&ev) > 0));
        if (saw("PnL") && saw("PnLSingle") && saw("AccountDownloadEnd") && saw("PositionEnd") &&
            saw("AccountSummaryEnd") && saw("Error") && saw("PositionMultiEnd") && saw("AccountUpdateMultiEnd"))
            break;
    }
    for (const char *n : {"Error", "NextValidId", "ManagedAccounts", "CurrentTime", "Position", "PositionEnd",
                          "AccountValue", "PortfolioValue", "AccountUpdateTime", "AccountDownloadEnd",
                          "AccountSummary", "AccountSummaryEnd", "PositionMulti", "PositionMultiEnd",
                          "AccountUpdateMulti", "AccountUpdateMultiEnd", "PnL", "PnLSingle"}) {
        CHECK(saw(n));
        if (!saw(n))
            std::fprintf(stderr, "no %s event seen\n", n);
    }
}

static void records_are_set_by_name()
{
    tws::Record c("Contract");
    c.set_int("con_id", 265598).set_string("symbol", "AAPL").set_double("strike", 0.0).set_string("multiplier", "100");
    CHECK(c.get() != nullptr);
    CHECK(code_of([&] { c.set_string("no_such_field", "x"); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { c.set_string("con_id", "265598"); }) == TWS_ERR_INVALID_ARGUMENT); // another kind
    CHECK(code_of([] { tws::Record r("NoSuchRecord"); }) == TWS_ERR_INVALID_ARGUMENT);
    using namespace std::string_view_literals;
    CHECK(refused_naming("value", [&] { c.set_string("symbol", "AA\0PL"sv); }));
    tws::Record moved(std::move(c));
    CHECK(c.get() == nullptr && moved.get() != nullptr);
    CHECK(code_of([&] { c.set_int("con_id", 1); }) == TWS_ERR_NULL_ARGUMENT);
}

static void requests_are_sent_generically()
{
    // Any request of the catalogue as a tws::Record, sent with Client::send;
    // the simulator answers as it answers the typed methods.
    tws::Client c;
    c.connect(HOST, port, 42);
    c.send(tws::Record("ReqCurrentTime"));
    tws::Record sum("ReqAccountSummary");
    sum.set_int("req_id", 21).set_string("group", "All").set_string("tags", "NetLiquidation");
    c.send(sum);
    bool time = false, end = false;
    int rows = 0;
    for (int i = 0; i < 500 && !(time && end); i++) {
        auto ev = c.poll(2s);
        if (!ev)
            break;
        if (std::get_if<tws::CurrentTime>(&*ev))
            time = true;
        if (auto *r = std::get_if<tws::AccountSummary>(&*ev); r && r->req_id == 21 && r->tag == "NetLiquidation")
            rows++;
        if (auto *e = std::get_if<tws::AccountSummaryEnd>(&*ev); e && e->req_id == 21)
            end = true;
    }
    CHECK(time && end && rows == 2);
    tws::Record cancel("CancelAccountSummary");
    cancel.set_int("req_id", 21);
    c.send(cancel);

    // Refusals name what is wrong; nothing reaches the wire.
    CHECK(code_of([] { tws::Record r("ReqNothing"); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { tws::Record r("ReqCurrentTime"); r.set_int("bogus", 1); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { cancel.set_string("req_id", "21"); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { c.send(tws::Record("CancelAccountSummary")); }) == TWS_ERR_INVALID_ARGUMENT); // req_id
    CHECK(code_of([&] { c.send(tws::Record("Contract")); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { tws::Record r("ReqCurrentTime"); r.set_record("contract", tws::Record("Contract")); }) ==
          TWS_ERR_INVALID_ARGUMENT);
    using namespace std::string_view_literals;
    CHECK(refused_naming("value", [&] { sum.set_string("tags", "Net\0Liq"sv); }));
    sum.set_string("tags", "Net\x01Liq");
    CHECK(code_of([&] { c.send(sum); }) == TWS_ERR_INVALID_CHARACTER);
    try {
        tws::Record r("ReqCurrentTime");
        r.set_int("bogus", 1);
    } catch (const tws::Error &e) {
        CHECK(e.detail().find("bogus") != std::string::npos);
    }
    tws::Client idle;
    CHECK(code_of([&] { idle.send(tws::Record("ReqCurrentTime")); }) == TWS_ERR_NOT_CONNECTED);
}

template <class T, class = void> struct has_message_name : std::false_type {};
template <class T> struct has_message_name<T, std::void_t<decltype(T::message_name)>> : std::true_type {};
template <class T, class = void> struct has_req_id : std::false_type {};
template <class T> struct has_req_id<T, std::void_t<decltype(std::declval<T>().req_id)>> : std::true_type {};

static void instruments_and_quotes()
{
    tws::Client c;
    // Refusals before connecting.
    CHECK(code_of([&] { c.req_mkt_data(tws::stock("AAPL")); }) == TWS_ERR_NOT_CONNECTED);
    CHECK(code_of([&] { tws::stock(std::string_view("AA\0PL", 5)); }) == TWS_ERR_INVALID_CHARACTER);
    CHECK(code_of([&] { c.req_mkt_data(tws::Record("ReqAccountSummary"), "", false, false, {}, 1); }) ==
          TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { c.req_mkt_data(tws::stock("AAPL"), "", false, false, {{"a", std::string("b\0c", 3)}}, 1); }) ==
          TWS_ERR_INVALID_CHARACTER);
    CHECK(!c.quote(1));
    CHECK(tws::tick_type_name(1) == "BID" && tws::tick_type_name(45) == "LAST_TIMESTAMP");
    CHECK(tws::tick_type_name(-1) == "UNKNOWN");
    CHECK(tws::error_code_name(200) == std::optional<std::string>("NO_SECURITY_DEFINITION"));
    CHECK(!tws::error_code_name(424242) && tws::error_code_meaning(354));
    CHECK(tws::error_code_class(10167) == TWS_ERROR_CLASS_NOTICE);

    c.connect(HOST, port, 51, 5s);
    const tws::Record aapl = tws::stock("AAPL");
    CHECK(code_of([&] { c.req_mkt_data(aapl, "", false, false, {}, -2); }) == TWS_ERR_INVALID_ARGUMENT);

    // Blocking calls, built by the events' own conversion.
    const auto rows = c.contract_details(aapl);
    CHECK(rows.size() == 1 && rows[0].contract.con_id == 265598 && rows[0].details.long_name == "APPLE INC");
    try {
        c.contract_details(tws::stock("NOPE"));
        CHECK(false);
    } catch (const tws::Error &e) {
        CHECK(e.code() == TWS_ERR_REQUEST_FAILED && e.tws_code() == 200);
    }
    const auto samples = c.matching_symbols("AAP");
    const auto *typed_samples = std::get_if<tws::SymbolSamples>(&samples);
    CHECK(typed_samples && !typed_samples->descriptions.empty() &&
          typed_samples->descriptions[0].contract.symbol == "AAPL");
    CHECK(!c.sec_def_opt_params("AAPL", "STK", 265598).empty());
    const auto rule = c.market_rule(26);
    const auto *typed_rule = std::get_if<tws::MarketRule>(&rule);
    CHECK(typed_rule && typed_rule->market_rule_id == 26 && !typed_rule->price_increments.empty());
    CHECK(code_of([&] { c.market_rule(999999, 300ms); }) == TWS_ERR_TIMEOUT);
    c.mkt_depth_exchanges();
    c.family_codes();
    const tws::Quote snap = c.snapshot_quote(aapl);
    CHECK(snap.bid && snap.ask && *snap.ask >= *snap.bid && snap.bid_size && snap.updated_at > 0);

    // The quote view follows without draining.
    const std::int32_t id = c.req_mkt_data(aapl, "233", false, false, {{"k", "v"}});
    CHECK(code_of([&] { c.req_mkt_data(aapl, "", false, false, {}, id); }) == TWS_ERR_DUPLICATE_REQUEST_ID);
    std::optional<tws::Quote> q;
    for (int i = 0; i < 50 && !(q = c.quote(id)).has_value(); i++)
        std::this_thread::sleep_for(100ms);
    for (int i = 0; i < 50 && (!q || !q->bid); i++) {
        std::this_thread::sleep_for(100ms);
        q = c.quote(id);
    }
    CHECK(q && q->bid && q->updated_at > 0);
    const std::uint64_t first = q ? q->updated_at : 0;
    std::this_thread::sleep_for(1200ms);
    q = c.quote(id);
    CHECK(q && q->updated_at > first);
    c.cancel_mkt_data(id);
    CHECK(!c.quote(id));

    // Every other request, answered.
    auto wait_for = [&](const char *message, std::int32_t want_id) {
        const auto end = std::chrono::steady_clock::now() + 12s;
        while (std::chrono::steady_clock::now() < end) {
            auto ev = c.poll(200ms);
            if (!ev)
                continue;
            std::string name;
            std::int64_t rid = -1;
            std::visit(
                [&](const auto &m) {
                    using T = std::decay_t<decltype(m)>;
                    if constexpr (std::is_same_v<T, tws::GenericMessage>) {
                        name = m.name;
                        if (const tws::Field *f = m.find("req_id"))
                            rid = f->int_value;
                    } else if constexpr (has_message_name<T>::value) {
                        name = T::message_name;
                        if constexpr (has_req_id<T>::value)
                            rid = m.req_id;
                    }
                },
                *ev);
            if (name == message && (want_id < 0 || rid == want_id))
                return true;
        }
        return false;
    };
    const std::int32_t stream = c.req_mkt_data(aapl);
    CHECK(wait_for("TickPrice", stream));
    c.cancel_mkt_data(stream);
    const std::int32_t snap_id = c.req_mkt_data(aapl, "", true);
    CHECK(wait_for("TickSnapshotEnd", snap_id));
    const std::int32_t depth = c.req_mkt_depth(aapl, 5, false, {{"a", "b"}});
    CHECK(wait_for("UpdateMktDepth", depth) || wait_for("UpdateMktDepthL2", depth));
    c.cancel_mkt_depth(depth);
    c.cancel_tick_by_tick_data(c.req_tick_by_tick_data(aapl, "BidAsk"));
    const std::int32_t bars = c.req_real_time_bars(aapl);
    CHECK(wait_for("RealTimeBar", bars));
    c.cancel_real_time_bars(bars);
    c.req_market_data_type(3);
    CHECK(code_of([&] { c.req_market_data_type(9); }) == TWS_ERR_INVALID_ARGUMENT);
    c.req_market_data_type(1);
    const std::int32_t cd = c.req_contract_details(aapl);
    CHECK(wait_for("ContractDataEnd", cd));
    c.cancel_contract_data(cd);
    CHECK(wait_for("SymbolSamples", c.req_matching_symbols("MS")));
    CHECK(wait_for("SecDefOptParameterEnd", c.req_sec_def_opt_params("AAPL", "STK", 265598)));
    c.req_market_rule(26);
    CHECK(wait_for("MarketRule", -1));
    c.req_smart_components("a60001");
    c.req_mkt_depth_exchanges();
    CHECK(wait_for("MktDepthExchanges", -1));
    c.req_family_codes();
    CHECK(wait_for("FamilyCodes", -1));
    const auto options = c.contract_details(tws::contract("AAPL", "OPT"));
    CHECK(options.size() > 10);
    if (!options.empty()) {
        tws::Record opt("Contract");
        opt.set_int("con_id", options[0].contract.con_id).set_string("exchange", "SMART");
        const std::int32_t iv = c.calculate_implied_volatility(opt, 5.0, 190.0);
        CHECK(wait_for("TickOptionComputation", iv));
        c.cancel_calculate_implied_volatility(iv);
        const std::int32_t price = c.calculate_option_price(opt, 0.25, 190.0);
        CHECK(wait_for("TickOptionComputation", price));
        c.cancel_calculate_option_price(price);
    }
}

static void lists_and_options_are_typed()
{
    // Replies with lists, tag values and optional records arrive as their
    // generated structs (std::vector, std::optional), never as GenericMessage.
    tws::Client c;
    c.connect(HOST, port, 43);
    tws::Record contract("Contract");
    contract.set_string("symbol", "AAPL").set_string("sec_type", "STK").set_string("currency", "USD");
    tws::Record details("ReqContractDetails");
    details.set_int("req_id", 31).set_record("contract", contract);
    c.send(details);
    tws::Record symbols("ReqMatchingSymbols");
    symbols.set_int("req_id", 32).set_string("pattern", "AAP");
    c.send(symbols);
    tws::Record params("ReqSecDefOptParams");
    params.set_int("req_id", 33)
        .set_string("underlying_symbol", "AAPL")
        .set_string("fut_fop_exchange", "")
        .set_string("underlying_sec_type", "STK")
        .set_int("underlying_con_id", 265598);
    c.send(params);
    std::vector<tws::ContractData> rows;
    std::optional<tws::SymbolSamples> samples;
    std::vector<tws::SecDefOptParameter> chains;
    bool details_end = false, params_end = false, generic = false;
    for (int i = 0; i < 500 && !(details_end && params_end && samples); i++) {
        auto ev = c.poll(2s);
        if (!ev)
            break;
        if (std::get_if<tws::GenericMessage>(&*ev))
            generic = true;
        if (auto *r = std::get_if<tws::ContractData>(&*ev); r && r->req_id == 31)
            rows.push_back(*r);
        if (auto *e = std::get_if<tws::ContractDataEnd>(&*ev); e && e->req_id == 31)
            details_end = true;
        if (auto *s = std::get_if<tws::SymbolSamples>(&*ev); s && s->req_id == 32)
            samples = *s;
        if (auto *p = std::get_if<tws::SecDefOptParameter>(&*ev); p && p->req_id == 33)
            chains.push_back(*p);
        if (auto *e = std::get_if<tws::SecDefOptParameterEnd>(&*ev); e && e->req_id == 33)
            params_end = true;
    }
    CHECK(!generic && details_end && params_end && samples);
    CHECK(rows.size() == 1);
    if (rows.size() == 1) {
        const auto &r = rows[0];
        CHECK(r.contract.symbol == "AAPL" && r.contract.con_id == 265598);
        CHECK(r.contract.combo_legs.empty() && !r.contract.delta_neutral_contract);
        CHECK(r.details.sec_id_list.size() == 1);
        CHECK((r.details.sec_id_list == std::vector<tws::TagValue>{tws::TagValue{"ISIN", "US0378331005"}}));
        CHECK(r.details.ineligibility_reasons.empty());
        CHECK(r.details.order_types.find("LMT") != std::string::npos);
        CHECK(r.details.valid_exchanges.find("SMART") != std::string::npos);
    }
    if (samples) {
        int aapl = 0;
        for (const auto &d : samples->descriptions) {
            if (d.contract.symbol != "AAPL")
                continue;
            aapl++;
            CHECK(d.contract.con_id == 265598);
            CHECK(std::find(d.derivative_sec_types.begin(), d.derivative_sec_types.end(), "OPT") !=
                  d.derivative_sec_types.end());
        }
        CHECK(aapl == 1);
    }
    CHECK(!chains.empty());
    if (!chains.empty()) {
        const auto &p = chains[0];
        CHECK(p.underlying_con_id == 265598 && p.trading_class == "AAPL");
        CHECK(p.expirations.size() == 3);
        for (const auto &e : p.expirations)
            CHECK(e.size() == 8);
        CHECK(!p.strikes.empty() && std::is_sorted(p.strikes.begin(), p.strikes.end()));
    }
}

static void historical_data()
{
    // Dates and times of history as UTC epoch seconds.
    CHECK(tws::parse_hist_time("20261130") == std::optional<std::int64_t>(1795996800));
    CHECK(tws::parse_hist_time("20261130 09:30:00 US/Eastern") == std::optional<std::int64_t>(1795996800 + 52200));
    CHECK(tws::parse_hist_time("20261130-14:30:00") == std::optional<std::int64_t>(1795996800 + 52200));
    CHECK(!tws::parse_hist_time("20261130 09:30:00 Mars/Base"));
    CHECK(code_of([] { tws::Options().history_pacing_rules(1s, 1s, 1, 1s, 10, 5); }) == TWS_ERR_INVALID_ARGUMENT);

    // A burst for one contract waits for the same-contract rule, counted.
    tws::Options o;
    o.history_pacing_rules(400ms, 300ms, 5, 1500ms, 20, 50);
    tws::Client c(o);
    c.connect(HOST, port, 52, 5s);
    const tws::Record aapl = tws::stock("AAPL");
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 6; i++)
        c.req_historical_data(aapl, "", std::to_string(i + 1) + " D", "1 hour", "TRADES", true, 1, false, 300 + i);
    CHECK(std::chrono::steady_clock::now() - start >= 300ms);
    CHECK(c.stat("history_paced") == 1);
    CHECK(c.stat("history_pacing_wait_ms") >= 250);
    // A blocking call the pacing would hold past its timeout fails at once.
    c.req_head_timestamp(aapl, "TRADES", true, 1, 310);
    tws::Options slow;
    slow.history_pacing_rules(30s, 300ms, 5, 1500ms, 20, 50);
    tws::Client d(slow);
    d.connect(HOST, port, 53, 5s);
    d.req_head_timestamp(aapl, "TRADES", true, 1, 1);
    const auto held = std::chrono::steady_clock::now();
    CHECK(code_of([&] { d.head_timestamp(aapl, "TRADES", true, 500ms); }) == TWS_ERR_TIMEOUT);
    CHECK(std::chrono::steady_clock::now() - held < 400ms);
    // Off: the same burst goes at once.
    tws::Options off;
    off.history_pacing(false);
    tws::Client e(off);
    e.connect(HOST, port, 54, 5s);
    for (int i = 0; i < 7; i++)
        e.req_historical_data(aapl, "", std::to_string(i + 1) + " D", "1 hour", "TRADES", true, 1, false, 400 + i);
    CHECK(e.stat("history_paced") == 0);

    // Blocking calls: every bar up to the end marker, typed.
    const auto bars = c.historical_bars(aapl, "20261130 16:00:00 US/Eastern", "1 D", "1 hour");
    CHECK(bars.size() == 7 && bars[0].date == "20261130 09:30:00 US/Eastern");
    CHECK(tws::parse_hist_time(bars.at(6).date) == std::optional<std::int64_t>(1795996800 + 20 * 3600));
    for (const auto &b : bars)
        CHECK(b.low <= b.close && b.close <= b.high && !b.volume.empty());
    CHECK(tws::parse_hist_time(c.head_timestamp(aapl)));
    CHECK(!c.histogram(aapl).empty());
    const auto ticks = c.historical_ticks(aapl, "", "20261130 16:00:00 US/Eastern", 20, "MIDPOINT");
    const auto *mid = std::get_if<tws::HistoricalTicks>(&ticks);
    CHECK(mid && !mid->ticks.empty() && mid->done);
    CHECK(!c.historical_schedule(aapl, "20261130 16:00:00 US/Eastern").sessions.empty());
    try {
        c.historical_bars(tws::stock("NOPE"));
        CHECK(false);
    } catch (const tws::Error &err) {
        CHECK(err.code() == TWS_ERR_REQUEST_FAILED && err.tws_code() == 200);
    }
}

// ---- orders -----------------------------------------------------------------------

static void orders_are_built_placed_and_listed()
{
    tws::Client c;
    const tws::Record aapl = tws::stock("AAPL");
    CHECK(code_of([&] { c.place_order(aapl, tws::limit_order("BUY", "100", 189.5)); }) == TWS_ERR_NOT_CONNECTED);
    CHECK(code_of([&] { tws::limit_order("BUY", "abc", 1.0); }) == TWS_ERR_INVALID_ARGUMENT);
    CHECK(code_of([&] { c.place_order(aapl, aapl); }) == TWS_ERR_INVALID_ARGUMENT);
    c.connect(HOST, port, 61, 5s);
    const std::size_t from = record_lines().size();

    // A conditional parent with the Adaptive algo, held until its child goes.
    tws::Record parent = tws::limit_order("BUY", "100", 189.5);
    parent.set_bool("transmit", false).set_string("algo_strategy", "Adaptive");
    parent.append_tag_value("algo_params", "adaptivePriority", "Patient");
    tws::Record price("OrderCondition");
    price.set_int("condition_type", 1).set_bool("is_more", true).set_int("con_id", 265598);
    price.set_string("exchange", "SMART").set_double("price", 190.5);
    parent.append("conditions", price);
    const std::int64_t parent_id = c.place_order(aapl, parent);
    tws::Record child = tws::order("SELL", "100", "STP");
    child.set_double("aux_price", 185.0).set_int("parent_id", static_cast<std::int32_t>(parent_id));
    const std::int64_t child_id = c.place_order(aapl, child);
    CHECK(child_id == parent_id + 1);
    // A combo with leg prices.
    tws::Record bag = tws::contract("AAPL,MSFT", "BAG");
    for (std::int32_t con_id : {265598, 272093}) {
        tws::Record leg("ComboLeg");
        leg.set_int("con_id", con_id).set_int("ratio", 1).set_string("action", "BUY").set_string("exchange", "SMART");
        bag.append("combo_legs", leg);
    }
    tws::Record spread = tws::limit_order("BUY", "1", 600.0);
    tws::Record leg_price("OrderComboLeg");
    spread.append("order_combo_legs", leg_price.set_double("price", 189.5));
    spread.append_tag_value("smart_combo_routing_params", "NonGuaranteed", "1");
    const std::int64_t combo_id = c.place_order(bag, spread);
    CHECK(combo_id == child_id + 1);
    c.place_order_with_id(parent_id, aapl, parent.set_double("lmt_price", 189.25));
    tws::Record cancel("OrderCancel");
    c.cancel_order(combo_id, cancel.set_string("manual_order_cancel_time", "20261202 10:00:00 UTC"));
    c.cancel_order(child_id);
    c.req_global_cancel();
    c.req_all_open_orders();
    c.req_completed_orders(true);
    tws::Record filter("ExecutionFilter");
    filter.set_string("symbol", "AAPL").append_int("specific_dates", 20261201);
    CHECK(c.req_executions(filter) >= 0);

    // Blocking calls: typed lists (of the orders above, cancelled or filled by now, or going).
    for (const auto &o : c.open_orders(5s))
        CHECK(o.order_id >= parent_id && o.order_id <= combo_id);
    const auto done = c.completed_orders(false, 5s);
    CHECK(std::any_of(done.begin(), done.end(), [](const tws::CompletedOrder &o) {
        return o.order_state.status == "Cancelled";
    }));
    for (const auto &r : c.executions(filter, 5s)) {
        CHECK(r.details.contract.symbol == "AAPL" && !r.details.execution.exec_id.empty());
        CHECK(r.commission && r.commission->exec_id == r.details.execution.exec_id);
    }
    const tws::OrderState margin = c.what_if(tws::stock("SPY"), tws::limit_order("BUY", "100", 500.0), 5s);
    CHECK(std::abs(std::stod(margin.init_margin_change) - 12500.0) < 0.01); // 25% of 100 x 500
    try {
        (void)c.what_if(aapl, tws::limit_order("BUY", "100", 189.503), 5s);
        CHECK(false);
    } catch (const tws::Error &e) {
        CHECK(e.code() == TWS_ERR_REQUEST_FAILED && e.tws_code() == 110);
    }

    // What the simulator received: the ids, and the fields set above.
    std::vector<std::string> placed;
    for (const auto &line : received_since(from))
        if (line.find("\"name\":\"PlaceOrder\"") != std::string::npos)
            placed.push_back(line);
    CHECK(placed.size() == 6); // the orders, the modification and two what-ifs
    if (placed.size() == 6) {
        CHECK(placed[0].find("\"order_id\":" + std::to_string(parent_id) + ",") != std::string::npos);
        CHECK(placed[0].find("\"order.algo_strategy\":\"Adaptive\"") != std::string::npos);
        CHECK(placed[0].find("\"order.conditions\":1") != std::string::npos);
        CHECK(placed[0].find("\"order.transmit\":false") != std::string::npos);
        CHECK(placed[1].find("\"order.parent_id\":" + std::to_string(parent_id)) != std::string::npos);
        CHECK(placed[1].find("\"order.transmit\":true") != std::string::npos);
        CHECK(placed[2].find("\"contract.combo_legs\":2") != std::string::npos);
        CHECK(placed[3].find("\"order.lmt_price\":189.25") != std::string::npos);
        CHECK(placed[4].find("\"order.what_if\":true") != std::string::npos);
    }
}

static void rest_of_the_api()
{
    // The blocking calls of news, scanner, advisors, display groups, WSH and
    // user info, and a one-shot request of the family through send().
    tws::Client c;
    c.connect(HOST, port, 43);
    auto scan = c.scanner_parameters();
    auto *xml = std::get_if<tws::ScannerParameters>(&scan);
    CHECK(xml && xml->xml.find("TOP_PERC_GAIN") != std::string::npos);
    auto providers = c.news_providers();
    auto *np = std::get_if<tws::NewsProviders>(&providers);
    CHECK(np && np->news_providers.size() == 3 && np->news_providers[0].code == "BRFG");
    auto news = c.historical_news(265598, "BRFG", "", "", 2);
    CHECK(news.size() == 3); // two headlines and the end
    auto *first = news.empty() ? nullptr : std::get_if<tws::HistoricalNews>(&news[0]);
    CHECK(first && first->headline.find("AAPL") != std::string::npos);
    if (first) {
        auto article = c.news_article("BRFG", first->article_id);
        auto *a = std::get_if<tws::NewsArticle>(&article);
        CHECK(a && a->article_text.find(first->article_id) != std::string::npos);
    }
    CHECK(code_of([&] { c.news_article("NOPE", "x"); }) == TWS_ERR_REQUEST_FAILED);
    auto fa = c.request_fa(1);
    auto *f = std::get_if<tws::ReceiveFa>(&fa);
    CHECK(f && f->cxml.find("<ListOfGroups>") != std::string::npos);
    auto groups = c.query_display_groups();
    auto *g = std::get_if<tws::DisplayGroupList>(&groups);
    CHECK(g && g->groups == "1|2|3");
    auto user = c.user_info();
    CHECK(std::get_if<tws::UserInfo>(&user) != nullptr);
    auto meta = c.wsh_meta_data();
    auto *m = std::get_if<tws::WshMetaData>(&meta);
    CHECK(m && m->data_json.find("wshe_ed") != std::string::npos);

    tws::Record bulletins("ReqNewsBulletins");
    bulletins.set_bool("all_msgs", true);
    c.send(bulletins);
    bool seen = false;
    for (int i = 0; i < 100 && !seen; i++) {
        auto ev = c.poll(2s);
        if (!ev)
            break;
        seen = std::get_if<tws::UpdateNewsBulletin>(&*ev) != nullptr;
    }
    CHECK(seen);
}

int main()
{
    const char *p = std::getenv("TWS_SIM_PORT");
    if (!p) {
        std::fprintf(stderr, "TWS_SIM_PORT is not set (run under scripts/with-sim.sh)\n");
        return 2;
    }
    port = static_cast<std::uint16_t>(std::atoi(p));
    record_path = std::getenv("TWS_SIM_RECORD");
    if (const char *f = std::getenv("TWS_FROZEN_SIM"))
        frozen_port = static_cast<std::uint16_t>(std::atoi(f));
    CHECK(tws::version() == std::to_string(TWS_VERSION_MAJOR) + "." + std::to_string(TWS_VERSION_MINOR) + "." +
                                std::to_string(TWS_VERSION_PATCH));
    try {
        account_summary_rows_are_complete();
        events_by_poll();
        errors_carry_their_code();
        moves_transfer_ownership();
        callbacks_run_on_the_dispatch_thread();
        callback_cleared_returns_to_poll();
        log_and_trace();
        positions_are_complete_and_exact();
        account_updates_snapshot();
        account_data_events();
        strings_arrive_exactly_or_not_at_all();
        a_frozen_tws_is_a_dead_peer();
        the_order_view_before_any_order();
        every_event_type_converts();
        generic_accessor_builds_what_the_typed_view_builds();
        records_are_set_by_name();
        requests_are_sent_generically();
        instruments_and_quotes();
        lists_and_options_are_typed();
        historical_data();
        orders_are_built_placed_and_listed();
        rest_of_the_api();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        failures++;
    }
    std::printf("cpp tests: %s (%d failures)\n", failures ? "FAILED" : "passed", failures);
    return failures ? 1 : 0;
}

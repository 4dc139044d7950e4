// Tests of the C++ wrapper against tws-sim (port in TWS_SIM_PORT, set by
// scripts/with-sim.sh). Run plain and under valgrind by `make cpp-test`.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

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

int main()
{
    const char *p = std::getenv("TWS_SIM_PORT");
    if (!p) {
        std::fprintf(stderr, "TWS_SIM_PORT is not set (run under scripts/with-sim.sh)\n");
        return 2;
    }
    port = static_cast<std::uint16_t>(std::atoi(p));
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
    } catch (const std::exception &e) {
        std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        failures++;
    }
    std::printf("cpp tests: %s (%d failures)\n", failures ? "FAILED" : "passed", failures);
    return failures ? 1 : 0;
}

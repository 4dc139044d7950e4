// The libtws hello world in C++: connect, subscribe to the account summary
// (group "All", every tag), print each row until the end marker, disconnect.
// Prints the same lines as examples-c/account_summary.c.
//
//   account_summary [HOST [PORT [CLIENT_ID]]]     defaults: 127.0.0.1 7497 0
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "tws.hpp"

namespace {
template <class... F> struct overloaded : F... { using F::operator()...; };
template <class... F> overloaded(F...) -> overloaded<F...>;
} // namespace

int main(int argc, char **argv)
{
    if (argc > 4) {
        std::cerr << "usage: account_summary [HOST [PORT [CLIENT_ID]]]\n";
        return 2;
    }
    const std::string host = argc > 1 ? argv[1] : "127.0.0.1";
    const int port = argc > 2 ? std::atoi(argv[2]) : 7497;
    const int client_id = argc > 3 ? std::atoi(argv[3]) : 0;
    try {
        tws::Client client;
        client.connect(host, static_cast<std::uint16_t>(port), client_id, std::chrono::seconds(10));
        const std::int32_t req_id = client.req_account_summary("All", tws::all_account_summary_tags());
        for (;;) {
            auto event = client.poll(std::chrono::seconds(30));
            if (!event) {
                std::cerr << "account_summary: no accountSummaryEnd within 30 s\n";
                return 1;
            }
            bool done = false;
            std::visit(overloaded{
                           [](const tws::AccountSummary &r) {
                               std::printf("AccountSummary. ReqId: %d Account: %s Tag: %s Value: %s Currency: %s\n",
                                           r.req_id, r.account.c_str(), r.tag.c_str(), r.value.c_str(),
                                           r.currency.c_str());
                           },
                           [&](const tws::AccountSummaryEnd &e) {
                               std::printf("AccountSummaryEnd. ReqId: %d\n", e.req_id);
                               done = true;
                           },
                           [](const tws::ErrorMessage &e) {
                               const char *kind = e.error_class == TWS_ERROR_CLASS_NOTICE    ? "Notice"
                                                  : e.error_class == TWS_ERROR_CLASS_WARNING ? "Warning"
                                                  : e.error_class == TWS_ERROR_CLASS_CONNECTIVITY ? "Connectivity"
                                                                                                 : "Error";
                               std::cerr << kind << ' ' << e.code << " (id " << e.req_id << "): " << e.message << '\n';
                           },
                           [](const auto &) {},
                       },
                       *event);
            if (done) {
                client.cancel_account_summary(req_id);
                client.disconnect();
                return 0;
            }
        }
    } catch (const tws::Error &e) {
        std::cerr << "account_summary: " << e.what() << '\n';
        if (e.code() == TWS_ERR_CONNECTION_REFUSED)
            std::cerr << "account_summary: is TWS or IB Gateway running with the API enabled on that port?\n";
        return 1;
    }
}

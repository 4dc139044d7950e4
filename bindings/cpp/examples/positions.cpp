// Positions in C++: connect, request every position of every account, print
// one line per position, stop at positionEnd, disconnect. Prints the same
// lines as examples-c/positions.c.
//
//   positions [HOST [PORT [CLIENT_ID]]]     defaults: 127.0.0.1 7497 0
//
// Quantities are printed exactly as TWS sent them (fractional shares exist);
// the average cost is a double, printed with up to 10 significant digits.
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
        std::cerr << "usage: positions [HOST [PORT [CLIENT_ID]]]\n";
        return 2;
    }
    const std::string host = argc > 1 ? argv[1] : "127.0.0.1";
    const int port = argc > 2 ? std::atoi(argv[2]) : 7497;
    const int client_id = argc > 3 ? std::atoi(argv[3]) : 0;
    try {
        tws::Client client;
        client.connect(host, static_cast<std::uint16_t>(port), client_id, std::chrono::seconds(10));
        client.req_positions();
        for (;;) {
            auto event = client.poll(std::chrono::seconds(30));
            if (!event) {
                std::cerr << "positions: no positionEnd within 30 s\n";
                return 1;
            }
            bool done = false, lost = false;
            std::visit(overloaded{
                           [](const tws::Position &p) {
                               std::printf("Position. Account: %s Symbol: %s SecType: %s Currency: %s "
                                           "Position: %s Avg cost: %.10g\n",
                                           p.account.c_str(), p.contract.symbol.c_str(),
                                           p.contract.sec_type.c_str(), p.contract.currency.c_str(),
                                           p.position.c_str(), p.avg_cost);
                           },
                           [&](const tws::PositionEnd &) { done = true; },
                           [](const tws::ErrorMessage &e) {
                               std::cerr << "ERROR " << e.code << " (id " << e.req_id << "): " << e.message << '\n';
                           },
                           [&](const tws::StateChanged &s) {
                               if (s.state == TWS_STATE_CONNECTION_LOST) {
                                   std::cerr << "positions: connection lost: " << s.reason << '\n';
                                   lost = true;
                               }
                           },
                           [](const auto &) {},
                       },
                       *event);
            if (lost)
                return 1;
            if (done) {
                client.cancel_positions();
                client.disconnect();
                return 0;
            }
        }
    } catch (const tws::Error &e) {
        std::cerr << "positions: " << e.what() << '\n';
        return 1;
    }
}

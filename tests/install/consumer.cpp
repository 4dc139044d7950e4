// An out-of-tree C++ program built against an installed libtws (pkg-config or
// CMake find_package + tws::tws_cpp): includes the installed tws.hpp, prints
// the hello world lines from the blocking account-summary call.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <tws.hpp>

static_assert(__cplusplus >= 201703L, "tws.hpp needs C++17");

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s HOST PORT CLIENT_ID\n", argv[0]);
        return 2;
    }
    const std::string expected = std::to_string(TWS_VERSION_MAJOR) + "." + std::to_string(TWS_VERSION_MINOR) + "." +
                                 std::to_string(TWS_VERSION_PATCH);
    if (tws::version() != expected) {
        std::fprintf(stderr, "header %s but library %s\n", expected.c_str(), tws::version().c_str());
        return 1;
    }
    try {
        tws::Client client;
        client.connect(argv[1], static_cast<std::uint16_t>(std::atoi(argv[2])), std::atoi(argv[3]));
        for (const auto &row : client.account_summary("All"))
            std::printf("AccountSummary. ReqId: 0 Account: %s Tag: %s Value: %s Currency: %s\n",
                        row.account.c_str(), row.tag.c_str(), row.value.c_str(), row.currency.c_str());
        std::printf("AccountSummaryEnd. ReqId: 0\n");
    } catch (const tws::Error &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}

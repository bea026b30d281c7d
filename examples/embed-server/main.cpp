// Jambo's HTTP API served from inside another program: what `jambo serve` wires, with the
// program's own settings and shutdown. Usage: embed_server [DATABASE [PORT [MAIL_DIR]]]. It
// stops on SIGINT, SIGTERM or SIGHUP, as this program chooses.
#include <jambo/core/services/customer_service.hpp>
#include <jambo/core/services/erasure_service.hpp>
#include <jambo/http/api.hpp>
#include <jambo/http/server.hpp>
#include <jambo/smtp/directory_transport.hpp>
#include <jambo/smtp/outbox_relay.hpp>
#include <jambo/sodium/sodium.hpp>
#include <jambo/sqlite/sqlite_store.hpp>

#include <iostream>
#include <string>

using namespace jambo;

int main(int argc, char** argv) {
    const std::string db = argc > 1 ? argv[1] : "embedded-server.db";
    const auto port = static_cast<std::uint16_t>(argc > 2 ? std::stoi(argv[2]) : 8080);
    const std::string mail_dir = argc > 3 ? argv[3] : "embedded-mail";

    // Declared in the order they depend on each other, so they are destroyed the other way round.
    sqlite::SqliteStore store({.path = db});
    core::SystemClock clock;
    sodium::SodiumRandom random;
    sodium::Blake2bHasher hasher;
    core::UlidGenerator ulids(clock, random);
    core::Policy policy;
    policy.public_url = "http://localhost:" + std::to_string(port);  // the base of deletion links
    core::CustomerService customers(store, clock, random, hasher, ulids, policy);
    core::ErasureService erasure(store, clock, random, hasher, policy);

    // Deletion links go out through a durable outbox; this relay writes them as .eml files
    // (smtp::CurlSmtpTransport sends them to a relay). One relay per database: two would each
    // send every message.
    smtp::DirectoryMailTransport transport(mail_dir);
    smtp::OutboxRelay relay(store, clock, transport, {});
    erasure.on_mail_queued([&relay] { relay.notify(); });  // else mail waits for the next minute's pass

    const http::Api api({customers, erasure, store, policy}, {});
    http::ServerOptions options;
    options.port = port;
    options.threads = 2;
    options.handle_signals = true;  // this program has no signal handling of its own
    // Writes wait for the store's group commit: may_block sends them off the I/O threads, and
    // handle_async lets registrations and updates wait without holding a thread at all.
    http::Server server(
        options, [&api](http::Request& request) { return api.handle(request); }, &http::Api::may_block,
        [&api](http::Request& request, const http::Responder& respond) { return api.handle_async(request, respond); });

    relay.start();
    server.catch_signals();  // from here a SIGTERM is a graceful stop
    std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;
    server.run();
    relay.stop();  // undelivered mail stays queued for the next start
    std::cout << "stopped" << std::endl;
}

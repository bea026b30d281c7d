// The `jambo` executable: parse, wire, run. Everything else lives in the libraries.
#include <jambo/app/commands.hpp>
#include <jambo/app/config.hpp>
#include <jambo/app/logging.hpp>

#include <csignal>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
    // Sockets are written with MSG_NOSIGNAL; what is left is standard error. When whatever reads
    // the log goes away (`| tee`, a restarting log shipper), its next line must cost that line,
    // not the server.
    std::signal(SIGPIPE, SIG_IGN);
    auto parsed = jambo::app::parse_command_line(argc, argv);
    if (const auto* exit = std::get_if<jambo::app::EarlyExit>(&parsed)) {
        std::cout << exit->out;
        std::cerr << exit->err;
        return exit->code;
    }
    auto& invocation = std::get<jambo::app::Invocation>(parsed);
    invocation.config.serve.smtp_password_in_arguments = jambo::app::hide_smtp_password(argc, argv);
    int status = 1;
    try {
        jambo::app::setup_logging(invocation.config.log_level, invocation.config.log_format);
        status = jambo::app::run_command(invocation, std::cout, std::cerr);
    } catch (const std::exception& e) {
        const bool json_log = invocation.command.kind == jambo::app::CommandKind::serve &&
                              invocation.config.log_format == jambo::app::LogFormat::json;
        std::cerr << jambo::app::failure_line(e.what(), json_log) << '\n';
    }
    jambo::app::stop_logging();
    return status;
}

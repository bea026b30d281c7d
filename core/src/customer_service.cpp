#include <jambo/core/services/customer_service.hpp>

#include <jambo/core/mail_record.hpp>
#include <jambo/core/services/unit_of_work.hpp>


#include <algorithm>
#include <limits>
#include <string>
#include <variant>

namespace jambo::core {

namespace {

// Today in UTC, the server's time: "not in the future" is judged by one clock for everyone
// (decisions.md says what that means east of UTC).
std::chrono::year_month_day today(const Clock& clock) {
    return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(clock.now())};
}

// Every field of `candidate` that another customer already holds, among those not in `bad`
// (a field that failed its own rule has no value to compare).
FieldErrors uniqueness_errors(CustomerRepository& customers, const Customer& candidate,
                              const std::optional<Ulid>& self, const FieldErrors& bad = {}) {
    FieldErrors errors;
    if (!bad.contains("email") && customers.email_taken(candidate.email_key(), self)) {
        errors["email"].emplace_back(messages::duplicate_email);
    }
    if (!bad.contains("phone_number") && customers.phone_taken(candidate.phone_number, self)) {
        errors["phone_number"].emplace_back(messages::duplicate_phone);
    }
    return errors;
}

// A draft that failed validation, with its taken email or phone number reported beside the
// other fields' errors: all bad fields at once, as DRF, whose unique validators belong to the
// fields. Only refused drafts are probed, so valid writes pay nothing for it.
Error invalid_draft(CustomerRepository& customers, CheckedCustomer checked, const std::optional<Ulid>& self) {
    checked.errors.merge(uniqueness_errors(customers, checked.customer, self, checked.errors));
    return Error::validation(std::move(checked.errors));
}

// The store's unique indexes decide whether a write collides: probing email and phone first
// would cost every write two lookups under the write lock for what is rare. Once an index
// refuses, both fields are probed in the same transaction, so a request that reuses an email
// and a phone number hears about both at once.
Error collision_error(CustomerRepository& customers, const Customer& candidate, const std::optional<Ulid>& self,
                      UniqueField refused) {
    FieldErrors errors = uniqueness_errors(customers, candidate, self);
    if (errors.empty()) {
        if (refused == UniqueField::email) {
            errors["email"].emplace_back(messages::duplicate_email);
        } else {
            errors["phone_number"].emplace_back(messages::duplicate_phone);
        }
    }
    return Error::validation(std::move(errors));
}

// A positive whole number, as a page number or a page size must be, read as Python's int()
// reads one (Django's paginator and DRF's page_size do): surrounding white space (Python's,
// as trim() strips it), a `+`, ASCII digits with single underscores between them. Digits past
// any integer's range saturate: a page past the end, a page size that is capped, not an
// unusable number.
std::optional<std::uint64_t> parse_positive(std::string_view text) {
    // int() strips what str.isspace() calls white space except the separators U+001C..U+001F.
    const auto separator = [](char c) { return c >= '\x1c' && c <= '\x1f'; };
    if (!is_valid_utf8(text) || std::ranges::any_of(text, separator)) return std::nullopt;
    text = trim(text);
    if (text.empty()) return std::nullopt;
    if (text.front() == '+') text.remove_prefix(1);
    std::uint64_t value = 0;
    bool after_digit = false;
    for (const char c : text) {
        if (c == '_' && after_digit) {
            after_digit = false;
            continue;
        }
        if (c < '0' || c > '9') return std::nullopt;  // a `-` too: no negative number is positive
        const auto digit = static_cast<std::uint64_t>(c - '0');
        constexpr auto max = std::numeric_limits<std::uint64_t>::max();
        value = value > (max - digit) / 10 ? max : value * 10 + digit;
        after_digit = true;
    }
    if (!after_digit || value == 0) return std::nullopt;  // no digits, an underscore last, or zero
    return value;
}

Result<Customer> require_staff_target(Transaction& tx, const Principal& who, std::string_view ulid_text) {
    if (who.role != Role::staff) return std::unexpected(Error::forbidden());
    const auto ulid = Ulid::parse(ulid_text);
    auto customer = ulid ? tx.customers().find(*ulid) : std::nullopt;
    if (!customer) return std::unexpected(Error::not_found());
    return std::move(*customer);
}

}  // namespace

CustomerService::CustomerService(Store& store, const Clock& clock, RandomSource& random, const TokenHasher& hasher,
                                 UlidGenerator& ulids, Policy policy)
    : store_(store), clock_(clock), random_(random), hasher_(hasher), ulids_(ulids), policy_(normalised(std::move(policy))),
      authenticator_(hasher) {}

ValidationSettings CustomerService::validation_settings() const {
    return ValidationSettings{policy_.default_calling_code, today(clock_)};
}

Result<Registration> CustomerService::register_customer(const CustomerDraft& draft) {
    return wait_for<Registration>([&](Completion<Registration> then) { register_customer(draft, std::move(then)); });
}

namespace {

// What a registration's write needs, made before the write lock is taken.
struct NewRegistration {
    Customer customer;
    std::string token;
    TokenHash token_hash;
};

}  // namespace

void CustomerService::register_customer(const CustomerDraft& draft, Completion<Registration> then) {
    auto prepare = [&]() -> std::variant<Result<Registration>, NewRegistration> {
        auto checked = check_customer(draft, DraftMode::full, Customer{}, validation_settings());
        if (!checked.errors.empty()) {
            return in_transaction(store_, TransactionMode::read, [&](Transaction& tx) -> Result<Registration> {
                return std::unexpected(invalid_draft(tx.customers(), std::move(checked), std::nullopt));
            });
        }
        // The token needs no write lock: made and hashed before taking it, as a store with one
        // writer (the SQLite store) serialises everything that runs inside.
        Secret token = make_bearer_token(random_);
        const TokenHash token_hash = hasher_.hash(token.text);
        return NewRegistration{std::move(checked.customer), std::move(token.text), token_hash};
    };
    auto write = [this](NewRegistration fresh) {
        return [this, fresh = std::move(fresh)](Transaction& tx) mutable -> Result<Registration> {
            auto& customer = fresh.customer;
            // The ulid is taken inside the write lock so ulid order is commit order.
            follow_stored_ulids(tx);
            customer.ulid = ulids_.next();
            if (auto inserted = tx.customers().insert(customer); !inserted) {
                return std::unexpected(collision_error(tx.customers(), customer, std::nullopt, inserted.error()));
            }
            tx.credentials().insert(
                Credential{fresh.token_hash, Principal{Role::customer, customer.ulid}, clock_.now(), false});
            return Registration{customer, fresh.token};
        };
    };
    submit_prepared(store_, prepare, write, std::move(then));
}

// The list is in ulid order, which the contract calls creation order: after a restart with
// the clock behind the newest stored ulid (corrected by NTP, a VM restored), new customers
// must still sort after it. Once per service; later ones follow the generator's own last.
void CustomerService::follow_stored_ulids(Transaction& tx) {
    if (ulids_follow_store_.load(std::memory_order_acquire)) return;
    auto& customers = tx.customers();
    if (const auto count = customers.count(); count > 0) {
        const auto newest = customers.page(count - 1, 1);
        if (!newest.empty()) ulids_.follow(newest.front().ulid);
    }
    ulids_follow_store_.store(true, std::memory_order_release);
}

Result<Customer> CustomerService::get(const Credentials& credentials, std::string_view ulid_text) {
    return in_transaction(store_, TransactionMode::read, [&](Transaction& tx) -> Result<Customer> {
        const auto who = authenticator_.authenticate(tx, credentials);
        if (!who) return std::unexpected(who.error());
        const auto ulid = Ulid::parse(ulid_text);
        if (who->role == Role::customer) {
            // A customer learns nothing about other ulids, not even whether they exist.
            if (!ulid || *ulid != who->subject) return std::unexpected(Error::forbidden());
        }
        auto customer = ulid ? tx.customers().find(*ulid) : std::nullopt;
        if (!customer) return std::unexpected(Error::not_found());
        return std::move(*customer);
    });
}

Result<Listing> CustomerService::list(const Credentials& credentials, const PageRequest& request) {
    return in_transaction(store_, TransactionMode::read, [&](Transaction& tx) -> Result<Listing> {
        const auto who = authenticator_.authenticate(tx, credentials);
        if (!who) return std::unexpected(who.error());
        if (who->role == Role::customer) {
            auto self = tx.customers().find(who->subject);
            if (!self) return std::unexpected(Error::unauthenticated(messages::invalid_token));
            return Listing{std::move(*self)};
        }

        CustomerPage page;
        std::uint32_t size = policy_.default_page_size;
        // As DRF: an unusable page_size falls back to the default, a large one is capped. A
        // page_size given, usable or not, stays in the links as the size used.
        if (request.page_size) {
            if (const auto given = parse_positive(*request.page_size)) {
                size = static_cast<std::uint32_t>(std::min<std::uint64_t>(*given, policy_.max_page_size));
            }
            page.page_size_param = size;
        }
        page.count = tx.customers().count();

        // An empty `after` is no cursor, as an empty page is page 1.
        if (request.after && !request.after->empty()) {
            const auto after = Ulid::parse(*request.after);
            if (!after) return std::unexpected(Error::not_found(messages::invalid_page));
            page.customers = tx.customers().after(*after, size + 1);
            if (page.customers.size() > size) {
                page.customers.pop_back();
                page.next = PageCursor{page.customers.back().ulid};
            }
            return Listing{std::move(page)};
        }

        // An empty page is page 1, as DRF's `get('page') or 1` makes it.
        const auto number = request.page && !request.page->empty() ? parse_positive(*request.page)
                                                                    : std::optional<std::uint64_t>{1};
        if (!number) return std::unexpected(Error::not_found(messages::invalid_page));
        const std::uint64_t pages = page.count == 0 ? 1 : (page.count + size - 1) / size;
        if (*number > pages) return std::unexpected(Error::not_found(messages::invalid_page));
        page.customers = tx.customers().page((*number - 1) * size, size);
        if (*number < pages) page.next = PageCursor{*number + 1};
        if (*number > 1) page.previous = PageCursor{*number - 1};
        return Listing{std::move(page)};
    });
}

Result<Customer> CustomerService::save_update(Transaction& tx, const Customer& current, const CustomerDraft& draft,
                                              DraftMode mode) {
    auto checked = check_customer(draft, mode, current, validation_settings());
    if (!checked.errors.empty()) return std::unexpected(invalid_draft(tx.customers(), std::move(checked), current.ulid));
    if (auto saved = tx.customers().update(checked.customer); !saved) {
        return std::unexpected(collision_error(tx.customers(), checked.customer, current.ulid, saved.error()));
    }
    if (checked.customer.email_key() != current.email_key()) drop_queued_mail(tx, current.ulid);
    return std::move(checked.customer);
}

// After a change of address the links mailed to the old one answer 404 (decisions.md), so
// mail still queued would tell the old address, perhaps no longer the customer's, that this
// service holds a record for it, and keep it on file: it goes, recorded as given up.
void CustomerService::drop_queued_mail(Transaction& tx, const Ulid& customer) const {
    for (const auto& message : tx.outbox().queued_for(customer)) {
        if (!tx.outbox().remove(message.id)) continue;
        tx.audit().append(AuditEntry{0, clock_.now(), audit_event::mail_abandoned, customer.to_string(),
                                     handled_mail_detail("address changed: its link stopped working", message)});
    }
}

Result<Customer> CustomerService::own_record(Transaction& tx, const Credentials& credentials) const {
    const auto who = authenticator_.authenticate(tx, credentials);
    if (!who) return std::unexpected(who.error());
    if (who->role != Role::customer) return std::unexpected(Error::forbidden());
    auto current = tx.customers().find(who->subject);
    if (!current) return std::unexpected(Error::unauthenticated(messages::invalid_token));
    return std::move(*current);
}

Result<Customer> CustomerService::staff_target(Transaction& tx, const Credentials& credentials,
                                               std::string_view ulid) const {
    const auto who = authenticator_.authenticate(tx, credentials);
    if (!who) return std::unexpected(who.error());
    return require_staff_target(tx, *who, ulid);
}

Result<void> CustomerService::authorize_update_self(const Credentials& credentials) {
    return in_transaction(store_, TransactionMode::read, [&](Transaction& tx) -> Result<void> {
        if (auto current = own_record(tx, credentials); !current) return std::unexpected(current.error());
        return {};
    });
}

Result<void> CustomerService::authorize_update(const Credentials& credentials, std::string_view ulid) {
    return in_transaction(store_, TransactionMode::read, [&](Transaction& tx) -> Result<void> {
        if (auto current = staff_target(tx, credentials, ulid); !current) return std::unexpected(current.error());
        return {};
    });
}

Result<Customer> CustomerService::update_self(const Credentials& credentials, const CustomerDraft& draft,
                                              DraftMode mode) {
    return wait_for<Customer>(
        [&](Completion<Customer> then) { update_self(credentials, draft, mode, std::move(then)); });
}

void CustomerService::update_self(const Credentials& credentials, const CustomerDraft& draft, DraftMode mode,
                                  Completion<Customer> then) {
    auto work = [this, credentials, draft, mode](Transaction& tx) -> Result<Customer> {
        const auto current = own_record(tx, credentials);
        if (!current) return std::unexpected(current.error());
        return save_update(tx, *current, draft, mode);
    };
    submit_transaction(store_, std::move(work), std::move(then));
}

Result<Customer> CustomerService::update(const Credentials& credentials, std::string_view ulid,
                                         const CustomerDraft& draft, DraftMode mode) {
    return wait_for<Customer>(
        [&](Completion<Customer> then) { update(credentials, ulid, draft, mode, std::move(then)); });
}

void CustomerService::update(const Credentials& credentials, std::string_view ulid, const CustomerDraft& draft,
                             DraftMode mode, Completion<Customer> then) {
    auto work = [this, credentials, ulid = std::string(ulid), draft,
                 mode](Transaction& tx) -> Result<Customer> {
        const auto current = staff_target(tx, credentials, ulid);
        if (!current) return std::unexpected(current.error());
        return save_update(tx, *current, draft, mode);
    };
    submit_transaction(store_, std::move(work), std::move(then));
}

Result<void> CustomerService::remove(const Credentials& credentials, std::string_view ulid_text) {
    return in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<void> {
        const auto who = authenticator_.authenticate(tx, credentials);
        if (!who) return std::unexpected(who.error());
        const auto ulid = Ulid::parse(ulid_text);
        std::string how;
        if (who->role == Role::customer) {
            if (!ulid || *ulid != who->subject) return std::unexpected(Error::forbidden());
            how = "self";
        } else {
            how = "staff:" + who->subject.to_string();
        }
        if (!ulid || !tx.customers().remove(*ulid)) return std::unexpected(Error::not_found());
        tx.audit().append(AuditEntry{0, clock_.now(), audit_event::customer_erased, ulid->to_string(), how});
        return {};
    });
}

}  // namespace jambo::core

#include "api_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jambo;
using namespace jambo::testing;
using http::Method;

TEST_CASE("POST /api/customers registers: 201 - Location - the customer in seed order - a token", "[http]") {
    ApiFixture f;
    auto response = f.json(Method::post, "/api/customers", customer_body(1));
    REQUIRE(response.status == 201);
    CHECK(response.headers.find("Content-Type") == "application/json; charset=utf-8");
    auto envelope = parse(response).as_object();
    CHECK(key_order(envelope) == std::vector<std::string>{"statusCode", "body", "token"});
    CHECK(envelope.at("statusCode") == 201);
    const auto& customer = envelope.at("body").as_object();
    CHECK(key_order(customer) == std::vector<std::string>{"ulid", "first_name", "last_name", "middle_name",
                                                          "nationality", "dob", "email", "phone_number"});
    auto ulid = std::string(customer.at("ulid").as_string());
    CHECK(core::Ulid::parse(ulid).has_value());
    CHECK(response.headers.find("Location") == "/api/customer/" + ulid);
    CHECK(customer.at("first_name") == "Cynthia");
    CHECK(customer.at("middle_name") == "Alexander");
    CHECK(customer.at("nationality") == "Lesotho");
    CHECK(customer.at("dob") == "1912-09-06");
    CHECK(customer.at("email") == "customer0001@example.org");
    CHECK(customer.at("phone_number") == "254700000001");
    CHECK(core::is_well_formed_bearer_token(envelope.at("token").as_string()));
}

TEST_CASE("behind a proxy that serves the API under a path - Location keeps the public URL's path", "[http]") {
    auto policy = ApiFixture::test_policy();
    policy.public_url = "https://jambo.example/crm/";
    ApiFixture f({}, policy);
    auto response = f.json(Method::post, "/api/customers", customer_body(1));
    REQUIRE(response.status == 201);
    const auto ulid = std::string(parse(response).at("body").at("ulid").as_string());
    CHECK(response.headers.find("Location") == "/crm/api/customer/" + ulid);
}

TEST_CASE("registration normalises input and ignores unknown fields and a client's ulid", "[http]") {
    ApiFixture f;
    auto body = customer_body(2);
    body["ulid"] = "01HWJ8WH9X8WBK65EMGY9YKPBS";
    body["role"] = "staff";
    body["nationality"] = "bo";
    body["email"] = "  Someone@EXAMPLE.org ";
    body.erase("middle_name");
    auto response = f.json(Method::post, "/api/customers", body);
    REQUIRE(response.status == 201);
    auto customer = parse(response).at("body").as_object();
    CHECK(customer.at("ulid") != "01HWJ8WH9X8WBK65EMGY9YKPBS");
    CHECK(customer.at("nationality") == "Bolivia");
    CHECK(customer.at("email") == "Someone@example.org");
    CHECK(customer.at("middle_name") == "");
    CHECK_FALSE(customer.contains("role"));
}

TEST_CASE("a form-encoded registration works like a JSON one", "[http]") {
    ApiFixture f;
    auto response = f.call(Method::post, "/api/customers",
                           "first_name=Ann&last_name=Lee&nationality=KE&dob=1990-01-31&email=ann%40example.org"
                           "&phone_number=%2B254+700+000+009",
                           {{"Content-Type", "application/x-www-form-urlencoded"}});
    REQUIRE(response.status == 201);
    auto customer = parse(response).at("body").as_object();
    CHECK(customer.at("nationality") == "Kenya");
    CHECK(customer.at("phone_number") == "254700000009");
}

TEST_CASE("a form as curl -d sends it - raw UTF-8 - registers - bytes that are not UTF-8 are a field error",
          "[http]") {
    ApiFixture f;
    const std::initializer_list<Header> form = {{"Content-Type", "application/x-www-form-urlencoded"}};
    auto response = f.call(Method::post, "/api/customers",
                           "first_name=Zo\xc3\xab&last_name=Br\xc3\xbbl\xc3\xa9&nationality=C\xc3\xb4te d'Ivoire"
                           "&dob=1990-01-31&email=zoe@example.org&phone_number=+254 700 000 010",
                           form);
    REQUIRE(response.status == 201);
    auto customer = parse(response).at("body").as_object();
    CHECK(customer.at("first_name") == "Zo\xc3\xab");
    CHECK(customer.at("last_name") == "Br\xc3\xbbl\xc3\xa9");
    CHECK(customer.at("nationality") == "C\xc3\xb4te d'Ivoire");

    auto latin1 = f.call(Method::post, "/api/customers", "first_name=Zo\xebn&last_name=100%", form);
    REQUIRE(latin1.status == 400);
    auto errors = parse(latin1).at("body").as_object();
    CHECK(errors.at("first_name").as_array().at(0) == "Enter valid UTF-8 text.");
    CHECK_FALSE(errors.contains("last_name"));
}

TEST_CASE("every bad field is reported at once in DRF's shape", "[http]") {
    ApiFixture f;
    auto response = f.json(Method::post, "/api/customers",
                           boost::json::object{{"first_name", nullptr},
                                               {"last_name", 5},
                                               {"email", "not-an-email"},
                                               {"nationality", "XX"},
                                               {"dob", "06/09/1912"}});
    REQUIRE(response.status == 400);
    auto envelope = parse(response).as_object();
    CHECK(envelope.at("statusCode") == 400);
    const auto& fields = envelope.at("body").as_object();
    CHECK(fields.at("first_name").as_array().at(0) == core::messages::null);
    CHECK(fields.at("last_name").as_array().at(0) == core::messages::not_a_string);
    CHECK(fields.at("email").as_array().at(0) == core::messages::invalid_email);
    CHECK(fields.at("nationality").as_array().at(0) == "\"XX\" is not a valid choice.");
    CHECK(fields.at("dob").as_array().at(0) == core::messages::bad_date);
    CHECK(fields.at("phone_number").as_array().at(0) == core::messages::required);
    CHECK_FALSE(fields.contains("middle_name"));
    // In the order of the original's serializer, as DRF reports them.
    CHECK(key_order(fields) ==
          std::vector<std::string>{"first_name", "last_name", "nationality", "dob", "email", "phone_number"});
}

TEST_CASE("a field that breaks two rules lists both messages - length first - as DRF does", "[http]") {
    ApiFixture f;
    auto response = f.json(Method::post, "/api/customers",
                           boost::json::object{{"first_name", "Ann"},
                                               {"last_name", "Lee"},
                                               {"email", std::string(300, 'x')},
                                               {"nationality", "KE"},
                                               {"dob", "1990-01-31"},
                                               {"phone_number", "0711111111"}});
    REQUIRE(response.status == 400);
    CHECK(boost::json::serialize(parse(response).as_object().at("body")) ==
          R"({"email":["Ensure this field has no more than 254 characters.","Enter a valid email address."]})");
}

TEST_CASE("an empty body lacks every required field", "[http]") {
    ApiFixture f;
    auto response = f.call(Method::post, "/api/customers");
    REQUIRE(response.status == 400);
    auto fields = parse(response).at("body").as_object();
    for (auto name : {"first_name", "last_name", "email", "nationality", "dob", "phone_number"}) {
        CHECK(fields.at(name).as_array().at(0) == core::messages::required);
    }
}

TEST_CASE("duplicate email and phone are field errors - also after normalisation", "[http]") {
    ApiFixture f;
    f.add_customer(1);
    auto body = customer_body(1);
    body["email"] = "CUSTOMER0001@Example.org";
    body["phone_number"] = "+254 700 000 001";
    auto response = f.json(Method::post, "/api/customers", body);
    REQUIRE(response.status == 400);
    auto fields = parse(response).at("body").as_object();
    CHECK(fields.at("email").as_array().at(0) == core::messages::duplicate_email);
    CHECK(fields.at("phone_number").as_array().at(0) == core::messages::duplicate_phone);
    auto only_phone = customer_body(2);
    only_phone["phone_number"] = "0700000001";
    auto phone_response = f.json(Method::post, "/api/customers", only_phone);
    REQUIRE(phone_response.status == 400);
    auto phone_fields = parse(phone_response).at("body").as_object();
    CHECK(phone_fields.size() == 1);
    CHECK(phone_fields.contains("phone_number"));
}

TEST_CASE("malformed - non-object - invalid UTF-8 and other media types are refused", "[http]") {
    ApiFixture f;
    auto post = [&](std::string body, std::string type) {
        return f.call(Method::post, "/api/customers", std::move(body), {{"Content-Type", std::move(type)}});
    };
    auto malformed = post("{\"first_name\": ", "application/json");
    CHECK(malformed.status == 400);
    CHECK(std::string(parse(malformed).at("body").as_string()).starts_with("Malformed request body: "));
    CHECK(post("[]", "application/json").status == 400);
    CHECK(post("{\"first_name\":\"\xc3\x28\"}", "application/json").status == 400);
    CHECK(post("first_name=x", "text/plain").status == 415);
    CHECK(post("<x/>", "application/xml").status == 415);
    auto count = [&] {
        auto tx = f.store.inner.begin(core::TransactionMode::read);
        return tx->customers().count();
    };
    CHECK(count() == 0);
}

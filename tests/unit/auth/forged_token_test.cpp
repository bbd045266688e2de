// Forged tokens against every user of auth::jwt_verifier: our access tokens, our stream
// tickets and the external issuer's JWTs (HS256 and RS256). Each forgery is built with a
// key the subject accepts, so it fails for the reason it tests and nothing else.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include "auth/base64url.hpp"
#include "auth/external_jwt_verifier.hpp"
#include "auth/hmac_sha256.hpp"
#include "auth/ticket_service.hpp"
#include "auth/token_service.hpp"

using namespace camgate::auth;
using json = nlohmann::json;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";
const std::string kExternalSecret = "dental-ai-backend-shared-secret-0123456789";
const std::string kAttackerSecret = "attacker-controlled-secret-0123456789abcdef";

std::string mac_b64(std::string_view key, std::string_view input) {
  const sha256_mac mac = hmac_sha256(key, input);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

pkey_ptr rsa_key() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  if (!k) std::abort();
  return pkey_ptr(k);
}

std::string public_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

std::string rs256_b64(EVP_PKEY* key, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key, nullptr);
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return base64url_encode(sig);
}

// One verifier under attack: how it verifies, how its issuer signs, and what it accepts.
struct subject {
  std::string name;
  std::string alg;   // the algorithm its key allows
  std::string noun;  // "token" or "ticket", as its reasons say
  bool own_header;   // tickets: only our exact header is accepted
  json header;       // a header it accepts
  json claims;       // claims it accepts at kNow
  std::function<verify_result(std::string_view)> verify;
  std::function<std::string(std::string_view input)> sign;           // the right key
  std::function<std::string(std::string_view input)> attacker_sign;  // another key

  std::string make(const json& h, const json& c) const { return make_raw(h.dump(), c.dump()); }
  std::string make_raw(std::string_view header_text, std::string_view claims_text) const {
    const std::string input = base64url_encode(header_text) + "." + base64url_encode(claims_text);
    return input + "." + sign(input);
  }
  std::string valid() const { return make(header, claims); }
};

class forged_token_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = rsa_key().release();
    attacker_rsa_ = rsa_key().release();
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(rsa_);
    EVP_PKEY_free(attacker_rsa_);
  }

  forged_token_test() {
    external_jwt_config hs;
    hs.algorithm = "HS256";
    hs.secret = kExternalSecret;
    hs.issuer = "dental-ai";
    hs.audience = "camgate";
    external_jwt_config rs = hs;
    rs.algorithm = "RS256";
    rs.secret.clear();
    rs.public_key_pem = public_pem(rsa_);
    external_hs_ = std::make_unique<external_jwt_verifier>(hs);
    external_rs_ = std::make_unique<external_jwt_verifier>(rs);

    const std::string ticket_key = [] {
      const sha256_mac m = hmac_sha256(kSecret, "camgate-ticket");
      return std::string(reinterpret_cast<const char*>(m.data()), m.size());
    }();
    const json external_claims = {{"sub", "dr.smith"}, {"iss", "dental-ai"}, {"aud", "camgate"},
                                  {"iat", kNow},       {"nbf", kNow},        {"exp", kNow + 900}};
    const auto hmac_with = [](std::string key) {
      return [key](std::string_view input) { return mac_b64(key, input); };
    };
    subjects_ = {
        {"access token", "HS256", "token", false, json{{"alg", "HS256"}, {"typ", "JWT"}},
         json{{"sub", "42"},
              {"name", "alice"},
              {"role", "admin"},
              {"iss", "camgate"},
              {"jti", "abc"},
              {"iat", kNow},
              {"nbf", kNow},
              {"exp", kNow + 3600}},
         [this](std::string_view t) { return tokens_.verify(t, kNow); }, hmac_with(kSecret),
         hmac_with(kAttackerSecret)},
        {"stream ticket", "HS256", "ticket", true, json{{"alg", "HS256"}, {"typ", "ticket"}},
         json{{"uid", 42},
              {"name", "alice"},
              {"role", "admin"},
              {"res", "camera:3"},
              {"iat", kNow},
              {"exp", kNow + 60},
              {"sexp", kNow + 3600}},
         [this](std::string_view t) { return tickets_.verify(t, "camera:3", kNow); },
         hmac_with(ticket_key), hmac_with(kAttackerSecret)},
        {"external HS256", "HS256", "token", false, json{{"alg", "HS256"}, {"typ", "JWT"}},
         external_claims, [this](std::string_view t) { return external_hs_->verify(t, kNow); },
         hmac_with(kExternalSecret), hmac_with(kAttackerSecret)},
        {"external RS256", "RS256", "token", false, json{{"alg", "RS256"}, {"typ", "JWT"}},
         external_claims, [this](std::string_view t) { return external_rs_->verify(t, kNow); },
         [](std::string_view input) { return rs256_b64(rsa_, input); },
         [](std::string_view input) { return rs256_b64(attacker_rsa_, input); }},
    };
  }

  static void expect_refused(const subject& s, std::string_view token, token_error code,
                             std::string_view reason = {}) {
    SCOPED_TRACE(s.name);
    const verify_result r = s.verify(token);
    EXPECT_FALSE(r.ok()) << token.substr(0, 200);
    EXPECT_FALSE(r.identity);
    EXPECT_EQ(r.code, code) << "reason: " << r.reason;
    EXPECT_FALSE(r.reason.empty());
    if (!reason.empty()) {
      EXPECT_EQ(r.reason, reason);
    }
  }

  static std::string malformed(const subject& s) { return "malformed " + s.noun; }

  token_service tokens_{kSecret};
  ticket_service tickets_{kSecret};
  std::unique_ptr<external_jwt_verifier> external_hs_, external_rs_;
  std::vector<subject> subjects_;
  static inline EVP_PKEY* rsa_ = nullptr;
  static inline EVP_PKEY* attacker_rsa_ = nullptr;
};

}  // namespace

TEST_F(forged_token_test, HandBuiltTokensVerify) {
  // Guards every case below: the unforged token passes each subject.
  for (const auto& s : subjects_) {
    const verify_result r = s.verify(s.valid());
    EXPECT_TRUE(r.ok()) << s.name << ": " << r.reason;
  }
}

TEST_F(forged_token_test, ExtraFourthSegment) {
  for (const auto& s : subjects_) {
    const std::string t = s.valid();
    const std::string sig = t.substr(t.rfind('.') + 1);
    expect_refused(s, t + "." + sig, token_error::malformed, malformed(s));
    expect_refused(s, t + ".", token_error::malformed, malformed(s));
    // A JWE-like five parts, and the header twice in front.
    expect_refused(s, t + "." + sig + "." + sig, token_error::malformed, malformed(s));
    expect_refused(s, t.substr(0, t.find('.')) + "." + t, token_error::malformed, malformed(s));
  }
}

TEST_F(forged_token_test, EmptySignature) {
  for (const auto& s : subjects_) {
    const std::string t = s.valid();
    expect_refused(s, t.substr(0, t.rfind('.') + 1), token_error::bad_signature, "bad signature");
  }
}

TEST_F(forged_token_test, HeaderThatIsNotJson) {
  for (const auto& s : subjects_) {
    const std::string claims = s.claims.dump();
    const auto code = s.own_header ? token_error::unsupported_algorithm : token_error::malformed;
    for (const char* header :
         {"not json", "{\"alg\":\"HS256\"", "null", "\"HS256\"", "{\"alg\":\"HS256\"}}"}) {
      SCOPED_TRACE(header);
      expect_refused(s, s.make_raw(header, claims), code,
                     s.own_header ? "not a ticket" : malformed(s));
    }
  }
}

TEST_F(forged_token_test, KeyPointersInTheHeaderAreIgnoredNotFetched) {
  // A listener the header points at: had anything fetched "jku" or "x5u", a connection
  // would be waiting here.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::fcntl(listener, F_SETFL, O_NONBLOCK);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/jwks";

  for (const auto& s : subjects_) {
    json h = s.header;
    h["kid"] = "attacker-key-1";
    h["jku"] = url;
    h["x5u"] = url;
    // An embedded key (RFC 7515 4.1.3) naming the attacker's: not used either.
    h["jwk"] = {{"kty", "oct"}, {"k", base64url_encode(kAttackerSecret)}};
    const std::string input = base64url_encode(h.dump()) + "." + base64url_encode(s.claims.dump());
    // Signed by the key the header points at: refused.
    expect_refused(s, input + "." + s.attacker_sign(input),
                   s.own_header ? token_error::unsupported_algorithm : token_error::bad_signature,
                   s.own_header ? "not a ticket" : "bad signature");
    // Signed by the right key: the pointers change nothing (a ticket has only our header).
    if (s.own_header) {
      expect_refused(s, input + "." + s.sign(input), token_error::unsupported_algorithm,
                     "not a ticket");
    } else {
      const verify_result r = s.verify(input + "." + s.sign(input));
      EXPECT_TRUE(r.ok()) << s.name << ": " << r.reason;
    }
  }
  EXPECT_LT(::accept(listener, nullptr, nullptr), 0);
  EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << errno;
  ::close(listener);
}

TEST_F(forged_token_test, AlgorithmNameInAnotherCase) {
  // RFC 7515 4.1.1: "alg" is case-sensitive; "hs256" names no algorithm we allow.
  for (const auto& s : subjects_) {
    std::string lower = s.alg;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string first = s.alg;
    first[0] = lower[0];
    const std::string reason = s.own_header ? "not a ticket"
                               : s.name.starts_with("external")
                                   ? "unsupported algorithm: expected " + s.alg
                                   : "unsupported algorithm";
    for (const std::string& name : {lower, first, s.alg + " ", " " + s.alg}) {
      SCOPED_TRACE(name);
      json h = s.header;
      h["alg"] = name;
      expect_refused(s, s.make(h, s.claims), token_error::unsupported_algorithm, reason);
    }
  }
}

TEST_F(forged_token_test, HugeTokenIsRefusedBeforeAnythingIsDecoded) {
  for (const auto& s : subjects_) {
    // Validly signed, just over 16 KiB.
    json c = s.claims;
    c["padding"] = std::string(16 * 1024, 'x');
    expect_refused(s, s.make(s.header, c), token_error::malformed, malformed(s));
  }
  // Cheaply: refusing a 4 MiB token 100 times costs less than decoding it once, which any
  // verifier that looked inside would have to do.
  const std::string payload(4 << 20, 'A');
  const std::string huge = "eyJhbGciOiJIUzI1NiJ9." + payload + ".c2ln";
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(base64url_decode(payload));
  const auto decode_once = std::chrono::steady_clock::now() - t0;
  const auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    for (const auto& s : subjects_) EXPECT_EQ(s.verify(huge).code, token_error::malformed);
  }
  const auto refuse_400 = std::chrono::steady_clock::now() - t1;
  EXPECT_LT(refuse_400, decode_once);
}

TEST_F(forged_token_test, ExpiryThatIsAStringOrAFraction) {
  for (const auto& s : subjects_) {
    for (const json& exp : {json(std::to_string(kNow + 600)), json("tomorrow"), json(nullptr),
                            json::array({kNow + 600}), json{{"t", kNow + 600}}}) {
      json c = s.claims;
      c["exp"] = exp;
      SCOPED_TRACE(exp.dump());
      // A ticket's claims are all ours: any wrong shape is a malformed ticket.
      if (s.noun == "ticket") {
        expect_refused(s, s.make(s.header, c), token_error::malformed, "malformed ticket");
      } else {
        expect_refused(s, s.make(s.header, c), token_error::bad_claims, "malformed claim 'exp'");
      }
    }
    json c = s.claims;
    c["exp"] = kNow + 600.5;
    if (s.name.starts_with("external")) {
      // RFC 7519 2 allows fractions in NumericDates; the external issuer may use them.
      EXPECT_TRUE(s.verify(s.make(s.header, c)).ok()) << s.name;
    } else if (s.noun == "ticket") {
      expect_refused(s, s.make(s.header, c), token_error::malformed, "malformed ticket");
    } else {
      // We issue whole seconds: a fraction in one of "our" tokens is not ours.
      expect_refused(s, s.make(s.header, c), token_error::bad_claims, "malformed claim 'exp'");
    }
  }
}

TEST_F(forged_token_test, DuplicatedOrWhitespacePaddedSegments) {
  for (const auto& s : subjects_) {
    const std::string t = s.valid();
    const auto dot1 = t.find('.');
    const auto dot2 = t.rfind('.');
    for (const std::string& bad : {
             t + " " + t, t + "\n" + t, t + "\r\n", t + "\t", " " + t,
             t.substr(0, dot1) + ". " + t.substr(dot1 + 1),
             t.substr(0, dot2) + " ." + t.substr(dot2 + 1),
             t.substr(0, dot1 + 1) + t.substr(dot1 + 1, dot2 - dot1 - 1) + "\n" + t.substr(dot2),
             t.substr(0, dot1) + "." + t.substr(0, dot1) + t.substr(dot1),       // header twice
             t.substr(0, dot2) + t.substr(dot1, dot2 - dot1) + t.substr(dot2),   // payload twice
             t.substr(0, dot2) + "." + t.substr(dot2 + 1) + t.substr(dot2 + 1),  // sig twice
         }) {
      SCOPED_TRACE(bad.substr(0, 120));
      const verify_result r = s.verify(bad);
      EXPECT_FALSE(r.ok()) << s.name;
      EXPECT_FALSE(r.reason.empty());
      // Whitespace and repeated segments break the shape; a repeated signature is just wrong.
      EXPECT_TRUE(r.code == token_error::malformed || r.code == token_error::bad_signature)
          << s.name << ": " << r.reason;
    }
  }
}

TEST_F(forged_token_test, DuplicateHeaderNamesTakeTheLastOne) {
  // RFC 7515 4: a parser may use the lexically last duplicate, and then must always do so.
  // A header that says the right algorithm first and "none" last is an unsigned token.
  for (const auto& s : subjects_) {
    if (s.own_header) continue;
    const std::string header = R"({"alg":")" + s.alg + R"(","typ":"JWT","alg":"none"})";
    expect_refused(s, s.make_raw(header, s.claims.dump()), token_error::unsupported_algorithm);
  }
}

// The generation claim (issue 12): missing means 1, a bad one is refused; the index then
// refuses generations that are not the user's current one (api token_authenticator_test).
TEST_F(forged_token_test, GenerationClaimMustBeAPositiveInteger) {
  for (const auto& s : subjects_) {
    if (s.name.rfind("external", 0) == 0) continue;  // the issuer knows no generations
    SCOPED_TRACE(s.name);
    EXPECT_EQ(s.verify(s.valid()).identity->token_gen, 1);  // none: 1
    json c = s.claims;
    c["gen"] = 7;
    EXPECT_EQ(s.verify(s.make(s.header, c)).identity->token_gen, 7);
    for (const json& bad : {json(0), json(-1), json("7"), json(1.5), json(nullptr)}) {
      c["gen"] = bad;
      const auto r = s.verify(s.make(s.header, c));
      EXPECT_FALSE(r.ok()) << bad.dump();
      EXPECT_EQ(r.code, s.noun == "ticket" ? token_error::malformed : token_error::bad_claims)
          << bad.dump() << ": " << r.reason;
    }
  }
}

TEST_F(forged_token_test, IssuedTokensAndTicketsCarryTheGeneration) {
  const identity who{42, "alice", role::user, 4};
  const auto t = tokens_.issue(who, kNow);
  EXPECT_EQ(tokens_.verify(t.token, kNow).identity, who);
  const auto ticket = tickets_.issue(who, "camera:3", t.expires_at, kNow);
  EXPECT_EQ(tickets_.verify(ticket.token, "camera:3", kNow).identity, who);
}

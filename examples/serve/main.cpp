// embedkit-serve: an HTTP server for embedkit's models that speaks the contracts their users
// already call.
//
//   SageMaker inference containers (any model):  GET /ping, POST /invocations,
//                                                GET /execution-parameters
//   text-embeddings-inference (sentence models): POST /embed, POST /tokenize, GET /info,
//                                                GET /health, GET /metrics
//   OpenAI (sentence models):                    POST /v1/embeddings
//
//   embedkit-serve [serve] [--model DIR] [--host ADDR] [--port N] ...   (settings.hpp)
//
// The server binds first and loads the model afterwards, so that connections are accepted at
// once; /ping and /health answer 503 until the model is loaded, 200 after. Requests run on
// cpp-httplib's thread pool; a sentence model's requests meet in one batching queue
// (batcher.hpp). SIGTERM or SIGINT: new requests get 503, every request already being handled
// is answered, then the server closes and exits 0. docs/guide/serving.md describes every route.
#include <atomic>
#include <charconv>
#include <cstdint>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <embedkit/encoders/object2vec.hpp>
#include <embedkit/encoders/object2vec/inference.hpp>
#include <embedkit/encoders/sentence_encoder.hpp>

#include "batcher.hpp"
#include "body.hpp"
#include "http_error.hpp"
#include "metrics.hpp"
#include "sentence.hpp"
#include "settings.hpp"

// Last: httplib.h brings in <resolv.h>, whose `_res` macro breaks Eigen's headers (a parameter
// of that name) when they come after it.
#include <httplib.h>

namespace ek = embedkit;
namespace fs = std::filesystem;
using namespace embedkit_serve;

namespace {

using Clock = std::chrono::steady_clock;

// The loaded model and what serves it; published once, by the loader thread.
struct Loaded {
  std::optional<ek::Object2Vec> object2vec;
  std::optional<ek::SentenceEncoder> sentence;
  std::unique_ptr<Batcher> batcher;
  std::unique_ptr<SentenceService> service;
};

struct State {
  std::atomic<bool> ready{false};     // the model is loaded
  std::atomic<bool> draining{false};  // SIGTERM received: refuse new requests
  std::atomic<bool> failed{false};    // the model did not load
  Loaded loaded;
};

enum class Shape { sagemaker, tei };  // which error body a route writes

// POST /invocations for an Object2Vec model: the codec of embedkit/encoders/object2vec/
// inference.hpp, as embedkit-infer runs it.
void object2vec_invocations(const ek::Object2Vec& model, const httplib::Request& req,
                            httplib::Response& res) {
  const ek::ContentType ct = ek::parse_content_type(req.get_header_value("Content-Type"));
  const ek::MediaType accept = ek::parse_accept(req.get_header_value("Accept"));
  const ek::Object2VecRequest request = ek::parse_object2vec_request(req.body, ct.type);
  const ek::Object2VecResponse r = ek::run_object2vec(model, request, ct.infer_max_seqlens);
  std::string out;
  ek::write_object2vec_response(r, accept, out);
  res.set_content(std::move(out), ek::media_type_name(accept));
}

// POST /invocations for a sentence model: application/json is /embed's request, text/plain one
// text per line, application/jsonlines one {"text": "..."} per line. The answer is /embed's
// list of lists (Accept application/json) or one {"embedding": [...]} per line (jsonlines).
void sentence_invocations(const SentenceService& service, const httplib::Request& req,
                          httplib::Response& res) {
  const ek::ContentType ct = ek::parse_content_type(req.get_header_value("Content-Type"));
  const ek::MediaType accept = ek::parse_accept(req.get_header_value("Accept"));
  const bool lines = accept == ek::MediaType::jsonlines;
  std::string out;
  if (ct.infer_max_seqlens) {
    throw HttpError(400, "validation",
                    "infer_max_seqlens is an Object2Vec parameter; this is a sentence model");
  }
  if (ct.type == ek::MediaType::json) {
    out = service.invocations_json(req.body, lines);
  } else {
    std::vector<std::string> texts;
    const std::string_view body = req.body;
    std::size_t start = 0;
    std::int64_t line_no = 0;
    while (start < body.size()) {
      std::size_t end = body.find('\n', start);
      if (end == std::string_view::npos) end = body.size();
      ++line_no;
      const std::string_view line = body.substr(start, end - start);
      // A blank line is an empty text in text/plain, nothing in JSON Lines (as embedkit-infer).
      if (ct.type == ek::MediaType::text || !ek::is_blank_line(line)) {
        texts.push_back(ek::parse_text_line(line, ct.type, line_no, static_cast<std::int64_t>(start)));
      }
      start = end + 1;
    }
    out = service.invocations_texts(std::move(texts), lines);
  }
  res.set_content(std::move(out), ek::media_type_name(accept));
}

// Wraps a route: readiness, draining and overload checks, errors as JSON bodies, metrics.
httplib::Server::Handler route(State& state, Metrics& metrics, const Settings& settings,
                               std::string name, Shape shape, bool needs_model,
                               std::function<void(const httplib::Request&, httplib::Response&)> fn) {
  return [&state, &metrics, &settings, name = std::move(name), shape, needs_model,
          fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
    const auto start = Clock::now();
    metrics.request(name);
    std::string type;
    auto fail = [&](int status, std::string error_type, const std::string& message) {
      res.status = status;
      type = std::move(error_type);
      res.set_content(shape == Shape::tei ? tei_error_body(message, type) : error_body(message),
                      "application/json");
    };
    if (state.draining.load()) {
      res.set_header("Connection", "close");
      fail(503, "unhealthy", "the server is shutting down");
    } else if (needs_model && !state.ready.load(std::memory_order_acquire)) {
      fail(503, "unhealthy", "the model is loading");
    } else if (metrics.in_flight() > settings.max_concurrent_requests) {
      fail(429, "overloaded", "more than " + std::to_string(settings.max_concurrent_requests) +
                                  " requests at once (--max-concurrent-requests)");
    } else {
      try {
        fn(req, res);
        if (res.status == -1) res.status = 200;  // httplib's "not set yet"
      } catch (const HttpError& e) {
        fail(e.status, e.type, e.what());
      } catch (const ek::unsupported_media_type& e) {
        fail(415, "validation", e.what());
      } catch (const ek::not_acceptable& e) {
        fail(406, "validation", e.what());
      } catch (const ek::error& e) {
        fail(400, "validation", e.what());
      } catch (const std::exception& e) {
        fail(500, "backend", e.what());
      }
    }
    metrics.answered(name, res.status, type,
                     std::chrono::duration<double>(Clock::now() - start).count());
  };
}

void load(State& state, const Settings& settings, const fs::path& dir, ModelKind kind,
          Metrics& metrics) {
  Loaded& l = state.loaded;
  if (dir.empty()) {
    l.object2vec.emplace(ek::Object2Vec::demo());
  } else if (kind == ModelKind::object2vec) {
    l.object2vec.emplace(ek::Object2Vec::load(dir));
  } else {
    l.sentence.emplace(ek::SentenceEncoder::load(dir));
    l.batcher = std::make_unique<Batcher>(*l.sentence, settings.max_batch_tokens,
                                          std::chrono::milliseconds(settings.batch_wait_ms), metrics);
    const fs::path abs = fs::absolute(dir).lexically_normal();
    std::string id = (abs.has_filename() ? abs : abs.parent_path()).filename().string();
    l.service = std::make_unique<SentenceService>(*l.sentence, id, *l.batcher,
                                                  settings.max_client_batch_size,
                                                  settings.max_batch_tokens,
                                                  settings.max_concurrent_requests, metrics);
  }
}

// Debian's compiled cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed
// when the library was built). A server closes a kept-alive connection every 5 requests, so
// under load clients reconnect all the time; past 5 connections waiting to be accepted the
// kernel drops the SYN and the client retries after its 1 s retransmission timeout, a 1 s stall
// in a request that should take a millisecond. listen() again on the listening socket changes its
// backlog (Linux, and POSIX allows it); a socket that is not the one listening on `port` (httplib
// may have tried several addresses) is left alone.
void widen_backlog(const std::vector<int>& sockets, int port) {
  for (const int fd : sockets) {
    int listening = 0;
    socklen_t len = sizeof listening;
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) continue;
    const int bound = addr.ss_family == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port)
                      : addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port)
                                                   : -1;
    if (bound == port) listen(fd, SOMAXCONN);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  fs::path model_dir;
  ModelKind kind = ModelKind::object2vec;
  try {
    settings = read_settings(argc, argv);
    model_dir = settings.model;
    if (model_dir.empty() && settings.sagemaker_serve &&
        (fs::exists("/opt/ml/model/config.json") || fs::exists("/opt/ml/model/modules.json"))) {
      model_dir = "/opt/ml/model";  // where SageMaker unpacks the model artifacts
    }
    if (!model_dir.empty()) kind = detect_model(model_dir);
  } catch (const std::exception& e) {
    if (*e.what()) std::fprintf(stderr, "embedkit-serve: %s\n", e.what());
    std::fputs(usage_text, stderr);
    return *e.what() ? 2 : 0;
  }

  // SIGTERM and SIGINT go to one thread (sigwait) rather than to a handler: every thread
  // created from here on inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up is an error on its write, not our end

  State state;
  Metrics metrics;
  httplib::Server server;
  const int threads = settings.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  // Past the limit httplib answers 413 from the Content-Length header, before reading the body.
  server.set_payload_max_length(settings.payload_bytes());
  // Responses go out as two writes (headers, then body): with Nagle's algorithm on, the body
  // waits for the client's delayed ACK of the headers, about 40 ms on Linux, on every request of
  // a kept-alive connection after the first few.
  server.set_tcp_nodelay(true);
  // The listening socket, seen before bind (httplib's default options kept), so that its accept
  // queue can be lengthened once it listens: see widen_backlog().
  std::vector<int> candidate_sockets;
  server.set_socket_options([&candidate_sockets](socket_t sock) {
    httplib::default_socket_options(sock);
    candidate_sockets.push_back(static_cast<int>(sock));
  });
  server.set_keep_alive_timeout(5);
  server.set_read_timeout(60);
  server.set_write_timeout(60);
  // Statuses httplib sets itself (404, 405, 413, 400 for a malformed request) get a JSON body
  // too; a route's own error bodies stay as they are.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = "HTTP " + std::to_string(res.status);
    if (res.status == 404) message = "no such route";
    if (res.status == 413) message = "the body is larger than the payload limit (SAGEMAKER_MAX_PAYLOAD_IN_MB)";
    res.set_content(error_body(message), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));

  // The payload limit, from the headers alone: a body past it is never read. Chunked bodies
  // (no Content-Length) are refused, as httplib would read them whole before any check.
  const std::size_t limit = settings.payload_bytes();
  server.set_pre_routing_handler([limit](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Transfer-Encoding") && req.get_header_value("Transfer-Encoding") != "identity") {
      res.status = 411;
      res.set_header("Connection", "close");
      res.set_content(error_body("send the body with a Content-Length (chunked bodies are not "
                                 "accepted)"), "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string length = req.get_header_value("Content-Length");
    std::uint64_t n = 0;
    const auto r = std::from_chars(length.data(), length.data() + length.size(), n);
    if (!length.empty() && (r.ec == std::errc::result_out_of_range || (r.ec == std::errc() && n > limit))) {
      res.status = 413;
      res.set_header("Connection", "close");  // the unread body must not be taken for a request
      res.set_content(error_body("the body is " + length + " bytes, more than the payload limit of " +
                                 std::to_string(limit) + " (SAGEMAKER_MAX_PAYLOAD_IN_MB)"),
                      "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  const bool sentence = !model_dir.empty() && kind == ModelKind::sentence;
  Loaded& l = state.loaded;

  // SageMaker's contract, for either kind of model.
  server.Get("/ping", route(state, metrics, settings, "ping", Shape::sagemaker, true,
                            [](const httplib::Request&, httplib::Response& res) { res.status = 200; }));
  server.Get("/execution-parameters",
             route(state, metrics, settings, "execution-parameters", Shape::sagemaker, false,
                   [&settings](const httplib::Request&, httplib::Response& res) {
                     res.set_content("{\"MaxConcurrentTransforms\":" +
                                         std::to_string(settings.max_concurrent_transforms) +
                                         ",\"BatchStrategy\":\"MULTI_RECORD\",\"MaxPayloadInMB\":" +
                                         std::to_string(settings.payload_mb) + "}",
                                     "application/json");
                   }));
  server.Post("/invocations",
              route(state, metrics, settings, "invocations", sentence ? Shape::tei : Shape::sagemaker, true,
                    [&l, sentence](const httplib::Request& req, httplib::Response& res) {
                      try {
                        if (sentence) {
                          sentence_invocations(*l.service, req, res);
                        } else {
                          object2vec_invocations(*l.object2vec, req, res);
                        }
                      } catch (const HttpError& e) {
                        // SageMaker's callers expect 400 for a request they got wrong.
                        if (e.status == 422) throw HttpError(400, e.type, e.what());
                        throw;
                      }
                    }));

  // text-embeddings-inference's and OpenAI's routes, for sentence models.
  if (sentence) {
    server.Post("/embed", route(state, metrics, settings, "embed", Shape::tei, true,
                                [&l](const httplib::Request& req, httplib::Response& res) {
                                  res.set_content(l.service->embed(req.body), "application/json");
                                }));
    server.Post("/v1/embeddings", route(state, metrics, settings, "openai", Shape::tei, true,
                                        [&l](const httplib::Request& req, httplib::Response& res) {
                                          res.set_content(l.service->openai(req.body), "application/json");
                                        }));
    server.Post("/tokenize", route(state, metrics, settings, "tokenize", Shape::tei, true,
                                   [&l](const httplib::Request& req, httplib::Response& res) {
                                     res.set_content(l.service->tokenize(req.body), "application/json");
                                   }));
    server.Get("/info", route(state, metrics, settings, "info", Shape::tei, true,
                              [&l](const httplib::Request&, httplib::Response& res) {
                                res.set_content(l.service->info(), "application/json");
                              }));
    server.Get("/health", route(state, metrics, settings, "health", Shape::tei, true,
                                [](const httplib::Request&, httplib::Response& res) { res.status = 200; }));
  }
  // Not counted as a request, so that embedkit_requests_in_flight is the others'.
  server.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.text(), "text/plain; version=0.0.4");
  });

  int port = settings.port;
  if (port == 0) {
    port = server.bind_to_any_port(settings.host);
    if (port < 0) {
      std::fprintf(stderr, "embedkit-serve: cannot listen on %s\n", settings.host.c_str());
      return 1;
    }
  } else if (!server.bind_to_port(settings.host, port)) {
    std::fprintf(stderr, "embedkit-serve: cannot listen on %s:%d\n", settings.host.c_str(), port);
    return 1;
  }
  widen_backlog(candidate_sockets, port);
  std::printf("embedkit-serve: listening on http://%s:%d\n", settings.host.c_str(), port);
  std::fflush(stdout);

  std::atomic<bool> finished{false};
  // httplib's stop() does nothing before listen_after_bind() has started: wait for it.
  auto stop_server = [&] {
    while (!server.is_running() && !finished.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server.stop();
  };

  std::thread loader([&] {
    try {
      load(state, settings, model_dir, kind, metrics);
      state.ready.store(true, std::memory_order_release);
      std::fprintf(stderr, "embedkit-serve: %s model loaded from %s\n",
                   model_dir.empty() ? "demo Object2Vec" : sentence ? "sentence-transformers" : "Object2Vec",
                   model_dir.empty() ? "Object2Vec::demo()" : model_dir.string().c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "embedkit-serve: cannot load the model: %s\n", e.what());
      state.failed.store(true);
      stop_server();
    }
  });

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (finished.load()) return;
    std::fprintf(stderr, "embedkit-serve: %s: finishing the requests in flight\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    state.draining.store(true);
    // SageMaker sends SIGKILL 30 s after SIGTERM: give the requests in flight 25 s.
    const auto deadline = Clock::now() + std::chrono::seconds(25);
    while (metrics.in_flight() > 0 && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stop_server();
  });

  const bool ok = server.listen_after_bind();
  finished.store(true);
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // wakes sigwait when no signal came
  signal_thread.join();
  loader.join();
  if (l.batcher) l.batcher->stop();
  if (state.failed.load()) return 1;
  if (!ok) {
    std::fprintf(stderr, "embedkit-serve: the server stopped with an error\n");
    return 1;
  }
  std::fprintf(stderr, "embedkit-serve: stopped\n");
  return 0;
}

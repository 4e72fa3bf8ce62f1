// HttpError: what a route raises to answer with an error status. `type` is
// text-embeddings-inference's error_type (validation, tokenizer, empty, backend, overloaded,
// unhealthy); the SageMaker routes leave it out of the body.
#pragma once

#include <stdexcept>
#include <string>

namespace embedkit_serve {

struct HttpError : std::runtime_error {
  HttpError(int status_, std::string type_, const std::string& message)
      : std::runtime_error(message), status(status_), type(std::move(type_)) {}
  int status;
  std::string type;
};

}  // namespace embedkit_serve

// Object2Vec encoder embeddings, as SageMaker's inference endpoint computes them: a JSON request
// {"instances": [{"in0": [ids]}, ...]} in, {"predictions": [{"embeddings": [...]}, ...]} out.
//
//   embedkit_object2vec                      the demo model on the documented example request
//   embedkit_object2vec MODEL_DIR [REQUEST]  a saved model (config.json + model.safetensors) on
//                                            a request file
//
// Every instance must carry in0 or in1 (the encoder it asks for), all the same one.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <embedkit/encoders/object2vec.hpp>
#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace json = embedkit::json;

// The first three instances of the encoder-embeddings example in AWS's Object2Vec guide.
constexpr const char* example_request = R"({
  "instances": [
    {"in0": [6, 17, 606, 19, 53, 67, 52, 12, 5, 10, 15, 10178, 7, 33, 652, 80, 15, 69, 821, 4]},
    {"in0": [22, 1016, 32, 13, 25, 11, 5, 64, 573, 45, 5, 80, 15, 67, 21, 7, 9, 107, 4]},
    {"in0": [774, 14, 21, 206]}
  ]
})";

int main(int argc, char** argv) {
  try {
    const ek::Object2Vec model = argc > 1 ? ek::Object2Vec::load(argv[1]) : ek::Object2Vec::demo();
    std::string text = example_request;
    if (argc > 2) {
      std::ifstream in(argv[2], std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "embedkit_object2vec: cannot open %s\n", argv[2]);
        return 1;
      }
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    // The request: one id list per instance, under in0 or in1.
    const json::Value request = json::parse(text);
    std::vector<std::vector<std::int64_t>> sequences;
    int encoder = -1;
    for (const json::Value& instance : request.at("instances").as_array()) {
      const int which = instance.find("in0") != nullptr ? 0 : 1;
      if (encoder >= 0 && which != encoder) {
        std::fprintf(stderr, "every instance must ask for the same encoder (in0 or in1)\n");
        return 2;
      }
      encoder = which;
      std::vector<std::int64_t> ids;
      for (const json::Value& id : instance.at(which == 0 ? "in0" : "in1").as_array()) {
        ids.push_back(id.as_int64());
      }
      sequences.push_back(std::move(ids));
    }

    // One batch through the encoder, then the response.
    const ek::Tensor<float> e = model.encode(encoder < 0 ? 0 : encoder, sequences);
    json::Array predictions;
    for (std::int64_t b = 0; b < e.shape()[0]; ++b) {
      json::Array values;
      for (std::int64_t j = 0; j < e.shape()[1]; ++j) {
        values.emplace_back(static_cast<double>(e[b * e.shape()[1] + j]));
      }
      json::Object prediction;
      prediction.insert("embeddings", json::Value(std::move(values)));
      predictions.emplace_back(std::move(prediction));
    }
    json::Object response;
    response.insert("predictions", json::Value(std::move(predictions)));
    std::printf("%s\n", json::dump(json::Value(std::move(response))).c_str());
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "embedkit_object2vec: %s\n", error.what());
    return 1;
  }
}

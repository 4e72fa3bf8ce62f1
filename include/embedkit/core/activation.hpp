// The element-wise activations of the dense layers (Linear's and an MLP's nonlinearity, the
// encoders' blocks): a core type, shared by the layers, the pointwise op's descriptor
// (backend/common/pointwise.hpp) and the model configs that name them.
#pragma once

#include <optional>
#include <string_view>

namespace embedkit {

// linear: identity. gelu: the exact erf form, x * (1 + erf(x / sqrt(2))) / 2 (PyTorch's
// default and BERT's). tanh, sigmoid, relu as in torch.nn.
enum class Activation { linear, relu, tanh, sigmoid, gelu };

constexpr const char* activation_name(Activation a) noexcept {
  switch (a) {
    case Activation::linear:
      return "linear";
    case Activation::relu:
      return "relu";
    case Activation::tanh:
      return "tanh";
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::gelu:
      return "gelu";
  }
  return "?";
}

// The activation a config names: "linear" / "identity", "relu", "tanh", "sigmoid", "gelu",
// or a torch class path as sentence-transformers writes it ("torch.nn.modules.activation.Tanh",
// "torch.nn.modules.linear.Identity"). nullopt for anything else; callers raise with context.
inline std::optional<Activation> activation_from_name(std::string_view name) noexcept {
  if (const auto dot = name.rfind('.'); dot != std::string_view::npos) name = name.substr(dot + 1);
  auto is = [&](std::string_view a, std::string_view b) { return name == a || name == b; };
  if (is("linear", "Identity") || name == "identity") return Activation::linear;
  if (is("relu", "ReLU")) return Activation::relu;
  if (is("tanh", "Tanh")) return Activation::tanh;
  if (is("sigmoid", "Sigmoid")) return Activation::sigmoid;
  if (is("gelu", "GELU")) return Activation::gelu;
  return std::nullopt;
}

}  // namespace embedkit

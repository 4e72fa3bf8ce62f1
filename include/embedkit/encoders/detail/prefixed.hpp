// Visiting a sub-layer's parameters under a prefix ("enc0.convs.1." + "weight"): how a model
// composes the PyTorch state-dict names of its parts.
#pragma once

#include <string>
#include <string_view>

namespace embedkit::detail {

template <class Layer, class F>
void visit_prefixed(Layer& layer, const std::string& prefix, F& f) {
  layer.visit_parameters([&](std::string_view name, auto& p) { f(prefix + std::string(name), p); });
}

}  // namespace embedkit::detail

#include "onnx_sanity.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "qinfer/error.h"

namespace qinfer {

namespace {
// Minimum value of each integer-list attribute whose range the onnx shape inference assumes.
struct Rule {
  const char* name;
  int64_t min;
};
constexpr Rule kRules[] = {{"strides", 1}, {"dilations", 1}, {"kernel_shape", 1}, {"pads", 0}, {"output_padding", 0}};
constexpr int64_t kMaxValue = int64_t{1} << 31;  // far beyond any real model; keeps arithmetic in range
bool is_window_op(const std::string& op) {
  return op == "Conv" || op == "ConvTranspose" || op == "MaxPool" || op == "AveragePool" || op == "LpPool" ||
         op == "QLinearConv" || op == "ConvInteger";
}

// onnx's convPoolShapeInference indexes strides/dilations/pads by kernel rank and the input
// rank without checking that they agree: make sure they do.
void check_window_lengths(const onnx::NodeProto& n, const onnx::GraphProto& g, const std::string& who) {
  int64_t spatial = -1;
  auto agree = [&](const std::string& what, int64_t rank) {
    if (spatial < 0) spatial = rank;
    if (rank != spatial)
      throw Error(who + ": " + what + " implies " + std::to_string(rank) + " spatial dimensions but another attribute or input implies " +
                  std::to_string(spatial));
  };
  for (const onnx::AttributeProto& a : n.attribute()) {
    if (a.name() == "kernel_shape" || a.name() == "strides" || a.name() == "dilations" || a.name() == "output_padding")
      agree("attribute '" + a.name() + "'", a.ints_size());
    if (a.name() == "pads") {
      if (a.ints_size() % 2) throw Error(who + ": attribute 'pads' has an odd number of values (" + std::to_string(a.ints_size()) + ")");
      agree("attribute 'pads'", a.ints_size() / 2);
    }
  }
  if (spatial == 0) throw Error(who + ": window attributes are empty");
  // Declared ranks of the data input and of an initializer weight must be spatial + 2.
  std::function<int64_t(const std::string&, int)> declared_rank = [&](const std::string& name, int depth) -> int64_t {
    for (const auto& v : g.input())
      if (v.name() == name && v.type().tensor_type().has_shape()) return v.type().tensor_type().shape().dim_size();
    for (const auto& t : g.initializer())
      if (t.name() == name) return t.dims_size();
    // A weight behind QuantizeLinear / DequantizeLinear (QDQ models) has its initializer's rank.
    for (const auto& p : g.node())
      if ((p.op_type() == "DequantizeLinear" || p.op_type() == "QuantizeLinear") && p.output_size() > 0 &&
          p.output(0) == name && p.input_size() > 0 && depth < 4)
        return declared_rank(p.input(0), depth + 1);
    return -1;
  };
  // Data and weight inputs: QLinearConv's weight is its input 3.
  const std::vector<int> checked = n.op_type() == "QLinearConv" ? std::vector<int>{0, 3} : std::vector<int>{0, 1};
  for (int i : checked) {
    if (i >= n.input_size()) continue;
    const int64_t rank = declared_rank(n.input(i), 0);
    if (rank >= 0) {
      if (rank < 3) throw Error(who + ": input '" + n.input(i) + "' has rank " + std::to_string(rank) + ", needs at least 3");
      agree("input '" + n.input(i) + "'", rank - 2);
    }
  }
}

}  // namespace

void check_attribute_ranges(const onnx::ModelProto& model, const std::string& path) {
  for (int i = 0; i < model.graph().node_size(); ++i) {
    const onnx::NodeProto& n = model.graph().node(i);
    const std::string who = path + ": node '" + (n.name().empty() ? "#" + std::to_string(i) : n.name()) + "' (" + n.op_type() + ")";
    for (const onnx::AttributeProto& a : n.attribute()) {
      for (const Rule& rule : kRules) {
        if (a.name() != rule.name) continue;
        for (int64_t v : a.ints())
          if (v < rule.min || v > kMaxValue)
            throw Error(who + ": attribute '" + a.name() + "' has value " + std::to_string(v) + ", must be in [" +
                        std::to_string(rule.min) + ", 2^31]");
      }
      if (a.name() == "group" && (a.i() < 1 || a.i() > kMaxValue))
        throw Error(who + ": attribute 'group' has value " + std::to_string(a.i()) + ", must be >= 1");
    }
    if (is_window_op(n.op_type())) check_window_lengths(n, model.graph(), who);
  }
}

}  // namespace qinfer

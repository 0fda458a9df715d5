#include "model_info.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "file_util.h"
#include "model.h"
#include "qinfer/error.h"

namespace {

using qinfer::Model;
using qinfer::TensorDesc;
using nlohmann::json;

std::string dims_string(const TensorDesc& t) {
  std::string s = "[";
  for (size_t i = 0; i < t.dims.size(); ++i)
    s += (i ? "," : "") + (t.dims[i] >= 0 ? std::to_string(t.dims[i]) : t.dim_names[i]);
  return s + "]";
}

std::string quant_string(const TensorDesc& t) {
  const auto& q = t.quant;
  if (q.empty()) return "";
  char buf[160];
  if (q.scale.size() == 1) {
    std::snprintf(buf, sizeof buf, "scale %.6g zp %d", q.scale[0], q.zero_point[0]);
  } else {
    const auto [lo, hi] = std::minmax_element(q.scale.begin(), q.scale.end());
    std::snprintf(buf, sizeof buf, "%zu scales (axis %d) %.4g..%.4g", q.scale.size(), q.axis, *lo, *hi);
  }
  return buf;
}

json tensor_json(const TensorDesc& t) {
  json j{{"name", t.name}, {"dtype", qinfer::dtype_name(t.dtype)}, {"shape", dims_string(t)},
         {"layout", qinfer::fb::EnumNameLayout(t.layout)}};
  if (!t.quant.empty()) j["quantization"] = {{"scale", t.quant.scale}, {"zero_point", t.quant.zero_point}, {"axis", t.quant.axis}};
  if (t.is_constant()) j["constant_bytes"] = t.constant_bytes;
  return j;
}

}  // namespace

namespace qinfer {

void print_model_info(const std::string& path, bool as_json, bool tensors) {
  const std::vector<char> bytes = qinfer::read_file_bytes(path);
  const Model m(bytes.data(), bytes.size(), path);
  const auto& ts = m.tensors();
  // Per node: op, precision, weight bytes (its constant inputs).
  json nodes = json::array();
  std::map<std::string, int> op_counts;
  size_t weight_total = 0;
  for (const auto& n : m.nodes()) {
    size_t weights = 0;
    for (int t : n.inputs)
      if (t >= 0 && ts[t].is_constant()) weights += ts[t].constant_bytes;
    weight_total += weights;
    // Same rule as Runtime::profile: 8-bit output or 8-bit first input; int16 (the W8A16 input
    // layer of qconv --input-int16) when either is int16.
    auto eight_bit = [&](int t) { return t >= 0 && (ts[t].dtype == qinfer::DType::UInt8 || ts[t].dtype == qinfer::DType::Int8); };
    auto sixteen_bit = [&](int t) { return t >= 0 && ts[t].dtype == qinfer::DType::Int16; };
    const bool int8 = eight_bit(n.outputs[0]) || (!n.inputs.empty() && eight_bit(n.inputs[0]));
    const bool int16 = sixteen_bit(n.outputs[0]) || (!n.inputs.empty() && sixteen_bit(n.inputs[0]));
    const std::string op = std::string(qinfer::op_name(n.op)) + (int16 ? " int16" : int8 ? " int8" : " fp32");
    op_counts[op]++;
    nodes.push_back({{"name", n.name}, {"op", op}, {"output", ts[n.outputs[0]].name}, {"weight_bytes", weights}});
  }
  if (as_json) {
    json j{{"file", path}, {"bytes", bytes.size()}, {"metadata", m.metadata()}, {"weight_bytes", weight_total},
           {"ops", op_counts}, {"nodes", nodes}};
    for (int i : m.inputs()) j["inputs"].push_back(tensor_json(ts[i]));
    for (int i : m.outputs()) j["outputs"].push_back(tensor_json(ts[i]));
    j["tensors"] = json::array();
    for (const auto& t : ts) j["tensors"].push_back(tensor_json(t));
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s: %zu bytes, %zu nodes, %zu tensors, %zu weight bytes\n", path.c_str(), bytes.size(), m.nodes().size(),
              ts.size(), weight_total);
  for (const auto& [k, v] : m.metadata()) std::printf("  %s: %s\n", k.c_str(), v.c_str());
  std::printf("inputs:\n");
  for (int i : m.inputs())
    std::printf("  %-24s %-8s %-20s %s\n", ts[i].name.c_str(), qinfer::dtype_name(ts[i].dtype), dims_string(ts[i]).c_str(), quant_string(ts[i]).c_str());
  std::printf("outputs:\n");
  for (int i : m.outputs())
    std::printf("  %-24s %-8s %-20s %s\n", ts[i].name.c_str(), qinfer::dtype_name(ts[i].dtype), dims_string(ts[i]).c_str(), quant_string(ts[i]).c_str());
  std::printf("ops:\n");
  for (const auto& [op, count] : op_counts) std::printf("  %-28s %d\n", op.c_str(), count);
  std::printf("nodes:\n  %-48s %-22s %12s  output quantization\n", "name", "op", "weight bytes");
  for (size_t i = 0; i < m.nodes().size(); ++i) {
    const auto& n = m.nodes()[i];
    std::printf("  %-48s %-22s %12zu  %s\n", n.name.substr(0, 48).c_str(), nodes[i]["op"].get<std::string>().c_str(),
                nodes[i]["weight_bytes"].get<size_t>(), quant_string(ts[n.outputs[0]]).c_str());
  }
  if (tensors) {
    std::printf("tensors:\n");
    for (const auto& t : ts)
      std::printf("  %-48s %-8s %-6s %-20s %s\n", t.name.substr(0, 48).c_str(), qinfer::dtype_name(t.dtype),
                  qinfer::fb::EnumNameLayout(t.layout), dims_string(t).c_str(), quant_string(t).c_str());
  }
}

}  // namespace qinfer

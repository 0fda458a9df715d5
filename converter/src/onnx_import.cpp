#include "onnx_import.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include "file_util.h"
#include "onnx_sanity.h"
#include "qinfer/error.h"

namespace qinfer {

const std::vector<std::string>& supported_onnx_ops() {
  static const std::vector<std::string> ops = {
      "Abs",          "Add",        "AveragePool", "BatchNormalization", "Cast",       "Clip",      "Concat",
      "Constant",     "ConstantOfShape", "Conv",  "ConvTranspose",      "Div",        "Dropout",   "Erf",
      "Exp",          "Flatten",    "Gather",      "Gemm",               "GlobalAveragePool", "HardSigmoid", "Identity",
      "LSTM",         "Log",        "MatMul",      "MaxPool",            "Mul",        "Neg",       "Pow",
      "Range",        "Reciprocal", "ReduceMean",  "Relu",               "Reshape",    "Resize",    "Shape",
      "Sigmoid",      "Slice",      "Softmax",     "Sqrt",               "Squeeze",    "Sub",       "Tanh",
      "Transpose",    "Unsqueeze",  "Upsample",    "Pad",                "Split",      "Where",
      "QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger"};
  return ops;
}

namespace {

// libonnx 1.12's shape inference reads out of bounds on some malformed models (fuzz_onnx found a
// QLinearConv whose input has rank 3 and weight rank 4: convPoolShapeInference indexes past its
// per-axis vectors). No check of ours can see the inferred ranks before inference runs, so it runs
// once in a child process first: a crash there becomes an error naming the file, not a crash of qconv.
// The child only infers and exits; an exception in it is left for the real run to report.
void probe_shape_inference(onnx::ModelProto& model, const std::string& path) {
  const pid_t pid = fork();
  if (pid < 0) return;  // no process to spare: infer directly, as without the probe
  if (pid == 0) {
    // Die by the signal itself: no sanitizer or fuzzer handler inherited from the parent may report
    // (or save) the child's crash as the parent's.
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
    try {
      onnx::shape_inference::InferShapes(model);  // the child's copy-on-write model, not the parent's
    } catch (...) {
    }
    _exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  const std::string how = WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                              : "exit status " + std::to_string(WEXITSTATUS(status));
  throw Error(path + ": ONNX shape inference (libonnx) crashed on this model (" + how +
              "): the model is malformed, e.g. a Conv/QLinearConv/ConvInteger whose input and weight ranks differ");
}

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

DType convert_dtype(int onnx_type, const std::string& what) {
  DType d;
  if (!ir::dtype_from_onnx_code(onnx_type, &d))
    throw Error(what + ": element type " + onnx::TensorProto_DataType_Name(onnx_type) +
                " is not supported (float, double, float16, bfloat16, uint8, int8, int32, int64, uint32, uint64, bool are)");
  return d;
}

// Bytes of an external-data tensor, read from the file beside the model.
std::string read_external(const onnx::TensorProto& t, const std::string& model_dir, const std::string& what) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& e : t.external_data()) {
    if (e.key() == "location") location = e.value();
    if (e.key() == "offset") offset = std::stoll(e.value());
    if (e.key() == "length") length = std::stoll(e.value());
  }
  if (location.empty() || location.find("..") != std::string::npos || location[0] == '/')
    throw Error(what + ": external data location '" + location + "' must be a relative path beside the model");
  const std::string path = model_dir + "/" + location;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(what + ": external data file '" + path + "' is missing or unreadable");
  in.seekg(0, std::ios::end);
  const int64_t size = in.tellg();
  if (length < 0) length = size - offset;
  if (offset < 0 || offset + length > size)
    throw Error(what + ": external data file '" + path + "' is too short (" + std::to_string(size) + " bytes, need " +
                std::to_string(offset + length) + ")");
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  return bytes;
}

Tensor convert_tensor(const onnx::TensorProto& t, const std::string& model_dir, const std::string& what) {
  const DType dtype = convert_dtype(t.data_type(), what);
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
  Tensor out(dtype, dims);
  const size_t bytes = out.byte_size();
  auto copy_raw = [&](const std::string& raw) {
    if (raw.size() != bytes)
      throw Error(what + ": holds " + std::to_string(raw.size()) + " bytes, shape " + shape_string(dims) + " needs " +
                  std::to_string(bytes));
    std::memcpy(out.raw_data(), raw.data(), bytes);
  };
  auto copy_field = [&](const auto& field, auto cast) {
    if (static_cast<int64_t>(field.size()) != out.element_count())
      throw Error(what + ": holds " + std::to_string(field.size()) + " values, shape " + shape_string(dims) + " needs " +
                  std::to_string(out.element_count()));
    for (int i = 0; i < field.size(); ++i) cast(i, field.Get(i));
  };
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    copy_raw(read_external(t, model_dir, what));
  } else if (t.has_raw_data()) {
    copy_raw(t.raw_data());
  } else if (dtype == DType::Float32) {
    copy_field(t.float_data(), [&](int i, float v) { out.data<float>()[i] = v; });
  } else if (dtype == DType::Int64) {
    copy_field(t.int64_data(), [&](int i, int64_t v) { out.data<int64_t>()[i] = v; });
  } else if (dtype == DType::Int32) {
    copy_field(t.int32_data(), [&](int i, int32_t v) { out.data<int32_t>()[i] = v; });
  } else if (dtype == DType::Float64) {
    copy_field(t.double_data(), [&](int i, double v) { out.data<double>()[i] = v; });
  } else if (dtype == DType::UInt32 || dtype == DType::UInt64) {  // both in uint64_data
    copy_field(t.uint64_data(), [&](int i, uint64_t v) {
      if (dtype == DType::UInt32) out.data<uint32_t>()[i] = static_cast<uint32_t>(v);
      else out.data<uint64_t>()[i] = v;
    });
  } else if (dtype == DType::Float16 || dtype == DType::BFloat16) {  // the 16 bits in int32_data
    copy_field(t.int32_data(), [&](int i, int32_t v) { static_cast<uint16_t*>(out.raw_data())[i] = static_cast<uint16_t>(v); });
  } else if (dtype == DType::UInt8 || dtype == DType::Bool) {  // bool: 0 or 1 in int32_data
    copy_field(t.int32_data(), [&](int i, int32_t v) {
      static_cast<uint8_t*>(out.raw_data())[i] = dtype == DType::Bool ? v != 0 : static_cast<uint8_t>(v);
    });
  } else {
    copy_field(t.int32_data(), [&](int i, int32_t v) { out.data<int8_t>()[i] = static_cast<int8_t>(v); });
  }
  return out;
}

void set_type(ir::Value& v, const onnx::TypeProto& type, const std::string& what) {
  if (type.value_case() != onnx::TypeProto::VALUE_NOT_SET && !type.has_tensor_type())
    throw Error(what + ": sequence, optional and map types are not supported (only tensors)");
  if (!type.has_tensor_type()) return;
  const auto& tt = type.tensor_type();
  if (tt.elem_type() != 0) v.dtype = convert_dtype(tt.elem_type(), what);
  if (!tt.has_shape()) return;
  v.shape_known = true;
  v.dims.clear();
  v.dim_names.clear();
  for (const auto& d : tt.shape().dim()) {
    if (d.has_dim_value()) {
      v.dims.push_back(d.dim_value());
      v.dim_names.push_back("");
    } else {
      v.dims.push_back(-1);
      v.dim_names.push_back(d.has_dim_param() ? d.dim_param() : "");
    }
  }
}

ir::Attr convert_attr(const onnx::AttributeProto& a, const std::string& model_dir, const std::string& what) {
  switch (a.type()) {
    case onnx::AttributeProto::INT: return a.i();
    case onnx::AttributeProto::FLOAT: return a.f();
    case onnx::AttributeProto::STRING: return a.s();
    case onnx::AttributeProto::INTS: return std::vector<int64_t>(a.ints().begin(), a.ints().end());
    case onnx::AttributeProto::FLOATS: return std::vector<float>(a.floats().begin(), a.floats().end());
    case onnx::AttributeProto::TENSOR: return convert_tensor(a.t(), model_dir, what);
    default:
      throw Error(what + ": attribute type " + onnx::AttributeProto_AttributeType_Name(a.type()) + " is not supported");
  }
}

}  // namespace

ir::Graph import_onnx(const std::string& path) {
  const std::vector<char> bytes = read_file_bytes(path);
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw Error(path + ": not a valid ONNX file (protobuf parse failed)");

  ir::Graph g;
  g.source = path;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") g.opset = o.version();
  if (g.opset == 0) throw Error(path + ": the model imports no default-domain (ai.onnx) opset");

  // Report every unsupported op before the (slower) checker runs: it is the most common failure.
  const auto& supported = supported_onnx_ops();
  for (int i = 0; i < model.graph().node_size(); ++i) {
    const auto& n = model.graph().node(i);
    const bool default_domain = n.domain().empty() || n.domain() == "ai.onnx";
    if (!default_domain || std::find(supported.begin(), supported.end(), n.op_type()) == supported.end()) {
      std::string list;
      for (const auto& s : supported) list += (list.empty() ? "" : ", ") + s;
      throw Error(path + ": node '" + (n.name().empty() ? "#" + std::to_string(i) : n.name()) + "' has op type '" +
                  (default_domain ? "" : n.domain() + ".") + n.op_type() +
                  "', which qconv does not support yet (supported: " + list + ")");
    }
  }

  // External data is read into the model now: our messages name a missing file, and the onnx
  // checker (which only knows the working directory) then sees plain in-memory tensors.
  for (auto& init : *model.mutable_graph()->mutable_initializer())
    if (init.data_location() == onnx::TensorProto::EXTERNAL) {
      init.set_raw_data(read_external(init, directory_of(path), path + ": initializer '" + init.name() + "'"));
      init.clear_external_data();
      init.set_data_location(onnx::TensorProto::DEFAULT);
    }
  check_attribute_ranges(model, path);
  const auto onnx_library = [&](auto&& step) {
    try {
      step();
    } catch (const std::exception& e) {
      throw Error(path + ": the ONNX checker or shape inference rejected the model: " + e.what());
    }
  };
  onnx_library([&] { onnx::checker::check_model(model); });
  probe_shape_inference(model, path);
  onnx_library([&] { onnx::shape_inference::InferShapes(model); });

  const std::string dir = directory_of(path);
  const auto& graph = model.graph();
  for (const auto& init : graph.initializer()) {
    ir::Value v;
    v.name = init.name();
    v.constant = convert_tensor(init, dir, path + ": initializer '" + init.name() + "'");
    v.dtype = v.constant->dtype();
    v.dims = v.constant->shape();
    v.dim_names.assign(v.dims.size(), "");
    v.shape_known = true;
    g.values[v.name] = std::move(v);
  }
  auto declare = [&](const onnx::ValueInfoProto& info) {
    ir::Value& v = g.values[info.name()];
    if (v.constant) return;
    v.name = info.name();
    set_type(v, info.type(), path + ": tensor '" + info.name() + "'");
  };
  for (const auto& in : graph.input())
    if (!g.values.count(in.name()) || !g.values[in.name()].constant) {
      declare(in);
      g.inputs.push_back(in.name());
    }
  for (const auto& info : graph.value_info()) declare(info);
  for (const auto& out : graph.output()) {
    declare(out);
    g.outputs.push_back(out.name());
  }

  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& n = graph.node(i);
    ir::Node node;
    node.name = n.name().empty() ? n.op_type() + "_" + std::to_string(i) : n.name();
    node.op = n.op_type();
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const auto& a : n.attribute())
      node.attrs[a.name()] = convert_attr(a, dir, path + ": " + node.describe() + " attribute '" + a.name() + "'");
    for (const std::string& o : node.outputs)
      if (!o.empty() && !g.values.count(o)) g.values[o].name = o;  // type unknown to shape inference
    for (const std::string& in : node.inputs)
      if (!in.empty() && !g.values.count(in))
        throw Error(path + ": " + node.describe() + " reads tensor '" + in + "', which nothing produces");
    g.nodes.push_back(std::move(node));
  }
  return g;
}

}  // namespace qinfer

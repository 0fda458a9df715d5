// Pad, Split and Where kernels in the runtime: what the loader and planner refuse (a qinfer::Error
// naming the node and the rule, never a crash), and the run-time behaviour the ONNX tests cannot
// reach (Split's uneven parts, a bool byte other than 0/1).
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "qinfer_schema/qbin_generated.h"
#include "test_support.h"

namespace qinfer {
namespace {

struct TensorSpec {
  std::string name;
  fb::DType dtype;
  std::vector<int64_t> dims;  // -1: symbolic "N"
  std::vector<uint8_t> data;  // non-empty: a constant
  float scale = 0.0f;         // > 0: per-tensor quantization (scale, zero_point)
  int32_t zero_point = 0;
};

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> out(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

using OptionsFn = std::function<std::pair<fb::OpOptions, flatbuffers::Offset<void>>(flatbuffers::FlatBufferBuilder&)>;

// One node reading tensors `ins` and writing `outs`; graph inputs are the non-constant tensors
// that are not outputs.
std::vector<uint8_t> one_node(const std::vector<TensorSpec>& tensors, fb::OpCode op, const std::vector<int32_t>& ins,
                              const std::vector<int32_t>& outs, const OptionsFn& options) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  std::vector<flatbuffers::Offset<fb::Tensor>> fts;
  std::vector<int32_t> graph_inputs;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorSpec& t = tensors[i];
    std::vector<flatbuffers::Offset<fb::Dim>> dims;
    for (int64_t d : t.dims) dims.push_back(d < 0 ? fb::CreateDim(b, -1, b.CreateString("N")) : fb::CreateDim(b, d));
    uint32_t buffer = 0;
    if (!t.data.empty()) {
      b.ForceVectorAlignment(t.data.size(), 1, 64);
      auto data = b.CreateVector(t.data);
      buffer = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(b, data));
    } else if (std::find(outs.begin(), outs.end(), static_cast<int32_t>(i)) == outs.end()) {
      graph_inputs.push_back(static_cast<int32_t>(i));
    }
    flatbuffers::Offset<fb::Quantization> quant = 0;
    if (t.scale > 0)
      quant = fb::CreateQuantization(b, b.CreateVector(std::vector<float>{t.scale}), b.CreateVector(std::vector<int32_t>{t.zero_point}));
    auto name = b.CreateString(t.name);
    auto dv = b.CreateVector(dims);
    fts.push_back(fb::CreateTensor(b, name, t.dtype, dv, fb::Layout::Plain, quant, buffer));
  }
  std::pair<fb::OpOptions, flatbuffers::Offset<void>> o{fb::OpOptions::NONE, 0};
  if (options) o = options(b);
  auto node = fb::CreateNode(b, b.CreateString("the_node"), op, 1, b.CreateVector(ins), b.CreateVector(outs), o.first, o.second);
  auto model = fb::CreateModel(b, 1, b.CreateString("test"), b.CreateVector(fts), b.CreateVector(buffers),
                               b.CreateVector(std::vector<flatbuffers::Offset<fb::Node>>{node}), b.CreateVector(graph_inputs),
                               b.CreateVector(outs));
  fb::FinishSizePrefixedModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

OptionsFn pad_options(fb::PadMode mode) {
  return [mode](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::OpOptions::PadOptions, fb::CreatePadOptions(b, mode).Union());
  };
}
OptionsFn split_options(int32_t axis, bool uneven) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::OpOptions::SplitOptions, fb::CreateSplitOptions(b, axis, uneven).Union());
  };
}

// The message of the Error that loading and running `bytes` on `x` raises ("" if none).
std::string error_of(const std::vector<uint8_t>& bytes, const std::map<std::string, Tensor>& inputs) {
  try {
    Runtime rt(bytes.data(), bytes.size());
    rt.run(inputs);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

Tensor ramp(std::vector<int64_t> shape) {
  Tensor t(DType::Float32, std::move(shape));
  for (int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = static_cast<float>(i) - 3.0f;
  return t;
}

void expect_error(const std::string& message, const std::string& rule) {
  EXPECT_NE(message.find("node 'the_node'"), std::string::npos) << message;
  EXPECT_NE(message.find(rule), std::string::npos) << message;
}

TEST(PadKernel, RefusesBadModesPadsAndValues) {
  const TensorSpec x{"x", fb::DType::Float32, {2, 3}, {}}, y{"y", fb::DType::Float32, {-1, -1}, {}};
  const TensorSpec pads{"pads", fb::DType::Int64, {4}, bytes_of<int64_t>({0, 1, 0, 1})};
  const std::map<std::string, Tensor> in = {{"x", ramp({2, 3})}};
  expect_error(error_of(one_node({x, pads, y}, fb::OpCode::Pad, {0, 1}, {2}, pad_options(static_cast<fb::PadMode>(7))), in),
               "unknown pad mode 7");
  expect_error(error_of(one_node({x, pads, y}, fb::OpCode::Pad, {0, 1}, {2}, nullptr), in), "options are missing");
  const TensorSpec short_pads{"pads", fb::DType::Int64, {2}, bytes_of<int64_t>({1, 1})};
  expect_error(error_of(one_node({x, short_pads, y}, fb::OpCode::Pad, {0, 1}, {2}, pad_options(fb::PadMode::Constant)), in),
               "pads has 2 values, expected 2 * rank = 4");
  const TensorSpec float_pads{"pads", fb::DType::Float32, {4}, bytes_of<float>({0, 1, 0, 1})};
  expect_error(error_of(one_node({x, float_pads, y}, fb::OpCode::Pad, {0, 1}, {2}, pad_options(fb::PadMode::Constant)), in),
               "expected int64 or int32");
  const TensorSpec crop{"pads", fb::DType::Int64, {4}, bytes_of<int64_t>({0, -2, 0, -2})};
  expect_error(error_of(one_node({x, crop, y}, fb::OpCode::Pad, {0, 1}, {2}, pad_options(fb::PadMode::Constant)), in),
               "crop more than dim 1");
  const TensorSpec huge{"pads", fb::DType::Int64, {4}, bytes_of<int64_t>({0, int64_t{1} << 62, 0, 0})};
  expect_error(error_of(one_node({x, huge, y}, fb::OpCode::Pad, {0, 1}, {2}, pad_options(fb::PadMode::Constant)), in),
               "beyond +-2^40");
  // Edge/reflect growth of an axis cropped to nothing has nothing to copy.
  const TensorSpec empty_then_grow{"pads", fb::DType::Int64, {4}, bytes_of<int64_t>({0, -3, 0, 1})};
  expect_error(error_of(one_node({x, empty_then_grow, y}, fb::OpCode::Pad, {0, 1}, {2}, pad_options(fb::PadMode::Edge)), in),
               "need a non-empty extent");
  const TensorSpec int_value{"v", fb::DType::Int64, {}, bytes_of<int64_t>({1})};
  expect_error(error_of(one_node({x, pads, int_value, y}, fb::OpCode::Pad, {0, 1, 2}, {3}, pad_options(fb::PadMode::Constant)), in),
               "constant value 'v' is int64, expected float32");
}

// Pads that are a graph input decide the output shape from run-time data: a shape-like input
// (int64 [4]), so the runtime plans per value of it; the same Runtime serves two pads.
TEST(PadKernel, PadsFromAGraphInputArePlannedPerValue) {
  const TensorSpec x{"x", fb::DType::Float32, {2, 3}, {}}, pads{"pads", fb::DType::Int64, {4}, {}}, y{"y", fb::DType::Float32, {-1, -1}, {}};
  const std::vector<uint8_t> bytes = one_node({x, pads, y}, fb::OpCode::Pad, {0, 1}, {2}, pad_options(fb::PadMode::Constant));
  Runtime rt(bytes.data(), bytes.size());
  for (const std::vector<int64_t>& p : {std::vector<int64_t>{1, 0, 0, 2}, std::vector<int64_t>{0, 1, 1, 0}}) {
    Tensor pv(DType::Int64, {4});
    std::copy(p.begin(), p.end(), pv.data<int64_t>());
    const Tensor in = ramp({2, 3});
    const Tensor out = rt.run({{"x", in}, {"pads", pv}})[0];
    ASSERT_EQ(out.shape(), (std::vector<int64_t>{2 + p[0] + p[2], 3 + p[1] + p[3]}));
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(out.data<float>()[(i + p[0]) * out.shape()[1] + j + p[1]], in.data<float>()[i * 3 + j]);
  }
}

TEST(PadKernel, ConstantValueInputIsUsed) {
  const TensorSpec x{"x", fb::DType::Float32, {-1, 2}, {}}, y{"y", fb::DType::Float32, {-1, -1}, {}};
  const TensorSpec pads{"pads", fb::DType::Int64, {4}, bytes_of<int64_t>({1, 0, 0, 1})};
  const TensorSpec v{"v", fb::DType::Float32, {}, bytes_of<float>({-7.5f})};
  const std::vector<uint8_t> bytes = one_node({x, pads, v, y}, fb::OpCode::Pad, {0, 1, 2}, {3}, pad_options(fb::PadMode::Constant));
  Runtime rt(bytes.data(), bytes.size());
  for (int64_t n : {1, 3}) {  // one Runtime, two input shapes
    const Tensor in = ramp({n, 2});
    const Tensor out = rt.run(in)[0];
    ASSERT_EQ(out.shape(), (std::vector<int64_t>{n + 1, 3}));
    for (int64_t i = 0; i < n + 1; ++i)
      for (int64_t j = 0; j < 3; ++j)
        EXPECT_EQ(out.data<float>()[i * 3 + j], i == 0 || j == 2 ? -7.5f : in.data<float>()[(i - 1) * 2 + j]);
  }
}

// On quantized data the constant value is real: quantized with the data's scale and zero point
// (0.5 / 0.25 + 10 = 12), and the output must keep the input's quantization.
TEST(PadKernel, QuantizedDataPadsWithTheQuantizedValue) {
  const TensorSpec x{"x", fb::DType::UInt8, {2, 3}, {}, 0.25f, 10}, y{"y", fb::DType::UInt8, {-1, -1}, {}, 0.25f, 10};
  const TensorSpec pads{"pads", fb::DType::Int64, {4}, bytes_of<int64_t>({0, 1, 1, 0})};
  const TensorSpec v{"v", fb::DType::Float32, {}, bytes_of<float>({0.5f})};
  const std::vector<uint8_t> bytes = one_node({x, pads, v, y}, fb::OpCode::Pad, {0, 1, 2}, {3}, pad_options(fb::PadMode::Constant));
  Runtime rt(bytes.data(), bytes.size());
  Tensor in(DType::UInt8, {2, 3});
  for (int i = 0; i < 6; ++i) in.data<uint8_t>()[i] = static_cast<uint8_t>(200 + i);
  const Tensor out = rt.run(in)[0];
  ASSERT_EQ(out.shape(), (std::vector<int64_t>{3, 4}));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      EXPECT_EQ(out.data<uint8_t>()[i * 4 + j], i == 2 || j == 0 ? 12 : 200 + i * 3 + (j - 1)) << i << "," << j;
  const TensorSpec y_other{"y", fb::DType::UInt8, {-1, -1}, {}, 0.5f, 10};
  expect_error(error_of(one_node({x, pads, v, y_other}, fb::OpCode::Pad, {0, 1, 2}, {3}, pad_options(fb::PadMode::Constant)), {{"x", in}}),
               "must have the quantization of input 'x'");
  const TensorSpec v_u8{"v", fb::DType::UInt8, {}, {3}};
  expect_error(error_of(one_node({x, pads, v_u8, y}, fb::OpCode::Pad, {0, 1, 2}, {3}, pad_options(fb::PadMode::Constant)), {{"x", in}}),
               "constant value of quantized data 'v' is uint8, expected float32");
}

TEST(SplitKernel, RefusesSizesThatDoNotFit) {
  const TensorSpec x{"x", fb::DType::Float32, {7, 2}, {}}, a{"a", fb::DType::Float32, {-1, 2}, {}}, b{"b", fb::DType::Float32, {-1, 2}, {}};
  const std::map<std::string, Tensor> in = {{"x", ramp({7, 2})}};
  const TensorSpec s{"s", fb::DType::Int64, {2}, bytes_of<int64_t>({3, 3})};
  expect_error(error_of(one_node({x, s, a, b}, fb::OpCode::Split, {0, 1}, {2, 3}, split_options(0, false)), in), "sums to 6");
  const TensorSpec neg{"s", fb::DType::Int64, {2}, bytes_of<int64_t>({8, -1})};
  expect_error(error_of(one_node({x, neg, a, b}, fb::OpCode::Split, {0, 1}, {2, 3}, split_options(0, false)), in),
               "negative size or sums to more than 7");
  const TensorSpec three{"s", fb::DType::Int64, {3}, bytes_of<int64_t>({3, 3, 1})};
  expect_error(error_of(one_node({x, three, a, b}, fb::OpCode::Split, {0, 1}, {2, 3}, split_options(0, false)), in),
               "split has 3 sizes for 2 outputs");
  expect_error(error_of(one_node({x, a, b}, fb::OpCode::Split, {0}, {1, 2}, split_options(0, false)), in),
               "does not split into 2 equal parts");
  expect_error(error_of(one_node({x, a, b}, fb::OpCode::Split, {0}, {1, 2}, split_options(2, false)), in),
               "axis 2 is out of range for rank 2");
  expect_error(error_of(one_node({x, a, b}, fb::OpCode::Split, {0}, {1, 2}, nullptr), in), "options are missing");
  const TensorSpec i32{"c", fb::DType::Int32, {-1, 2}, {}};
  expect_error(error_of(one_node({x, a, i32}, fb::OpCode::Split, {0}, {1, 2}, split_options(0, true)), in),
               "output 'c' is int32, expected float32");
}

// `uneven` (ONNX 18 num_outputs): parts of ceil(7 / 3) = 3, the last one smaller.
TEST(SplitKernel, UnevenPartsAreCeilSizedWithASmallerLast) {
  const TensorSpec x{"x", fb::DType::Float32, {2, 7}, {}};
  std::vector<TensorSpec> t = {x};
  for (const char* n : {"a", "b", "c"}) t.push_back({n, fb::DType::Float32, {2, -1}, {}});
  const std::vector<uint8_t> bytes = one_node(t, fb::OpCode::Split, {0}, {1, 2, 3}, split_options(-1, true));
  Runtime rt(bytes.data(), bytes.size());
  const Tensor in = ramp({2, 7});
  const std::vector<Tensor> out = rt.run(in);
  const int64_t sizes[] = {3, 3, 1};
  int64_t first = 0;
  for (int j = 0; j < 3; ++j) {
    ASSERT_EQ(out[j].shape(), (std::vector<int64_t>{2, sizes[j]}));
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t k = 0; k < sizes[j]; ++k) EXPECT_EQ(out[j].data<float>()[r * sizes[j] + k], in.data<float>()[r * 7 + first + k]);
    first += sizes[j];
  }
  // 5 into 4 parts of 2 would leave -1 for the last.
  const std::vector<TensorSpec> t4 = {{"x", fb::DType::Float32, {5}, {}}, {"a", fb::DType::Float32, {-1}, {}},
                                      {"b", fb::DType::Float32, {-1}, {}}, {"c", fb::DType::Float32, {-1}, {}},
                                      {"d", fb::DType::Float32, {-1}, {}}};
  expect_error(error_of(one_node(t4, fb::OpCode::Split, {0}, {1, 2, 3, 4}, split_options(0, true)), {{"x", ramp({5})}}),
               "cannot be split into 4 parts of 2");
}

TEST(WhereKernel, RefusesNonBoolConditionsAndShapesThatDoNotBroadcast) {
  const TensorSpec c{"c", fb::DType::Bool, {2, 1}, {}}, x{"x", fb::DType::Float32, {-1, 3}, {}};
  const TensorSpec k{"k", fb::DType::Float32, {3}, bytes_of<float>({1, 2, 3})}, y{"y", fb::DType::Float32, {-1, 3}, {}};
  const TensorSpec cu8{"c", fb::DType::UInt8, {2, 1}, {}};
  Tensor cond(DType::Bool, {2, 1});
  expect_error(error_of(one_node({cu8, x, k, y}, fb::OpCode::Where, {0, 1, 2}, {3}, nullptr), {}),
               "condition 'c' is uint8, expected bool");
  const TensorSpec ki{"k", fb::DType::Int64, {3}, bytes_of<int64_t>({1, 2, 3})};
  expect_error(error_of(one_node({c, x, ki, y}, fb::OpCode::Where, {0, 1, 2}, {3}, nullptr), {}),
               "input Y 'k' is int64, expected float32");
  expect_error(error_of(one_node({c, x, k, y}, fb::OpCode::Where, {0, 1, 2}, {3}, nullptr),
                        {{"c", cond}, {"x", ramp({3, 3})}}),
               "do not broadcast");
}

// A bool byte other than 0 or 1 (from a .npy or a fuzzed file) reads as true.
TEST(WhereKernel, AnyNonZeroConditionByteIsTrue) {
  const TensorSpec c{"c", fb::DType::Bool, {4, 1}, {}}, x{"x", fb::DType::Float32, {4, 3}, {}};
  const TensorSpec k{"k", fb::DType::Float32, {3}, bytes_of<float>({100, 200, 300})}, y{"y", fb::DType::Float32, {4, 3}, {}};
  const std::vector<uint8_t> bytes = one_node({c, x, k, y}, fb::OpCode::Where, {0, 1, 2}, {3}, nullptr);
  Runtime rt(bytes.data(), bytes.size());
  Tensor cond(DType::Bool, {4, 1});
  const uint8_t raw[] = {0, 1, 2, 255};
  std::memcpy(cond.raw_data(), raw, 4);
  const Tensor in = ramp({4, 3});
  const Tensor out = rt.run({{"c", cond}, {"x", in}})[0];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(out.data<float>()[i * 3 + j], raw[i] ? in.data<float>()[i * 3 + j] : 100.0f * float(j + 1)) << i << "," << j;
}

// Where's condition comes from .npy files too (qrun --input): numpy's bool is '|b1'.
TEST(BoolTensors, RoundTripThroughNpy) {
  Tensor t(DType::Bool, {2, 3});
  for (int i = 0; i < 6; ++i) static_cast<uint8_t*>(t.raw_data())[i] = i % 2;
  const std::string path = testing::temp_dir() + "/b.npy";
  write_npy(path, t);
  EXPECT_NE(testing::read_text(path).find("'descr': '|b1'"), std::string::npos);
  const Tensor back = read_npy(path);
  ASSERT_EQ(back.dtype(), DType::Bool);
  EXPECT_EQ(back.shape(), t.shape());
  EXPECT_EQ(std::memcmp(back.raw_data(), t.raw_data(), 6), 0);
  EXPECT_STREQ(dtype_name(DType::Bool), "bool");
  EXPECT_EQ(dtype_size(DType::Bool), 1u);
}

}  // namespace
}  // namespace qinfer

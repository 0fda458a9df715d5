// The bad-input catalogue: every way a user can hand qinfer something wrong, each with the exact
// error it must produce. Nothing may crash, and no tool may leave a partial output.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "converter/onnx_builder.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "runtime/tiny_models.h"
#include "test_support.h"

namespace qinfer {

namespace {

std::string qconv() { return testing::tool("qconv"); }
std::string qrun() { return testing::tool("qrun"); }

// Runs a command that must fail cleanly (exit 1) with `needle` in its message.
void expect_tool_error(const std::string& command, const std::string& needle) {
  const auto r = testing::run_command(command);
  EXPECT_EQ(r.exit_code, 1) << command << "\n" << r.output;
  EXPECT_NE(r.output.find("error: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << "expected '" << needle << "' in:\n" << r.output;
}

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

Runtime tiny() {
  const std::vector<uint8_t> bytes = testing::relu_add_model();
  return Runtime(bytes.data(), bytes.size());
}

// A converted int8 MNIST model from the shipped example data (made once per test binary).
const std::string& mnist_int8() {
  static const std::string path = [] {
    const std::string dir = testing::temp_dir(), d = testing::source_dir() + "/examples/mnist/data";
    testing::run_command(qconv() + " " + d + "/mnist_cnn.onnx --calib " + d + "/calib_images.npy -o " + dir + "/m.qbin");
    return dir + "/m.qbin";
  }();
  return path;
}

}  // namespace

// --- model files ---------------------------------------------------------------------------

TEST(BadInput, TruncatedQbin) {
  std::vector<uint8_t> bytes = testing::relu_add_model();
  bytes.resize(bytes.size() - 3);
  EXPECT_NE(error_of([&] { Runtime(bytes.data(), bytes.size()); }).find("(truncated, or bytes appended)"), std::string::npos);
}

TEST(BadInput, ThousandBitFlipsGiveAnErrorOrAValidRun) {
  const std::string path = mnist_int8();
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  std::mt19937 rng(11);
  int loaded = 0, rejected = 0;
  Tensor x(DType::Float32, {1, 1, 28, 28});
  for (int i = 0; i < 1000; ++i) {
    std::vector<uint8_t> flipped = bytes;
    flipped[rng() % flipped.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    try {
      Runtime rt(flipped.data(), flipped.size());
      rt.run(x);
      ++loaded;  // a flip in weight data or padding gives a different but valid model
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()), "");
      ++rejected;
    }
  }
  std::printf("1000 bit flips: %d ran, %d rejected with an error\n", loaded, rejected);
  EXPECT_EQ(loaded + rejected, 1000);
}

TEST(BadInput, NotAQbin) {
  const std::string path = testing::temp_dir() + "/model.qbin";
  std::ofstream(path) << "this is a text file, not a model";
  EXPECT_NE(error_of([&] { Runtime rt(path); }).find(path + ": invalid qbin: missing file identifier 'QBIN'"), std::string::npos);
  EXPECT_NE(error_of([&] { Runtime rt(path + ".missing"); }).find("cannot open for reading"), std::string::npos);
}

// --- run() inputs --------------------------------------------------------------------------

TEST(BadInput, WrongInputNameCountShapeAndDType) {
  const Runtime rt = tiny();
  EXPECT_NE(error_of([&] { rt.run(std::map<std::string, Tensor>{}); }).find("input 'x' was not given"), std::string::npos);
  EXPECT_NE(error_of([&] { rt.run({{"x", Tensor(DType::Float32, {1, 4})}, {"z", Tensor(DType::Float32, {1})}}); })
                .find("the model has no input named 'z' (inputs: 'x')"),
            std::string::npos);
  EXPECT_NE(error_of([&] { rt.run(Tensor(DType::Float32, {2, 3})); }).find("input 'x' dimension 1 must be 4, got shape [2,3]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { rt.run(Tensor(DType::Float32, {4})); }).find("input 'x' must have rank 2, got shape [4]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { rt.run(Tensor(DType::Int32, {1, 4})); }).find("input 'x' must be float32, got int32"),
            std::string::npos);
}

TEST(BadInput, NanAndInfInputsHaveDefinedResults) {
  // fp32 ops follow IEEE arithmetic: relu(x) + x with x = NaN is NaN, with +Inf is +Inf.
  const Runtime rt = tiny();
  Tensor x(DType::Float32, {1, 4});
  x.data<float>()[0] = NAN;
  x.data<float>()[1] = INFINITY;
  x.data<float>()[2] = -INFINITY;
  x.data<float>()[3] = 1.0f;
  const Tensor y = rt.run(x)[0];
  EXPECT_TRUE(std::isnan(y.data<float>()[0]));
  EXPECT_EQ(y.data<float>()[1], INFINITY);
  EXPECT_EQ(y.data<float>()[2], -INFINITY);  // relu(-inf) + -inf = 0 + -inf
  EXPECT_EQ(y.data<float>()[3], 2.0f);
}

TEST(BadInput, NanAndInfSaturateAtTheInt8Boundary) {
  // Quantize maps NaN to the lowest grid value and +-Inf to the ends: the int8 model still
  // returns finite logits.
  const Runtime rt(mnist_int8());
  Tensor x(DType::Float32, {1, 1, 28, 28});
  for (int64_t i = 0; i < x.element_count(); ++i) x.data<float>()[i] = i % 3 == 0 ? NAN : (i % 3 == 1 ? INFINITY : -INFINITY);
  const Tensor y = rt.run(x)[0];
  for (int64_t i = 0; i < y.element_count(); ++i) EXPECT_TRUE(std::isfinite(y.data<float>()[i]));
}

// --- converter inputs ----------------------------------------------------------------------

TEST(BadInput, UnsupportedOpNamesNodeAndOp) {
  const std::string dir = testing::temp_dir();
  testing::save(testing::conv_then("Sin"), dir + "/sin.onnx");
  expect_tool_error(qconv() + " " + dir + "/sin.onnx --no-quantize -o " + dir + "/out.qbin",
                    "node 'the_node' has op type 'Sin', which qconv does not support yet");
  EXPECT_FALSE(testing::exists(dir + "/out.qbin"));
}

TEST(BadInput, ExternalDataMissing) {
  const std::string dir = testing::temp_dir();
  onnx::ModelProto m = testing::conv_then("Relu");
  onnx::TensorProto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value("weights.bin");
  testing::save(m, dir + "/ext.onnx");
  expect_tool_error(qconv() + " " + dir + "/ext.onnx --no-quantize -o " + dir + "/m.qbin",
                    "external data file '" + dir + "/weights.bin' is missing or unreadable");
  EXPECT_FALSE(testing::exists(dir + "/m.qbin"));
  // With the file beside the model (not in the working directory) it converts.
  const float w_data[2] = {0.5f, -1.0f};
  std::ofstream(dir + "/weights.bin", std::ios::binary).write(reinterpret_cast<const char*>(w_data), sizeof(w_data));
  const auto ok = testing::run_command("cd / && " + qconv() + " " + dir + "/ext.onnx --no-quantize -o " + dir + "/m.qbin");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  // A file too short for the tensor is named too.
  std::ofstream(dir + "/weights.bin", std::ios::binary).write(reinterpret_cast<const char*>(w_data), 4);
  expect_tool_error(qconv() + " " + dir + "/ext.onnx --no-quantize -o " + dir + "/m2.qbin", "initializer 'w': holds 4 bytes, shape [2,1,1,1] needs 8");
}

TEST(BadInput, NotAnOnnxFile) {
  const std::string dir = testing::temp_dir();
  std::ofstream(dir + "/junk.onnx") << "\x01\x02garbage";
  expect_tool_error(qconv() + " " + dir + "/junk.onnx --no-quantize -o " + dir + "/m.qbin",
                    dir + "/junk.onnx: not a valid ONNX file");
  expect_tool_error(qconv() + " " + dir + "/none.onnx --no-quantize -o " + dir + "/m.qbin",
                    dir + "/none.onnx: cannot open for reading");
}

TEST(BadInput, CalibrationDataMissingEmptyOrWrong) {
  const std::string dir = testing::temp_dir();
  testing::save(testing::conv_then("Relu"), dir + "/relu.onnx");
  const std::string cmd = qconv() + " " + dir + "/relu.onnx -o " + dir + "/m.qbin";
  expect_tool_error(cmd, "quantization needs calibration data (--calib PATH or --load-calib CACHE)");
  expect_tool_error(cmd + " --calib " + dir + "/nowhere", dir + "/nowhere: calibration data not found");
  testing::run_command("mkdir " + dir + "/empty");
  expect_tool_error(cmd + " --calib " + dir + "/empty", dir + "/empty: calibration folder holds no .npy files");
  write_npy(dir + "/wrong_rank.npy", Tensor(DType::Float32, {4, 4}));
  expect_tool_error(cmd + " --calib " + dir + "/wrong_rank.npy", "does not fit a model input of rank 4");
  write_npy(dir + "/ints.npy", Tensor(DType::Int32, {2, 1, 4, 4}));
  expect_tool_error(cmd + " --calib " + dir + "/ints.npy", "calibration data must be float32, got int32");
  EXPECT_FALSE(testing::exists(dir + "/m.qbin"));
}

TEST(BadInput, UnwritableOutputPaths) {
  const std::string dir = testing::temp_dir();
  testing::save(testing::conv_then("Relu"), dir + "/relu.onnx");
  expect_tool_error(qconv() + " " + dir + "/relu.onnx --no-quantize -o " + dir + "/no/such/dir/m.qbin",
                    dir + "/no/such/dir/m.qbin: cannot write");
  write_npy(dir + "/x.npy", Tensor(DType::Float32, {1, 4}));
  const std::vector<uint8_t> bytes = testing::relu_add_model();
  std::ofstream(dir + "/tiny.qbin", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  expect_tool_error(qrun() + " " + dir + "/tiny.qbin --input " + dir + "/x.npy --output " + dir + "/no/such/dir/y.npy",
                    dir + "/no/such/dir/y.npy: cannot write");
}

TEST(BadInput, UnreadableInputNpy) {
  const std::string dir = testing::temp_dir();
  const std::vector<uint8_t> bytes = testing::relu_add_model();
  std::ofstream(dir + "/tiny.qbin", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  std::ofstream(dir + "/bad.npy") << "not numpy";
  expect_tool_error(qrun() + " " + dir + "/tiny.qbin --input " + dir + "/bad.npy", dir + "/bad.npy: not a .npy file");
  write_npy(dir + "/x.npy", Tensor(DType::Float32, {3, 5}));
  expect_tool_error(qrun() + " " + dir + "/tiny.qbin --input " + dir + "/x.npy", "dimension 1 must be 4");
}

}  // namespace qinfer

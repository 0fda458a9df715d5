// Int8 results are defined bit for bit (DESIGN.md, ops/quant_math.h), so a committed model must
// give the same output bytes on every CPU, ISA variant and thread count. The expected hashes were
// written by an x86-64 run (UPDATE_GOLDEN=1 rewrites them); the aarch64 build under qemu checks
// the same files.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "test_support.h"

namespace qinfer {

namespace {
uint64_t fnv1a(const void* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

void check_golden(const std::string& model, const Tensor& input, const std::string& hash_file) {
  for (int threads : {1, 2}) {
    Runtime::Options o;
    o.threads = threads;
    const Runtime rt(model, o);
    const Tensor y = rt.run(input)[0];
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(y.raw_data(), y.byte_size())));
    if (std::getenv("UPDATE_GOLDEN")) {
      std::ofstream(hash_file) << hex << "\n";
      continue;
    }
    std::ifstream in(hash_file);
    std::string expected;
    in >> expected;
    EXPECT_EQ(expected, hex) << model << " with " << threads << " threads";
  }
}
}  // namespace

TEST(GoldenOutputs, MnistInt8BytesMatchTheX86Run) {
  const std::string d = testing::source_dir();
  const Tensor all = read_npy(d + "/examples/mnist/data/test_images.npy");
  Tensor x(DType::Float32, {16, 1, 28, 28});
  std::memcpy(x.raw_data(), all.raw_data(), x.byte_size());
  check_golden(d + "/tests/data/golden/mnist_int8.qbin", x, d + "/tests/data/golden/mnist_int8.fnv");
}

}  // namespace qinfer

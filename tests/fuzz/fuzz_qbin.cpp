// Fuzzes the qbin loader and, when a model loads, one run on small inputs of its declared
// shapes. Any outcome but success or qinfer::Error (crash, sanitizer report, other exception)
// is a bug.
#include <cstddef>
#include <cstdint>

#include "fuzz_limits.h"
#include "qinfer/runtime.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    qinfer::Runtime::Options options;
    options.max_memory_bytes = qinfer::fuzz::kMaxMemoryBytes;  // a legal model needing more is refused
    qinfer::Runtime rt(data, size, options);
    if (!qinfer::fuzz::cheap_geometry(data)) return 0;  // loaded and verified; too slow to run
    std::map<std::string, qinfer::Tensor> inputs;
    for (const qinfer::TensorInfo& info : rt.inputs()) {
      std::vector<int64_t> shape = info.shape;
      for (int64_t& d : shape)
        if (d < 0) d = 1;  // symbolic: the smallest size
      // element_count throws qinfer::Error on overflow; a legal but huge input is not run.
      if (qinfer::element_count(shape) > qinfer::fuzz::kMaxInputElements) return 0;
      inputs.emplace(info.name, qinfer::Tensor(info.dtype, shape));
    }
    rt.run(inputs);
  } catch (const qinfer::Error&) {
  }
  return 0;
}

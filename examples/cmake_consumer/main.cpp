// Loads a .qbin, runs it once on zeros of each input's shape (symbolic dims = 1), prints outputs.
#include <cstdio>

#include "qinfer/runtime.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer MODEL.qbin\n");
    return 2;
  }
  try {
    const qinfer::Runtime rt(argv[1]);
    std::map<std::string, qinfer::Tensor> inputs;
    for (const qinfer::TensorInfo& info : rt.inputs()) {
      std::vector<int64_t> shape = info.shape;
      for (int64_t& d : shape) d = d < 0 ? 1 : d;
      inputs.emplace(info.name, qinfer::Tensor(info.dtype, shape));
    }
    const std::vector<qinfer::Tensor> outputs = rt.run(inputs);
    for (size_t i = 0; i < outputs.size(); ++i)
      std::printf("%s %s %s\n", rt.outputs()[i].name.c_str(), qinfer::dtype_name(outputs[i].dtype()),
                  qinfer::shape_string(outputs[i].shape()).c_str());
  } catch (const qinfer::Error& e) {
    std::fprintf(stderr, "consumer: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

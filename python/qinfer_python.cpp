// Python bindings (pybind11): qinfer.Runtime for inference with numpy arrays, qinfer.convert for
// ONNX -> qbin. Errors raise qinfer.Error with the library's message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

#include "qinfer/converter.h"
#include "qinfer/image.h"
#include "qinfer/preprocess.h"
#include "qinfer/runtime.h"
#include "qinfer/version.h"

namespace py = pybind11;

namespace {

const char* numpy_name(qinfer::DType d) {
  switch (d) {
    case qinfer::DType::Float32: return "float32";
    case qinfer::DType::UInt8: return "uint8";
    case qinfer::DType::Int8: return "int8";
    case qinfer::DType::Int32: return "int32";
    case qinfer::DType::Int64: return "int64";
    case qinfer::DType::Bool: return "bool";
    case qinfer::DType::Float16: return "float16";
    case qinfer::DType::Float64: return "float64";
    case qinfer::DType::UInt32: return "uint32";
    case qinfer::DType::UInt64: return "uint64";
    case qinfer::DType::Int16: return "int16";
    case qinfer::DType::BFloat16: return "uint16";  // numpy has no bfloat16: the bit patterns
  }
  return "?";
}

py::dtype numpy_dtype(qinfer::DType d) { return py::dtype(numpy_name(d)); }

// A copy of `array` as a Tensor of the model input's type; a different dtype is an error (no
// silent conversion: float64 data should be converted by the caller, knowingly).
qinfer::Tensor to_tensor(const py::array& array, const qinfer::TensorInfo& info) {
  if (!array.dtype().is(numpy_dtype(info.dtype)))
    throw qinfer::Error("input '" + info.name + "' must be numpy " + numpy_name(info.dtype) + ", got " +
                        std::string(py::str(array.dtype())) + " (use .astype(np." + numpy_name(info.dtype) + "))");
  const py::array contiguous = py::array::ensure(array, py::array::c_style);
  std::vector<int64_t> shape(contiguous.shape(), contiguous.shape() + contiguous.ndim());
  qinfer::Tensor t(info.dtype, shape);
  std::memcpy(t.raw_data(), contiguous.data(), t.byte_size());
  return t;
}

py::array to_numpy(const qinfer::Tensor& t) {
  py::array out(numpy_dtype(t.dtype()), std::vector<py::ssize_t>(t.shape().begin(), t.shape().end()));
  std::memcpy(out.mutable_data(), t.raw_data(), t.byte_size());
  return out;
}

py::dict describe(const qinfer::TensorInfo& info) {
  py::dict d;
  d["name"] = info.name;
  d["dtype"] = numpy_name(info.dtype);
  py::list shape;
  for (size_t i = 0; i < info.shape.size(); ++i)
    shape.append(info.shape[i] >= 0 ? py::object(py::int_(info.shape[i])) : py::object(py::str(info.dim_names[i])));
  d["shape"] = shape;
  return d;
}

std::vector<py::array> run(const qinfer::Runtime& rt, const py::object& inputs) {
  std::map<std::string, qinfer::Tensor> tensors;
  if (py::isinstance<py::dict>(inputs)) {
    for (const auto& [key, value] : inputs.cast<py::dict>()) {
      const std::string name = py::str(key);
      const qinfer::TensorInfo* info = nullptr;
      for (const auto& i : rt.inputs()) info = i.name == name ? &i : info;
      if (!info) throw qinfer::Error("the model has no input named '" + name + "'");
      tensors.emplace(name, to_tensor(value.cast<py::array>(), *info));
    }
  } else {
    if (rt.inputs().size() != 1)
      throw qinfer::Error("the model has " + std::to_string(rt.inputs().size()) + " inputs: pass a dict {name: array}");
    tensors.emplace(rt.inputs()[0].name, to_tensor(inputs.cast<py::array>(), rt.inputs()[0]));
  }
  std::vector<qinfer::Tensor> outputs;
  {
    py::gil_scoped_release release;  // other Python threads may run while the model does
    outputs = rt.run(tensors);
  }
  std::vector<py::array> result;
  for (const auto& t : outputs) result.push_back(to_numpy(t));
  return result;
}

// A uint8 numpy array of shape (H, W) or (H, W, C), C in 1..4, as an Image (copied).
qinfer::Image to_image(const py::array& array) {
  if (!array.dtype().is(py::dtype("uint8")) || array.ndim() < 2 || array.ndim() > 3)
    throw qinfer::Error("an image must be a uint8 numpy array of shape (H, W) or (H, W, C), got " +
                        std::string(py::str(array.dtype())) + " with " + std::to_string(array.ndim()) + " dimensions");
  const py::array c = py::array::ensure(array, py::array::c_style);
  qinfer::Image im;
  im.height = static_cast<int>(c.shape(0));
  im.width = static_cast<int>(c.shape(1));
  im.channels = c.ndim() == 3 ? static_cast<int>(c.shape(2)) : 1;
  const auto* p = static_cast<const uint8_t*>(c.data());
  im.pixels.assign(p, p + c.nbytes());
  return im;
}

py::array image_to_numpy(const qinfer::Image& im) {
  py::array out(py::dtype("uint8"), std::vector<py::ssize_t>{im.height, im.width, im.channels});
  std::memcpy(out.mutable_data(), im.pixels.data(), im.pixels.size());
  return out;
}

}  // namespace

PYBIND11_MODULE(qinfer, m) {
  m.doc() = "qinfer: int8 inference runtime and post-training quantizer";
  m.attr("__version__") = qinfer::version_string();
  py::register_exception<qinfer::Error>(m, "Error", PyExc_RuntimeError);

  py::class_<qinfer::Runtime>(m, "Runtime", "A loaded .qbin model. run() may be called from several threads.")
      .def(py::init([](const std::string& path, int threads) {
             qinfer::Runtime::Options o;
             o.threads = threads;
             return std::make_unique<qinfer::Runtime>(path, o);
           }),
           py::arg("path"), py::arg("threads") = 1)
      .def_property_readonly("inputs", [](const qinfer::Runtime& rt) {
        py::list l;
        for (const auto& i : rt.inputs()) l.append(describe(i));
        return l;
      }, "list of {name, dtype, shape}; symbolic dimensions are their names")
      .def_property_readonly("outputs", [](const qinfer::Runtime& rt) {
        py::list l;
        for (const auto& i : rt.outputs()) l.append(describe(i));
        return l;
      })
      .def_property_readonly("metadata", &qinfer::Runtime::metadata)
      .def("preprocess",
           [](const qinfer::Runtime& rt, const py::array& image) {
             return to_numpy(qinfer::preprocess_image(to_image(image), rt.metadata()));
           },
           py::arg("image"),
           "The model input for a uint8 HWC image (numpy, e.g. from qinfer.read_image) with the preprocessing "
           "recorded by qconv --preprocess; a float32 array with a batch dimension of 1.")
      .def("run", &run, py::arg("inputs"),
           "Runs the model on a numpy array (single-input models) or a dict {input name: array}; returns the "
           "outputs as a list of numpy arrays in the order of `outputs`.");

  m.def("read_image", [](const std::string& path, int channels) { return image_to_numpy(qinfer::read_image(path, channels)); },
        py::arg("path"), py::arg("channels") = 0,
        "Decodes a PNG/JPEG file to a uint8 array of shape (H, W, C); channels 0 keeps the file's, 1 gray, 3 RGB.");
  m.def("preprocess",
        [](const py::array& image, const std::string& spec) {
          return to_numpy(qinfer::preprocess_image(to_image(image), qinfer::parse_preprocess(spec)));
        },
        py::arg("image"), py::arg("spec"),
        "Applies a --preprocess SPEC to a uint8 HWC image; returns the float32 model input (batch of 1).");

  m.def("convert",
        [](const std::string& onnx, const std::string& output, const std::optional<std::string>& calib, bool quantize,
           const std::string& method, double percentile, const std::optional<std::string>& emit_qdq, int threads,
           const std::string& preprocess, int64_t calib_limit) {
          qinfer::ConvertOptions o;
          o.onnx_path = onnx;
          o.output_path = output;
          o.calib_path = calib.value_or("");
          o.quantize = quantize;
          o.method = method;
          o.percentile = percentile;
          o.qdq_path = emit_qdq.value_or("");
          o.threads = threads;
          o.preprocess = preprocess;
          o.calib_limit = calib_limit;
          qinfer::ConvertSummary s;
          {
            py::gil_scoped_release release;
            s = qinfer::convert(o);
          }
          py::dict d;
          d["onnx_bytes"] = s.onnx_bytes;
          d["qbin_bytes"] = s.qbin_bytes;
          d["nodes"] = s.nodes;
          d["int8_nodes"] = s.int8_nodes;
          d["fp32_nodes"] = s.fp32_nodes;
          d["calib_samples"] = s.calib_samples;
          d["seconds"] = s.seconds;
          return d;
        },
        py::arg("onnx_path"), py::arg("output"), py::arg("calib") = py::none(), py::arg("quantize") = true,
        py::arg("method") = "percentile", py::arg("percentile") = 99.999, py::arg("emit_qdq") = py::none(),
        py::arg("threads") = 1, py::arg("preprocess") = "", py::arg("calib_limit") = 0,
        "Converts an ONNX model to a .qbin (int8 unless quantize=False; calib: .npy batch, folder of .npy, or folder "
        "of PNG/JPEG images with preprocess=SPEC, which is also recorded in the qbin; calib_limit caps the samples). "
        "Returns a summary dict. Nothing is written on error.");
}

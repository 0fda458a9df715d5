// .npy reading and writing: a small parser of the header dictionary numpy writes.
#include "qinfer/npy.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "file_util.h"
#include "qinfer/error.h"

namespace qinfer {

namespace {

// Returns the text after `'key':` in the header dictionary, or throws.
std::string header_value(const std::string& header, const std::string& key, const std::string& what) {
  const size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) throw Error(what + ": .npy header has no '" + key + "' entry");
  const size_t colon = header.find(':', at);
  if (colon == std::string::npos) throw Error(what + ": malformed .npy header near '" + key + "'");
  size_t start = colon + 1;
  while (start < header.size() && header[start] == ' ') ++start;
  return header.substr(start);
}

DType parse_descr(const std::string& rest, const std::string& what) {
  if (rest.empty() || rest[0] != '\'') throw Error(what + ": malformed 'descr' in .npy header");
  const std::string descr = rest.substr(1, rest.find('\'', 1) - 1);
  if (descr == "<f4") return DType::Float32;
  if (descr == "|u1" || descr == "<u1") return DType::UInt8;
  if (descr == "|i1" || descr == "<i1") return DType::Int8;
  if (descr == "<i4") return DType::Int32;
  if (descr == "<i8") return DType::Int64;
  if (descr == "|b1") return DType::Bool;
  if (descr == "<f2") return DType::Float16;
  if (descr == "<f8") return DType::Float64;
  if (descr == "<u4") return DType::UInt32;
  if (descr == "<u8") return DType::UInt64;
  throw Error(what + ": unsupported .npy dtype '" + descr +
              "' (supported: float32 <f4, uint8, int8, int32 <i4, int64 <i8, bool |b1, float16 <f2, float64 <f8, "
              "uint32 <u4, uint64 <u8)");
}

std::vector<int64_t> parse_shape(const std::string& rest, const std::string& what) {
  if (rest.empty() || rest[0] != '(') throw Error(what + ": malformed 'shape' in .npy header");
  const size_t close = rest.find(')');
  if (close == std::string::npos) throw Error(what + ": malformed 'shape' in .npy header");
  std::vector<int64_t> shape;
  std::string inner = rest.substr(1, close - 1);
  std::stringstream items(inner);
  std::string item;
  while (std::getline(items, item, ',')) {
    const size_t b = item.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    try {
      size_t used = 0;
      const long long v = std::stoll(item.substr(b), &used);
      if (v < 0) throw std::out_of_range("negative");
      shape.push_back(v);
    } catch (const std::exception&) {
      throw Error(what + ": bad dimension '" + item + "' in .npy shape");
    }
  }
  return shape;
}

}  // namespace

Tensor parse_npy(const void* data, size_t size, const std::string& what) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (size < 10 || std::memcmp(bytes, "\x93NUMPY", 6) != 0) throw Error(what + ": not a .npy file (bad magic)");
  const int major = bytes[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) throw Error(what + ": truncated .npy header");
    header_len = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (size_t(bytes[11]) << 24);
    header_start = 12;
  } else {
    throw Error(what + ": unsupported .npy format version " + std::to_string(major));
  }
  if (header_len > size - header_start) throw Error(what + ": truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(bytes + header_start), header_len);
  const DType dtype = parse_descr(header_value(header, "descr", what), what);
  if (header_value(header, "fortran_order", what).rfind("False", 0) != 0)
    throw Error(what + ": Fortran-ordered .npy arrays are not supported (save with np.ascontiguousarray)");
  std::vector<int64_t> shape = parse_shape(header_value(header, "shape", what), what);
  const int64_t count = element_count(shape);
  const size_t payload = size - header_start - header_len;
  const size_t need = static_cast<size_t>(count) * dtype_size(dtype);
  if (count > 0 && need / static_cast<size_t>(count) != dtype_size(dtype)) throw Error(what + ": .npy array too large");
  if (payload < need)
    throw Error(what + ": truncated .npy data: shape " + shape_string(shape) + " needs " + std::to_string(need) +
                " bytes, file has " + std::to_string(payload));
  Tensor t(dtype, std::move(shape));
  std::memcpy(t.raw_data(), bytes + header_start + header_len, need);
  return t;
}

Tensor read_npy(const std::string& path) {
  const std::vector<char> bytes = read_file_bytes(path);
  return parse_npy(bytes.data(), bytes.size(), path);
}

void write_npy(const std::string& path, const Tensor& tensor) {
  const char* descr = nullptr;
  switch (tensor.dtype()) {
    case DType::Float32: descr = "<f4"; break;
    case DType::UInt8: descr = "|u1"; break;
    case DType::Int8: descr = "|i1"; break;
    case DType::Int32: descr = "<i4"; break;
    case DType::Int64: descr = "<i8"; break;
    case DType::Bool: descr = "|b1"; break;
    case DType::Float16: descr = "<f2"; break;
    case DType::Float64: descr = "<f8"; break;
    case DType::UInt32: descr = "<u4"; break;
    case DType::UInt64: descr = "<u8"; break;
    case DType::Int16: descr = "<i2"; break;
    case DType::BFloat16: throw Error(path + ": bfloat16 has no .npy type (cast the tensor first)");
  }
  std::string shape = "(";
  for (size_t i = 0; i < tensor.shape().size(); ++i) shape += std::to_string(tensor.shape()[i]) + ",";
  if (tensor.shape().size() > 1) shape.pop_back();  // numpy writes (n,) for rank 1, (a, b) otherwise
  shape += ")";
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that magic + len + header + '\n' is a multiple of 64, as numpy does.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(static_cast<const char*>(tensor.raw_data()), tensor.byte_size());
  write_file_atomically(path, out.data(), out.size());
}

}  // namespace qinfer

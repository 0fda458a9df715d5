#include "calib_cache.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "file_util.h"
#include "qinfer/error.h"

namespace qinfer {

namespace {
constexpr const char* kFormat = "qinfer-calibration-cache";
constexpr int kVersion = 1;
}  // namespace

std::string model_fingerprint(const std::vector<uint8_t>& bytes) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (uint8_t b : bytes) h = (h ^ b) * 1099511628211ull;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

void save_calibration_cache(const std::string& path, const CalibrationCache& cache) {
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["model"] = cache.model;
  j["fingerprint"] = cache.fingerprint;
  j["samples"] = cache.samples;
  j["bins"] = Histogram::kBins;
  nlohmann::ordered_json tensors = nlohmann::ordered_json::object();
  for (const auto& [name, h] : cache.histograms) {
    // Bins as [index, count] pairs of the non-empty ones: most of the 4,096 are empty.
    nlohmann::ordered_json bins = nlohmann::ordered_json::array();
    for (size_t i = 0; i < h.counts().size(); ++i)
      if (h.counts()[i] != 0.0) bins.push_back({i, h.counts()[i]});
    tensors[name] = {{"min", h.min()}, {"max", h.max()}, {"limit", h.limit()}, {"total", h.total()},
                     {"zeros", h.zeros()}, {"bins", std::move(bins)}};
  }
  j["tensors"] = std::move(tensors);
  const std::string text = j.dump(1) + "\n";
  write_file_atomically(path, text.data(), text.size());
}

CalibrationCache load_calibration_cache(const std::string& path, const std::string& fingerprint) {
  const std::vector<char> bytes = read_file_bytes(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not a calibration cache: invalid JSON (" + e.what() + ")");
  }
  CalibrationCache cache;
  try {
    if (!j.is_object() || j.value("format", "") != kFormat)
      throw Error(path + ": not a calibration cache (no \"format\": \"" + kFormat + "\"; write one with --save-calib)");
    if (j.at("version").get<int>() != kVersion)
      throw Error(path + ": calibration cache version " + std::to_string(j.at("version").get<int>()) +
                  " is not supported (this qconv reads version " + std::to_string(kVersion) + ")");
    if (j.at("bins").get<int>() != Histogram::kBins)
      throw Error(path + ": calibration cache has " + std::to_string(j.at("bins").get<int>()) + " bins per histogram, expected " +
                  std::to_string(Histogram::kBins));
    cache.model = j.at("model").get<std::string>();
    cache.fingerprint = j.at("fingerprint").get<std::string>();
    if (cache.fingerprint != fingerprint)
      throw Error(path + ": this calibration cache was made from another model (" + cache.model + ", fingerprint " +
                  cache.fingerprint + "; this model's is " + fingerprint +
                  ") or by a qconv that converts it differently: calibrate again with --calib");
    cache.samples = j.at("samples").get<int64_t>();
    for (const auto& [name, t] : j.at("tensors").items()) {
      const std::string what = path + ": tensor '" + name + "'";
      std::vector<double> counts(Histogram::kBins, 0.0);
      for (const auto& bin : t.at("bins")) {
        const int64_t index = bin.at(0).get<int64_t>();
        if (index < 0 || index >= Histogram::kBins) throw Error(what + ": bin index " + std::to_string(index) + " out of range");
        counts[static_cast<size_t>(index)] = bin.at(1).get<double>();
      }
      cache.histograms.emplace(name, Histogram::restore(what, t.at("limit").get<double>(), t.at("total").get<double>(),
                                                        t.at("zeros").get<double>(), t.at("min").get<float>(),
                                                        t.at("max").get<float>(), std::move(counts)));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": malformed calibration cache: " + e.what());
  }
  return cache;
}

}  // namespace qinfer

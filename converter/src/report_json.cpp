// The per-layer error report as JSON (qconv --report-json), nlohmann-json.
#include <nlohmann/json.hpp>

#include "error_report.h"

namespace qinfer {

std::string report_json(const ErrorReport& r, const FallbackResult* fallback) {
  nlohmann::ordered_json j;
  j["model"] = r.model;
  j["samples"] = r.samples;
  j["output_cosine"] = r.output_cosine;
  j["sqnr_cap_db"] = kSqnrCapDb;
  j["order"] = "worst first: lowest alone.output_cosine, then lowest alone.sqnr_db";
  j["layers"] = nlohmann::ordered_json::array();
  for (const LayerError& e : r.layers)
    j["layers"].push_back({{"node", e.node},
                           {"op", e.op},
                           {"tensor", e.tensor},
                           {"full", {{"sqnr_db", e.sqnr_db}, {"cosine", e.cosine}}},
                           {"alone", {{"sqnr_db", e.alone_sqnr_db}, {"cosine", e.alone_cosine},
                                      {"output_cosine", e.alone_output_cosine}}}});
  if (fallback && fallback->ran)
    j["auto_fallback"] = {{"target_cosine", fallback->target_cosine},
                          {"held_out_samples", fallback->held_out_samples},
                          {"cosine_all_int8", fallback->cosine_all_int8},
                          {"kept_fp32", fallback->kept},
                          {"cosine_after_each", fallback->cosine_after},
                          {"ms_all_int8", fallback->ms_all_int8},
                          {"ms_mixed", fallback->ms_mixed}};
  return j.dump(2) + "\n";
}

}  // namespace qinfer

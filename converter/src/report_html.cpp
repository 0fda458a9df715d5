// The per-layer error report as one self-contained HTML page (qconv --report-html): inline CSS,
// an inline SVG bar chart per layer (output harm and SQNR), and the table. No scripts, no external resources,
// so it opens offline and renders the same in a headless browser (scripts/render_report.sh).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "error_report.h"

namespace qinfer {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Horizontal bars, worst layer on top. Left panel: the model output error with only this layer
// int8, 1 - cosine (red, the sort key). Right panel: the layer's SQNR with only it int8 (dark
// blue) and in the full int8 graph (light blue), from 0 to the largest finite SQNR shown.
std::string bar_chart(const ErrorReport& r) {
  const double row = 18, label_w = 330, harm_w = 250, gap = 90, db_w = 420, top = 40;
  const double db_x = label_w + harm_w + gap;
  double max_db = 10, max_harm = 1e-12;
  for (const LayerError& e : r.layers) {
    max_harm = std::max(max_harm, 1.0 - e.alone_output_cosine);
    for (double v : {e.sqnr_db, e.alone_sqnr_db})
      if (v < kSqnrCapDb) max_db = std::max(max_db, v);
  }
  max_db = std::ceil(max_db / 10) * 10;
  const double h = top + row * double(r.layers.size()) + 10;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", db_x + db_w + 50) +
                  "\" height=\"" + fmt("%.0f", h) + "\" role=\"img\" aria-label=\"error per layer\">\n";
  s += "<text x=\"" + fmt("%.0f", label_w) + "\" y=\"12\" class=\"head\">model output 1 &#8722; cosine, only this "
       "layer int8</text><text x=\"" + fmt("%.0f", db_x) + "\" y=\"12\" class=\"head\">layer SQNR (dB)</text>\n";
  for (double db = 0; db <= max_db; db += 10) {
    const double x = db_x + db_w * db / max_db;
    s += "<line x1=\"" + fmt("%.1f", x) + "\" y1=\"" + fmt("%.0f", top - 6) + "\" x2=\"" + fmt("%.1f", x) +
         "\" y2=\"" + fmt("%.0f", h - 10) + "\" class=\"grid\"/><text x=\"" + fmt("%.1f", x) + "\" y=\"" +
         fmt("%.0f", top - 10) + "\" class=\"axis\">" + fmt("%.0f", db) + "</text>\n";
  }
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerError& e = r.layers[i];
    const double y = top + row * double(i);
    auto width = [&](double db) { return db_w * std::clamp(db, 0.0, max_db) / max_db; };
    const double harm = std::max(0.0, 1.0 - e.alone_output_cosine);
    s += "<text x=\"" + fmt("%.0f", label_w - 6) + "\" y=\"" + fmt("%.1f", y + 12) + "\" class=\"label\">" +
         escape(e.node) + " (" + escape(e.op) + ")</text>";
    s += "<rect x=\"" + fmt("%.0f", label_w) + "\" y=\"" + fmt("%.1f", y + 2) + "\" width=\"" +
         fmt("%.1f", harm_w * harm / max_harm) + "\" height=\"12\" class=\"harm\"/><text x=\"" +
         fmt("%.1f", label_w + harm_w * harm / max_harm + 4) + "\" y=\"" + fmt("%.1f", y + 12) +
         "\" class=\"value\">" + fmt("%.2e", harm) + "</text>";
    s += "<rect x=\"" + fmt("%.0f", db_x) + "\" y=\"" + fmt("%.1f", y + 1) + "\" width=\"" +
         fmt("%.1f", width(e.sqnr_db)) + "\" height=\"7\" class=\"full\"><title>full int8: " + fmt("%.2f", e.sqnr_db) +
         " dB</title></rect>";
    s += "<rect x=\"" + fmt("%.0f", db_x) + "\" y=\"" + fmt("%.1f", y + 8) + "\" width=\"" +
         fmt("%.1f", width(e.alone_sqnr_db)) + "\" height=\"7\" class=\"alone\"><title>only this layer int8: " +
         fmt("%.2f", e.alone_sqnr_db) + " dB</title></rect>\n";
  }
  return s + "</svg>\n";
}

}  // namespace

std::string report_html(const ErrorReport& r, const FallbackResult* fallback) {
  std::string s =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>qinfer int8 error report: " +
      escape(r.model) +
      "</title>\n<style>\n"
      "body{font:14px/1.4 sans-serif;margin:24px;color:#222;background:#fff}\n"
      "h1{font-size:20px;margin:0 0 8px}.worst{font-size:16px;background:#fde8e8;border-left:4px solid #c0392b;"
      "padding:8px 12px;margin:12px 0}\n"
      "table{border-collapse:collapse;margin-top:16px}td,th{padding:2px 8px;border-bottom:1px solid #ddd;"
      "text-align:right}td:nth-child(2),td:nth-child(3),th:nth-child(2),th:nth-child(3){text-align:left}\n"
      ".grid{stroke:#e4e4e4}.axis{font-size:11px;fill:#666;text-anchor:middle}"
      ".label{font-size:11px;text-anchor:end;fill:#333}.value{font-size:10px;fill:#555}.harm{fill:#c0392b}"
      ".head{font-size:12px;font-weight:bold;fill:#222}\n"
      ".full{fill:#9ecae1}.alone{fill:#08519c}.key span{display:inline-block;width:12px;height:10px;"
      "margin:0 4px 0 12px}\n</style></head><body>\n";
  s += "<h1>Per-layer int8 error: " + escape(r.model) + "</h1>\n";
  s += "<p>" + std::to_string(r.layers.size()) + " int8 layers, " + std::to_string(r.samples) +
       " calibration samples; model output cosine vs fp32: <b>" + fmt("%.6f", r.output_cosine) + "</b>. " +
       "SQNR = 10&#183;log10(&#931;f&#178; / &#931;(f&#8722;q)&#178;) of each layer's dequantized int8 output q "
       "against the fp32 tensor f.</p>\n";
  if (!r.layers.empty()) {
    const LayerError& w = r.layers.front();
    s += "<div class=\"worst\">Worst layer: <b>" + escape(w.node) + "</b> (" + escape(w.op) + ", output " +
         escape(w.tensor) + "): with only it int8 the model output cosine is " + fmt("%.6f", w.alone_output_cosine) +
         " and its SQNR " + fmt("%.2f", w.alone_sqnr_db) + " dB (" + fmt("%.2f", w.sqnr_db) +
         " dB in the full int8 graph)</div>\n";
  }
  if (fallback && fallback->ran) {
    s += "<p>Auto-fallback (target cosine " + fmt("%.4f", fallback->target_cosine) + " on " +
         std::to_string(fallback->held_out_samples) + " held-out samples): all int8 " +
         fmt("%.6f", fallback->cosine_all_int8) + "; kept fp32:";
    for (size_t i = 0; i < fallback->kept.size(); ++i)
      s += " " + escape(fallback->kept[i]) + " (&#8594; " + fmt("%.6f", fallback->cosine_after[i]) + ")";
    if (fallback->kept.empty()) s += " none";
    s += "; time " + fmt("%.3f", fallback->ms_all_int8) + " ms &#8594; " + fmt("%.3f", fallback->ms_mixed) +
         " ms.</p>\n";
  }
  s += "<p class=\"key\">Worst first: lowest model output cosine with only that layer int8."
       "<span style=\"background:#c0392b\"></span>1 &#8722; output cosine, only this layer int8"
       "<span style=\"background:#08519c\"></span>SQNR, only this layer int8"
       "<span style=\"background:#9ecae1\"></span>SQNR in the full int8 graph</p>\n";
  s += bar_chart(r);
  s += "<table><tr><th>#</th><th>node</th><th>op</th><th>alone: output cosine</th><th>alone: SQNR dB</th>"
       "<th>alone: cosine</th><th>full: SQNR dB</th><th>full: cosine</th></tr>\n";
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerError& e = r.layers[i];
    s += "<tr><td>" + std::to_string(i + 1) + "</td><td>" + escape(e.node) + "</td><td>" + escape(e.op) +
         "</td><td>" + fmt("%.6f", e.alone_output_cosine) + "</td><td>" + fmt("%.2f", e.alone_sqnr_db) + "</td><td>" +
         fmt("%.6f", e.alone_cosine) + "</td><td>" + fmt("%.2f", e.sqnr_db) + "</td><td>" + fmt("%.6f", e.cosine) +
         "</td></tr>\n";
  }
  return s + "</table>\n</body></html>\n";
}

}  // namespace qinfer

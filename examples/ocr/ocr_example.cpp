// Reads the text of an image with PP-OCRv4 in int8: detector -> boxes -> recogniser -> text.
//
//   ocr_example DET.qbin REC.qbin ppocr_keys_v1.txt IMAGE [--threads N]
//
// Prints one line per text line in reading order: x0, y0, x1, y1 (the box in image pixels,
// x1/y1 exclusive) and the text, tab-separated. docs/ocr-example.md shows how to make the qbins.
// Exit codes: 0 success, 1 error (message on stderr), 2 bad command line.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ocr_pipeline.h"
#include "qinfer/image.h"

int main(int argc, char** argv) {
  std::vector<std::string> args;
  int threads = 1;
  ocr::DbOptions db;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--unclip" && i + 1 < argc) {
      db.unclip_ratio = std::strtof(argv[++i], nullptr);
    } else if (a == "-h" || a == "--help") {
      args.clear();
      break;
    } else {
      args.push_back(a);
    }
  }
  if (args.size() != 4 || threads < 1) {
    std::fprintf(stderr,
                 "usage: ocr_example DET.qbin REC.qbin ppocr_keys_v1.txt IMAGE [--threads N]\n"
                 "Prints x0, y0, x1, y1 and the text of every text line of IMAGE (PNG/JPEG), tab-separated.\n");
    return 2;
  }
  try {
    const qinfer::Image image = qinfer::read_image(args[3], 3);  // cheapest check first
    const ocr::Pipeline pipeline(args[0], args[1], args[2], threads, db);
    for (const ocr::TextLine& l : pipeline.read(image))
      std::printf("%d\t%d\t%d\t%d\t%s\n", l.x0, l.y0, l.x1, l.y1, l.text.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ocr_example: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

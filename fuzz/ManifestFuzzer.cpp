//===- ManifestFuzzer.cpp - libFuzzer target for the manifest reader ------===//
//
// Feeds arbitrary bytes to bst::runtime::Manifest::parse, which reads the
// manifests embedded in AOT artifacts and exported modules. Any crash,
// sanitizer report or leak is a bug; so is an error other than bst::Error with
// code Load or Incompatible (what parse documents), and a manifest that does
// not survive toJson() and parse() unchanged.
//
//===----------------------------------------------------------------------===//
#include "bst/Runtime/Manifest.h"
#include "bst/Support/Error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  bst::runtime::Manifest manifest;
  try {
    manifest = bst::runtime::Manifest::parse(text);
  } catch (const bst::Error &e) {
    if (e.code() != bst::ErrorCode::Load &&
        e.code() != bst::ErrorCode::Incompatible) {
      std::fprintf(stderr, "Manifest::parse threw code %s: %s\n",
                   bst::errorCodeName(e.code()), e.what());
      std::abort();
    }
    return 0;
  }
  std::string json = manifest.toJson();
  std::string again;
  try {
    again = bst::runtime::Manifest::parse(json).toJson();
  } catch (const bst::Error &e) {
    std::fprintf(stderr, "parse(toJson()) failed: %s\nfor %s\n", e.what(),
                 json.c_str());
    std::abort();
  }
  if (again != json) {
    std::fprintf(stderr, "toJson/parse round trip changed\n%s\ninto\n%s\n",
                 json.c_str(), again.c_str());
    std::abort();
  }
  (void)manifest.describe();
  for (const bst::runtime::SlotInfo &slot : manifest.slots) {
    (void)slot.nbytes();
    try {
      (void)manifest.find(slot.name);
    } catch (const bst::Error &e) {
      if (e.code() != bst::ErrorCode::InvalidArgument)
        std::abort(); // Only duplicate names are an error.
    }
  }
  return 0;
}

//===- SafeTensors.h - The safetensors reader behind bst::restore -*- C++
//-*-===//
//
// Internal to the Checkpoint layer (and its fuzz target): the byte sources a
// checkpoint is read from, the validated layout of a safetensors file, and
// restore/read over any byte source.
//
//===----------------------------------------------------------------------===//
#ifndef BST_LIB_CHECKPOINT_SAFETENSORS_H
#define BST_LIB_CHECKPOINT_SAFETENSORS_H

#include "bst/Checkpoint/Checkpoint.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bst::detail::checkpoint {

/// Random access to the bytes of a checkpoint.
class ByteSource {
public:
  explicit ByteSource(std::string name) : name_(std::move(name)) {}
  virtual ~ByteSource();
  /// The number of bytes, fixed when the source was opened.
  virtual uint64_t size() const = 0;
  /// Reads exactly `n` bytes at `offset` into `dst`; throws CheckpointError if
  /// it cannot.
  virtual void read(uint64_t offset, void *dst, size_t n) const = 0;
  /// The file name used in messages.
  const std::string &name() const { return name_; }

private:
  std::string name_;
};

/// A file opened for reading (a regular file; anything else is a
/// CheckpointError).
class FileSource : public ByteSource {
public:
  explicit FileSource(const std::string &path);
  ~FileSource() override;
  FileSource(const FileSource &) = delete;
  FileSource &operator=(const FileSource &) = delete;
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, void *dst, size_t n) const override;

private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

/// Bytes in memory (not owned: they must outlive the source).
class MemorySource : public ByteSource {
public:
  MemorySource(std::string name, std::string_view bytes)
      : ByteSource(std::move(name)), bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  void read(uint64_t offset, void *dst, size_t n) const override;

private:
  std::string_view bytes_;
};

/// One tensor entry of a validated header.
struct Entry {
  std::string key;
  DType dtype;
  Shape shape;
  /// Offsets relative to the start of the data section; end - begin is the
  /// tensor's size.
  uint64_t begin = 0, end = 0;
};

/// A header that passed every format check: entries inside the data section,
/// not overlapping, covering it with no holes, each of a supported dtype with a
/// size matching its shape.
struct Layout {
  std::map<std::string, std::string> metadata;
  /// Sorted by key.
  std::vector<Entry> entries;
  /// File offset of the data section (8 + header length).
  uint64_t dataStart = 0;
};

/// Reads and validates the header of `source`. Allocates at most the header's
/// real size (plus the parsed JSON), never what the length field claims beyond
/// the file.
Layout parseLayout(const ByteSource &source);

/// Reads one entry's data into a new Array (checking BOOL bytes are 0 or 1).
Array readEntry(const ByteSource &source, const Layout &layout,
                const Entry &entry);

/// bst::readCheckpoint over any source.
CheckpointContents readContents(const ByteSource &source);

/// bst::restore over any source.
RestoreResult restoreFrom(const ByteSource &source, const StateMap &states,
                          const RestoreOptions &options);

} // namespace bst::detail::checkpoint

#endif // BST_LIB_CHECKPOINT_SAFETENSORS_H

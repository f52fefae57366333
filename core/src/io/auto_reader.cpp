// Chooses between the JSON and the CSV reader by the file's first meaningful byte, holding
// the bytes back until that byte arrives, then replaying them to the chosen reader.
#include <string>
#include <string_view>

#include "kpi/io/readers.h"

namespace kpi {
namespace {

// A file of nothing but blank space this long is not JSON in any useful sense.
constexpr size_t MAX_UNDECIDED_BYTES = 64 * 1024;

class auto_reader final : public reader {
 public:
  explicit auto_reader(table_builder& out) : out_(out) {}

  void feed(std::string_view chunk) override {
    if (inner_) {
      inner_->feed(chunk);
      return;
    }
    head_.append(chunk);
    decide(false);
  }

  void finish() override {
    if (!inner_) decide(true);
    inner_->finish();
  }

  const read_info& info() const override { return inner_ ? inner_->info() : undecided_; }
  std::string part_spec() const override { return inner_ ? inner_->part_spec() : std::string(); }
  std::string part_end() const override { return inner_ ? inner_->part_end() : std::string(); }
  uint64_t take_part(std::string_view end) override {
    return inner_ ? inner_->take_part(end) : 0;
  }

 private:
  void decide(bool final) {
    std::string_view rest = head_;
    if (rest.starts_with("\xEF\xBB\xBF")) {
      rest.remove_prefix(3);
    } else if (rest.size() < 3 && std::string_view("\xEF\xBB\xBF").starts_with(rest) && !final) {
      return;  // maybe the start of a BOM
    }
    // UTF-16 is what Excel's "Unicode text" export writes, a tab-separated table: the CSV
    // reader converts it. Binary files (xlsx, zip, pdf) also go to the CSV reader, which
    // names them in info().error.
    const size_t first = rest.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos && !final && head_.size() < MAX_UNDECIDED_BYTES) {
      return;
    }
    const bool json = first != std::string_view::npos && (rest[first] == '[' || rest[first] == '{');
    inner_ = json ? make_json_reader(out_) : make_csv_reader(out_);
    inner_->feed(head_);
    head_ = std::string();
  }

  table_builder& out_;
  std::string head_;  // everything fed before the decision
  std::unique_ptr<reader> inner_;
  read_info undecided_;
};

}  // namespace

std::unique_ptr<reader> make_part_reader(table_builder& out, std::string_view spec) {
  // A JSON spec starts with 'j'; a CSV one with its delimiter.
  if (spec.starts_with('j')) return make_json_part_reader(out, spec);
  return make_csv_part_reader(out, spec);
}

std::unique_ptr<reader> make_auto_reader(table_builder& out) {
  return std::make_unique<auto_reader>(out);
}

}  // namespace kpi

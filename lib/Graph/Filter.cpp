//===- Filter.cpp ---------------------------------------------------------===//
#include "bst/Graph/Filter.h"
#include "bst/Graph/Module.h"
#include "bst/Support/Error.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bst {

struct Filter::Impl {
  std::string description;
  StatePredicate onState;
  ModulePredicate onModule;
  bool everything = false;
};

Filter::Filter(std::string description, StatePredicate onState,
               ModulePredicate onModule) {
  if (!onState)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("filter ", description,
                             " has no state predicate; pass a callable"));
  impl_ = std::make_shared<const Impl>(
      Impl{std::move(description), std::move(onState), std::move(onModule)});
}

bool Filter::operator()(const std::string &path, const State &state) const {
  return impl_->onState(path, state);
}

bool Filter::matchesModule(const std::string &path,
                           const Module &module) const {
  return impl_->onModule && impl_->onModule(path, module);
}

const std::string &Filter::toString() const { return impl_->description; }

bool Filter::isEverything() const { return impl_->everything; }

std::ostream &operator<<(std::ostream &os, const Filter &filter) {
  return os << filter.toString();
}

std::string detail::moduleTypeNameOf(const std::type_info &type) {
  // "(anonymous namespace)::" says nothing a reader can use.
  std::string name = kindNameFromTypeId(type.name());
  const std::string anonymous = "(anonymous namespace)::";
  for (size_t at; (at = name.find(anonymous)) != std::string::npos;)
    name.erase(at, anonymous.size());
  return name;
}

namespace {

/// Glob matching over whole paths: `*` any run within a segment, `**` any
/// run, `?` one non-dot character. Dynamic programming over (pattern
/// position, path position), so no pattern backtracks exponentially.
bool globMatch(const std::string &pattern, const std::string &path) {
  size_t m = pattern.size(), n = path.size();
  // reach[j]: the pattern prefix processed so far matches path[0, j).
  std::vector<char> reach(n + 1, 0), next(n + 1, 0);
  reach[0] = 1;
  for (size_t i = 0; i < m;) {
    std::fill(next.begin(), next.end(), 0);
    char c = pattern[i];
    if (c == '*') {
      bool deep = i + 1 < m && pattern[i + 1] == '*';
      for (size_t j = 0; j <= n; ++j) {
        if (!reach[j] &&
            !(j > 0 && next[j - 1] && (deep || path[j - 1] != '.')))
          continue;
        next[j] = 1;
      }
      i += deep ? 2 : 1;
    } else {
      for (size_t j = 0; j < n; ++j)
        if (reach[j] && (c == '?' ? path[j] != '.' : path[j] == c))
          next[j + 1] = 1;
      ++i;
    }
    reach.swap(next);
  }
  return reach[n];
}

std::string describeAll(const std::vector<Filter> &filters) {
  return absl::StrJoin(filters, ", ", [](std::string *out, const Filter &f) {
    out->append(f.toString());
  });
}

std::string quoted(const std::string &s) { return absl::StrCat("\"", s, "\""); }

} // namespace

namespace filter {

Filter kind(const StateKind &kind) {
  const StateKind *k = &kind;
  return Filter(
      absl::StrCat("kind(", kind.name(), ")"),
      [k](const std::string &, const State &s) { return s.kind().isA(*k); });
}

Filter tag(std::string tag) {
  std::string description = absl::StrCat("tag(", quoted(tag), ")");
  return Filter(std::move(description),
                [tag = std::move(tag)](const std::string &, const State &s) {
                  return s.hasTag(tag);
                });
}

Filter pathContains(std::string text) {
  std::string description = absl::StrCat("pathContains(", quoted(text), ")");
  return Filter(
      std::move(description),
      [text](const std::string &path, const State &) {
        return path.find(text) != std::string::npos;
      },
      [text](const std::string &path, const Module &) {
        return path.find(text) != std::string::npos;
      });
}

Filter pathGlob(std::string pattern) {
  std::string description = absl::StrCat("pathGlob(", quoted(pattern), ")");
  return Filter(
      std::move(description),
      [pattern](const std::string &path, const State &) {
        return globMatch(pattern, path);
      },
      [pattern](const std::string &path, const Module &) {
        return globMatch(pattern, path);
      });
}

Filter predicate(Filter::StatePredicate fn, std::string description) {
  if (!fn)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("filter::predicate(", description,
                             "): the predicate is empty; pass a callable"));
  return Filter(std::move(description), std::move(fn));
}

Filter modulePredicate(Filter::ModulePredicate fn, std::string description) {
  if (!fn)
    throw Error(ErrorCode::InvalidArgument,
                absl::StrCat("filter::modulePredicate(", description,
                             "): the predicate is empty; pass a callable"));
  return Filter(
      std::move(description),
      [](const std::string &, const State &) { return false; }, std::move(fn));
}

Filter anyOf(std::vector<Filter> filters) {
  std::string description = absl::StrCat("anyOf(", describeAll(filters), ")");
  auto shared = std::make_shared<const std::vector<Filter>>(std::move(filters));
  return Filter(
      std::move(description),
      [shared](const std::string &path, const State &s) {
        for (const Filter &f : *shared)
          if (f(path, s))
            return true;
        return false;
      },
      [shared](const std::string &path, const Module &m) {
        for (const Filter &f : *shared)
          if (f.matchesModule(path, m))
            return true;
        return false;
      });
}

Filter allOf(std::vector<Filter> filters) {
  std::string description = absl::StrCat("allOf(", describeAll(filters), ")");
  auto shared = std::make_shared<const std::vector<Filter>>(std::move(filters));
  return Filter(
      std::move(description),
      [shared](const std::string &path, const State &s) {
        for (const Filter &f : *shared)
          if (!f(path, s))
            return false;
        return true;
      },
      [shared](const std::string &path, const Module &m) {
        for (const Filter &f : *shared)
          if (!f.matchesModule(path, m))
            return false;
        return true;
      });
}

Filter not_(Filter filter) {
  std::string description = absl::StrCat("not_(", filter.toString(), ")");
  return Filter(
      std::move(description),
      [filter](const std::string &path, const State &s) {
        return !filter(path, s);
      },
      [filter](const std::string &path, const Module &m) {
        return !filter.matchesModule(path, m);
      });
}

Filter everything() {
  static const Filter all(std::make_shared<const Filter::Impl>(Filter::Impl{
      "everything", [](const std::string &, const State &) { return true; },
      [](const std::string &, const Module &) { return true; }, true}));
  return all;
}

Filter nothing() {
  static const Filter none(
      "nothing", [](const std::string &, const State &) { return false; },
      [](const std::string &, const Module &) { return false; });
  return none;
}

} // namespace filter
} // namespace bst

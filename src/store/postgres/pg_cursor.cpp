#include "store/postgres/pg_cursor.hpp"

#include <charconv>
#include <cstdlib>

#include <libpq-fe.h>

#include "store/error.hpp"

namespace camgate::store::postgres {

std::string numbered_placeholders(std::string_view sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 16);
  count = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // Copy the quoted text whole; a doubled quote inside is just two quotes in a row.
      const std::size_t end = sql.find(c, i + 1);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t end = sql.find('\n', i);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++count);
    } else {
      out += c;
    }
  }
  return out;
}

pg_cursor::pg_cursor(pg_connection& conn, std::string_view sql) : conn_(conn) {
  int count = 0;
  sql_ = numbered_placeholders(sql, count);
  params_.resize(static_cast<std::size_t>(count));
}

std::optional<std::string>& pg_cursor::slot(int index) {
  if (index < 1 || index > static_cast<int>(params_.size())) {
    throw error("cannot bind parameter " + std::to_string(index) + " of \"" + sql_ + "\": it has " +
                std::to_string(params_.size()));
  }
  return params_[static_cast<std::size_t>(index - 1)];
}

void pg_cursor::bind_int64(int index, std::int64_t value) {
  slot(index) = std::to_string(value);
}

void pg_cursor::bind_text(int index, std::string_view value) {
  slot(index) = std::string(value);
}

void pg_cursor::bind_null(int index) {
  slot(index).reset();
}

bool pg_cursor::step() {
  if (!result_) {
    std::vector<const char*> values;
    values.reserve(params_.size());
    for (const auto& p : params_) values.push_back(p ? p->c_str() : nullptr);
    result_ = conn_.run(sql_, static_cast<int>(values.size()), values.data());
    rows_ = PQntuples(result_.get());
    const char* tuples = PQcmdTuples(result_.get());
    changes_ = tuples != nullptr && *tuples != '\0' ? std::strtoll(tuples, nullptr, 10) : 0;
    row_ = -1;
  }
  if (row_ + 1 >= rows_) {
    row_ = rows_;
    return false;
  }
  ++row_;
  return true;
}

void pg_cursor::reset() {
  result_.reset();
  row_ = -1;
  rows_ = 0;
}

bool pg_cursor::column_is_null(int column) const {
  return !result_ || row_ < 0 || row_ >= rows_ || PQgetisnull(result_.get(), row_, column) != 0;
}

std::int64_t pg_cursor::column_int64(int column) const {
  if (column_is_null(column)) return 0;
  const char* text = PQgetvalue(result_.get(), row_, column);
  // Booleans arrive as t/f (EXISTS, comparisons); SQLite gives 1/0 for the same SQL.
  if (text[0] == 't' && text[1] == '\0') return 1;
  if (text[0] == 'f' && text[1] == '\0') return 0;
  std::int64_t value = 0;
  const std::string_view s(text);
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

std::string pg_cursor::column_text(int column) const {
  if (column_is_null(column)) return {};
  return std::string(PQgetvalue(result_.get(), row_, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
}

}  // namespace camgate::store::postgres

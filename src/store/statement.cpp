#include "store/statement.hpp"

#include "store/database.hpp"

namespace camgate::store {

statement::statement(database& db, std::string_view sql)
    : lock_(db.lock()), cursor_(db.backend().prepare(sql)) {}

statement::~statement() = default;

statement& statement::bind_int64(int index, std::int64_t value) {
  cursor_->bind_int64(index, value);
  return *this;
}

statement& statement::bind_text(int index, std::string_view value) {
  cursor_->bind_text(index, value);
  return *this;
}

statement& statement::bind_null(int index) {
  cursor_->bind_null(index);
  return *this;
}

bool statement::step() {
  return cursor_->step();
}

std::int64_t statement::execute() {
  while (cursor_->step()) {
  }
  const std::int64_t changed = cursor_->changes();
  cursor_->reset();
  return changed;
}

void statement::reset() {
  cursor_->reset();
}

bool statement::column_is_null(int column) const {
  return cursor_->column_is_null(column);
}

std::int64_t statement::column_int64(int column) const {
  return cursor_->column_int64(column);
}

std::string statement::column_text(int column) const {
  return cursor_->column_text(column);
}

}  // namespace camgate::store

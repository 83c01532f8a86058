// The system's SQLite, as JavaScript sees it (helper/native.ts, Database and
// Statement): the recorder's database (helper/recorder/recording.ts). Linked
// into this addon rather than taken from a second native module, so that the
// one N-API build loads in Node and in VS Code's Electron alike.
//
// It is deliberately small: open, exec, prepare, and a statement that runs
// with bound values and returns rows as arrays. runMany() runs a statement for
// a whole batch of rows in one call, since a storm of deletions is recorded a
// thousand rows at a time and one JavaScript-to-C++ crossing per row would
// cost more than SQLite's own work. Everything runs on the calling thread,
// which is JavaScript's (a connection is opened SQLITE_OPEN_NOMUTEX), except
// allAsync(): a history query over millions of rows may take seconds, and
// JavaScript's thread also takes the kernel's batches, so such a query steps
// on a thread of libuv's pool, on a connection of its own opened `threaded`
// (SQLITE_OPEN_FULLMUTEX), and JavaScript gets the rows once they are read.
// No connection follows a symbolic link to its file (SQLITE_OPEN_NOFOLLOW):
// the recorder is root, and a link at its database's path would have it
// write wherever the link points.
#include <sqlite3.h>

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "bindings.h"

namespace {

class Statement;

// The most bytes UTF-8 takes for one character.
constexpr size_t kLongestCharacter = 4;

const char* CodeName(int extended);

// A JavaScript Error with SQLite's message, and `code` ("SQLITE_CORRUPT")
// and `errno` (the extended result code), so that JavaScript can tell a
// corrupt file from a busy one or a full disk.
Napi::Error SqliteError(Napi::Env env, sqlite3* db, int result, const std::string& doing) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(result);
  int extended = db != nullptr ? sqlite3_extended_errcode(db) : result;
  Napi::Error error = Napi::Error::New(env, doing + ": " + detail);
  error.Set("errno", Napi::Number::New(env, extended));
  if (const char* name = CodeName(extended)) error.Set("code", Napi::String::New(env, name));
  return error;
}

// The name of an extended result code's primary code ("SQLITE_CORRUPT"), or null.
const char* CodeName(int extended) {
  static const std::pair<int, const char*> kCodes[] = {
      {SQLITE_ERROR, "SQLITE_ERROR"},
      {SQLITE_PERM, "SQLITE_PERM"},
      {SQLITE_BUSY, "SQLITE_BUSY"},
      {SQLITE_LOCKED, "SQLITE_LOCKED"},
      {SQLITE_NOMEM, "SQLITE_NOMEM"},
      {SQLITE_READONLY, "SQLITE_READONLY"},
      {SQLITE_IOERR, "SQLITE_IOERR"},
      {SQLITE_CORRUPT, "SQLITE_CORRUPT"},
      {SQLITE_FULL, "SQLITE_FULL"},
      {SQLITE_CANTOPEN, "SQLITE_CANTOPEN"},
      {SQLITE_CONSTRAINT, "SQLITE_CONSTRAINT"},
      {SQLITE_MISMATCH, "SQLITE_MISMATCH"},
      {SQLITE_RANGE, "SQLITE_RANGE"},
      {SQLITE_NOTADB, "SQLITE_NOTADB"},
      {SQLITE_AUTH, "SQLITE_AUTH"},
  };
  for (const auto& [code, name] : kCodes) {
    if ((extended & 0xff) == code) return name;
  }
  return nullptr;
}

// A column's value as read on the query thread, made a JavaScript value on
// JavaScript's thread (N-API may be called there only).
struct Cell {
  int type = SQLITE_NULL;
  sqlite3_int64 integer = 0;
  double real = 0;
  std::string bytes;
};

Napi::Value ValueOf(Napi::Env env, const Cell& cell) {
  switch (cell.type) {
    case SQLITE_INTEGER:
      return Napi::Number::New(env, static_cast<double>(cell.integer));
    case SQLITE_FLOAT:
      return Napi::Number::New(env, cell.real);
    case SQLITE_TEXT:
      return Napi::String::New(env, cell.bytes.data(), cell.bytes.size());
    case SQLITE_BLOB:
      return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(cell.bytes.data()), cell.bytes.size());
    default:
      return env.Null();
  }
}

Cell CellOf(sqlite3_stmt* statement, int column) {
  Cell cell;
  cell.type = sqlite3_column_type(statement, column);
  switch (cell.type) {
    case SQLITE_INTEGER:
      cell.integer = sqlite3_column_int64(statement, column);
      break;
    case SQLITE_FLOAT:
      cell.real = sqlite3_column_double(statement, column);
      break;
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
      const void* bytes = cell.type == SQLITE_TEXT ? static_cast<const void*>(sqlite3_column_text(statement, column))
                                                   : sqlite3_column_blob(statement, column);
      cell.bytes.assign(static_cast<const char*>(bytes), static_cast<size_t>(sqlite3_column_bytes(statement, column)));
      break;
    }
    default:
      break;
  }
  return cell;
}

// The same, for a failure read on another thread: its extended code and message.
Napi::Error SqliteError(Napi::Env env, int extended, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("errno", Napi::Number::New(env, extended));
  if (const char* name = CodeName(extended)) error.Set("code", Napi::String::New(env, name));
  return error;
}

class Database : public Napi::ObjectWrap<Database> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Database",
                       {
                           InstanceMethod<&Database::Exec>("exec"),
                           InstanceMethod<&Database::Prepare>("prepare"),
                           InstanceMethod<&Database::Close>("close"),
                           InstanceAccessor<&Database::IsOpen>("open"),
                           InstanceAccessor<&Database::InTransaction>("inTransaction"),
                       });
  }

  // new Database(file, {readOnly?: boolean, threaded?: boolean}): read-only
  // opens an existing file; otherwise the file is made where missing.
  // threaded: its statements may run allAsync(), on another thread.
  explicit Database(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Database>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "Database: expects a file name");
    bool read_only = false;
    if (info[1].IsObject()) {
      read_only = info[1].As<Napi::Object>().Get("readOnly").ToBoolean();
      threaded_ = info[1].As<Napi::Object>().Get("threaded").ToBoolean();
    }
    std::string file = info[0].As<Napi::String>();
    int flags = (threaded_ ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX) | SQLITE_OPEN_NOFOLLOW |
                (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int result = sqlite3_open_v2(file.c_str(), &db_, flags, nullptr);
    if (result != SQLITE_OK) {
      Napi::Error error = SqliteError(env, db_, result, "cannot open " + file);
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw error;
    }
    sqlite3_extended_result_codes(db_, 1);
  }

  ~Database() override { CloseNow(); }

  sqlite3* handle(Napi::Env env) const {
    if (db_ == nullptr) throw Napi::Error::New(env, "the database is closed");
    return db_;
  }

  void Forget(Statement* statement) { statements_.erase(statement); }

  bool threaded() const { return threaded_; }

 private:
  // exec(sql): runs one or more statements that return nothing.
  void Exec(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "exec: expects SQL text");
    std::string sql = info[0].As<Napi::String>();
    int result = sqlite3_exec(handle(env), sql.c_str(), nullptr, nullptr, nullptr);
    if (result != SQLITE_OK) throw SqliteError(env, db_, result, "exec");
  }

  Napi::Value Prepare(const Napi::CallbackInfo& info);

  void Close(const Napi::CallbackInfo&) { CloseNow(); }

  Napi::Value IsOpen(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), db_ != nullptr); }

  Napi::Value InTransaction(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), db_ != nullptr && sqlite3_get_autocommit(db_) == 0);
  }

  void CloseNow();

  sqlite3* db_ = nullptr;
  bool threaded_ = false;
  // Finalized when the database closes, so that none outlives its connection.
  std::set<Statement*> statements_;
};

class Statement : public Napi::ObjectWrap<Statement> {
 public:
  static Napi::FunctionReference* constructor;

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Statement",
                       {
                           InstanceMethod<&Statement::Run>("run"),
                           InstanceMethod<&Statement::RunMany>("runMany"),
                           InstanceMethod<&Statement::RunColumns>("runColumns"),
                           InstanceMethod<&Statement::All>("all"),
                           InstanceMethod<&Statement::AllAsync>("allAsync"),
                           InstanceMethod<&Statement::Get>("get"),
                           InstanceMethod<&Statement::Finalize>("finalize"),
                       });
  }

  explicit Statement(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Statement>(info) {}

  ~Statement() override {
    FinalizeNow();
    if (database_ != nullptr) database_->Forget(this);
  }

  void Prepare(Napi::Env env, Database* database, Napi::Object database_object, const std::string& sql) {
    sqlite3* db = database->handle(env);
    int result = sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &statement_, nullptr);
    if (result != SQLITE_OK) throw SqliteError(env, db, result, "prepare");
    database_ = database;
    // The database object stays alive as long as its statements.
    database_reference_ = Napi::Persistent(database_object);
  }

  // Called by the database as it closes: the statement outlives it, unusable.
  void Orphan() {
    FinalizeNow();
    database_ = nullptr;
  }

 private:
  friend class QueryWorker;

  // A statement whose query is under way on another thread is finalized
  // once that query has ended: the query is interrupted, and
  // sqlite3_close_v2() leaves the connection to close with it.
  void FinalizeNow() {
    if (query_under_way_) {
      finalize_after_query_ = true;
      sqlite3_interrupt(sqlite3_db_handle(statement_));
      return;
    }
    if (statement_ != nullptr) sqlite3_finalize(statement_);
    statement_ = nullptr;
  }

  void QueryEnded() {
    query_under_way_ = false;
    if (finalize_after_query_) FinalizeNow();
  }

  sqlite3_stmt* handle(Napi::Env env) const {
    if (statement_ == nullptr || finalize_after_query_)
      throw Napi::Error::New(env, "the statement is finalized, or its database closed");
    if (query_under_way_)
      throw Napi::Error::New(env, "the statement's query is still under way (allAsync): wait for it");
    return statement_;
  }

  // Binds `values` (an array, or nothing) to the statement's parameters, in order.
  void Bind(Napi::Env env, Napi::Value values) {
    sqlite3_stmt* statement = handle(env);
    sqlite3_reset(statement);
    if (values.IsUndefined()) {
      sqlite3_clear_bindings(statement);
      return;
    }
    if (!values.IsArray()) throw Napi::TypeError::New(env, "expects the parameters as an array");
    Napi::Array array = values.As<Napi::Array>();
    uint32_t count = array.Length();
    if (static_cast<int>(count) != sqlite3_bind_parameter_count(statement)) {
      throw Napi::RangeError::New(env, "expects " + std::to_string(sqlite3_bind_parameter_count(statement)) +
                                           " parameters, not " + std::to_string(count));
    }
    for (uint32_t i = 0; i < count; i++) BindOne(env, statement, static_cast<int>(i) + 1, array.Get(i));
  }

  // A whole number within 2^53 as an integer, anything else as a double.
  static void BindNumber(Napi::Env env, sqlite3_stmt* statement, int index, double number) {
    int result = std::trunc(number) == number && std::fabs(number) <= 9007199254740991.0
                     ? sqlite3_bind_int64(statement, index, static_cast<sqlite3_int64>(number))
                     : sqlite3_bind_double(statement, index, number);
    if (result != SQLITE_OK) throw SqliteError(env, sqlite3_db_handle(statement), result, "bind");
  }

  void BindOne(Napi::Env env, sqlite3_stmt* statement, int index, Napi::Value value) {
    int result = SQLITE_OK;
    switch (value.Type()) {
      case napi_undefined:
      case napi_null:
        result = sqlite3_bind_null(statement, index);
        break;
      case napi_boolean:
        result = sqlite3_bind_int(statement, index, value.As<Napi::Boolean>().Value() ? 1 : 0);
        break;
      case napi_number:
        BindNumber(env, statement, index, value.As<Napi::Number>().DoubleValue());
        return;
      case napi_bigint: {
        bool lossless = false;
        int64_t number = value.As<Napi::BigInt>().Int64Value(&lossless);
        if (!lossless) throw Napi::RangeError::New(env, "a bigint parameter must fit in 64 bits");
        result = sqlite3_bind_int64(statement, index, number);
        break;
      }
      case napi_string: {
        // Into this parameter's own buffer, which SQLite reads at the next
        // step without a copy of its own: a storm binds a few strings per
        // deletion, and the copies were a good part of the cost.
        std::string& text = TextBuffer(index);
        size_t length = 0;
        napi_status status = napi_get_value_string_utf8(env, value, text.data(), text.size(), &length);
        // Node never writes part of a character: one of up to 4 bytes that
        // did not fit is left out whole, so a copy that came within 4 bytes
        // of the end (its NUL included) may have been cut, and is measured
        // and made again.
        if (status == napi_ok && length + kLongestCharacter >= text.size()) {
          napi_get_value_string_utf8(env, value, nullptr, 0, &length);
          text.resize(length + 1);
          status = napi_get_value_string_utf8(env, value, text.data(), text.size(), &length);
        }
        if (status != napi_ok) throw Napi::Error::New(env, "a string parameter could not be read");
        result = sqlite3_bind_text64(statement, index, text.data(), length, SQLITE_STATIC, SQLITE_UTF8);
        break;
      }
      default:
        if (value.IsBuffer()) {
          Napi::Buffer<uint8_t> bytes = value.As<Napi::Buffer<uint8_t>>();
          result = sqlite3_bind_blob64(statement, index, bytes.Data(), bytes.Length(), SQLITE_TRANSIENT);
          break;
        }
        throw Napi::TypeError::New(env,
                                   "a parameter must be null, a boolean, a number, a bigint, a string or a Buffer");
    }
    if (result != SQLITE_OK) throw SqliteError(env, sqlite3_db_handle(statement), result, "bind");
  }

  // Steps once: true where a row is there to read.
  bool Step(Napi::Env env) {
    int result = sqlite3_step(statement_);
    if (result == SQLITE_ROW) return true;
    if (result == SQLITE_DONE) return false;
    sqlite3* db = sqlite3_db_handle(statement_);
    Napi::Error error = SqliteError(env, db, result, "step");
    sqlite3_reset(statement_);
    throw error;
  }

  Napi::Array Row(Napi::Env env) {
    int columns = sqlite3_column_count(statement_);
    Napi::Array row = Napi::Array::New(env, columns);
    for (int i = 0; i < columns; i++) {
      switch (sqlite3_column_type(statement_, i)) {
        case SQLITE_INTEGER:
          row.Set(i, Napi::Number::New(env, static_cast<double>(sqlite3_column_int64(statement_, i))));
          break;
        case SQLITE_FLOAT:
          row.Set(i, Napi::Number::New(env, sqlite3_column_double(statement_, i)));
          break;
        case SQLITE_TEXT: {
          const char* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, i));
          row.Set(i, Napi::String::New(env, text, static_cast<size_t>(sqlite3_column_bytes(statement_, i))));
          break;
        }
        case SQLITE_BLOB: {
          const void* bytes = sqlite3_column_blob(statement_, i);
          size_t size = static_cast<size_t>(sqlite3_column_bytes(statement_, i));
          row.Set(i, Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t*>(bytes), size));
          break;
        }
        default:
          row.Set(i, env.Null());
      }
    }
    return row;
  }

  // run(params?): {changes, lastInsertRowid}
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Bind(env, info[0]);
    while (Step(env)) {
    }
    sqlite3* db = sqlite3_db_handle(statement_);
    Napi::Object outcome = Napi::Object::New(env);
    outcome.Set("changes", Napi::Number::New(env, static_cast<double>(sqlite3_changes64(db))));
    outcome.Set("lastInsertRowid", Napi::Number::New(env, static_cast<double>(sqlite3_last_insert_rowid(db))));
    return outcome;
  }

  // runMany(rows: unknown[][]): the total of rows changed. Stops at the first
  // row that fails, and throws with `index` set to that row's.
  Napi::Value RunMany(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) throw Napi::TypeError::New(env, "runMany: expects an array of rows");
    Napi::Array rows = info[0].As<Napi::Array>();
    sqlite3* db = sqlite3_db_handle(handle(env));
    double changes = 0;
    for (uint32_t i = 0; i < rows.Length(); i++) {
      try {
        Bind(env, rows.Get(i));
        while (Step(env)) {
        }
      } catch (Napi::Error& error) {
        error.Set("index", Napi::Number::New(env, i));
        throw;
      }
      changes += static_cast<double>(sqlite3_changes64(db));
    }
    sqlite3_reset(statement_);
    return Napi::Number::New(env, changes);
  }

  // runColumns(columns): runs the statement once per row of `columns`, one
  // per parameter, all of one length: a Float64Array (whole numbers bound as
  // integers) or an array of values. The recorder hands its batches over so:
  // a typed array is read in one step where an array of rows would take a
  // crossing into V8 per value, and those crossings cost more than SQLite's
  // own work. The total of rows changed; a failure carries `index`.
  Napi::Value RunColumns(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    sqlite3_stmt* statement = handle(env);
    if (!info[0].IsArray()) throw Napi::TypeError::New(env, "runColumns: expects an array of columns");
    Napi::Array given = info[0].As<Napi::Array>();
    int parameters = sqlite3_bind_parameter_count(statement);
    if (static_cast<int>(given.Length()) != parameters) {
      throw Napi::RangeError::New(
          env, "runColumns: expects " + std::to_string(parameters) + " columns, not " + std::to_string(given.Length()));
    }
    struct Column {
      const double* numbers = nullptr;
      Napi::Array values;
    };
    std::vector<Column> columns(parameters);
    size_t rows = 0;
    for (int i = 0; i < parameters; i++) {
      Napi::Value column = given.Get(i);
      size_t length = 0;
      if (column.IsTypedArray() && column.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
        Napi::Float64Array numbers = column.As<Napi::Float64Array>();
        columns[i].numbers = numbers.Data();
        length = numbers.ElementLength();
      } else if (column.IsArray()) {
        columns[i].values = column.As<Napi::Array>();
        length = columns[i].values.Length();
      } else {
        throw Napi::TypeError::New(env, "runColumns: a column must be a Float64Array or an array");
      }
      if (i > 0 && length != rows)
        throw Napi::RangeError::New(env, "runColumns: the columns are not all of one length");
      rows = length;
    }
    sqlite3* db = sqlite3_db_handle(statement);
    double changes = 0;
    for (size_t row = 0; row < rows; row++) {
      try {
        sqlite3_reset(statement);
        for (int i = 0; i < parameters; i++) {
          if (columns[i].numbers != nullptr) {
            BindNumber(env, statement, i + 1, columns[i].numbers[row]);
          } else {
            BindOne(env, statement, i + 1, columns[i].values.Get(static_cast<uint32_t>(row)));
          }
        }
        while (Step(env)) {
        }
      } catch (Napi::Error& error) {
        error.Set("index", Napi::Number::New(env, static_cast<double>(row)));
        throw;
      }
      changes += static_cast<double>(sqlite3_changes64(db));
    }
    sqlite3_reset(statement);
    return Napi::Number::New(env, changes);
  }

  // all(params?): every row, each an array of its columns' values.
  Napi::Value All(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Bind(env, info[0]);
    Napi::Array rows = Napi::Array::New(env);
    uint32_t count = 0;
    while (Step(env)) rows.Set(count++, Row(env));
    sqlite3_reset(statement_);
    return rows;
  }

  // allAsync(params?): a Promise of every row, stepped on a thread of
  // libuv's pool; the statement is not to be used until it settles.
  Napi::Value AllAsync(const Napi::CallbackInfo& info);

  // get(params?): the first row, or undefined.
  Napi::Value Get(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Bind(env, info[0]);
    Napi::Value row = Step(env) ? Napi::Value(Row(env)) : env.Undefined();
    sqlite3_reset(statement_);
    return row;
  }

  void Finalize(const Napi::CallbackInfo&) {
    FinalizeNow();
    if (database_ != nullptr) database_->Forget(this);
    database_ = nullptr;
    database_reference_.Reset();
  }

  // The buffer of parameter `index` (from 1), bound SQLITE_STATIC: it lives
  // as long as the statement, and is written again only as that parameter is
  // bound again.
  std::string& TextBuffer(int index) {
    if (text_buffers_.size() < static_cast<size_t>(index)) text_buffers_.resize(index, std::string(256, '\0'));
    return text_buffers_[index - 1];
  }

  std::vector<std::string> text_buffers_;
  sqlite3_stmt* statement_ = nullptr;
  bool query_under_way_ = false;
  bool finalize_after_query_ = false;
  Database* database_ = nullptr;
  Napi::ObjectReference database_reference_;
};

Napi::FunctionReference* Statement::constructor = nullptr;

// One allAsync(): steps the bound statement to its end on a thread of libuv's
// pool, the rows kept as Cells, and settles the promise on JavaScript's
// thread. The statement's bound values (its own text buffers, bound
// SQLITE_STATIC) stay as they are meanwhile: the statement refuses every
// other use until the query has ended.
class QueryWorker : public Napi::AsyncWorker {
 public:
  QueryWorker(Napi::Env env, Statement* statement, Napi::Object statement_object)
      : Napi::AsyncWorker(env, "syscall-trace:sqlite-query"),
        deferred_(Napi::Promise::Deferred::New(env)),
        statement_(statement) {
    // The statement lives until the query has ended, whatever JavaScript drops.
    statement_reference_ = Napi::Persistent(statement_object);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    sqlite3_stmt* statement = statement_->statement_;
    sqlite3* db = sqlite3_db_handle(statement);
    int columns = sqlite3_column_count(statement);
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
      std::vector<Cell>& row = rows_.emplace_back();
      row.reserve(columns);
      for (int i = 0; i < columns; i++) row.push_back(CellOf(statement, i));
    }
    if (step != SQLITE_DONE) {
      failure_ = step;
      failure_message_ = sqlite3_errmsg(db);
      failure_extended_ = sqlite3_extended_errcode(db);
      // A connection closed meanwhile (close() interrupts the query) no
      // longer tells its last error: the step's own code says it.
      if ((failure_extended_ & 0xff) != (step & 0xff)) {
        failure_message_ = sqlite3_errstr(step);
        failure_extended_ = step;
      }
    }
    sqlite3_reset(statement);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    statement_->QueryEnded();
    if (failure_ != SQLITE_OK) {
      deferred_.Reject(SqliteError(env, failure_extended_, "step: " + failure_message_).Value());
      return;
    }
    Napi::Array rows = Napi::Array::New(env, rows_.size());
    for (size_t r = 0; r < rows_.size(); r++) {
      Napi::Array row = Napi::Array::New(env, rows_[r].size());
      for (size_t i = 0; i < rows_[r].size(); i++) row.Set(static_cast<uint32_t>(i), ValueOf(env, rows_[r][i]));
      rows.Set(static_cast<uint32_t>(r), row);
    }
    rows_.clear();
    deferred_.Resolve(rows);
  }

  void OnError(const Napi::Error& error) override {
    statement_->QueryEnded();
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Statement* statement_;
  Napi::ObjectReference statement_reference_;
  std::vector<std::vector<Cell>> rows_;
  int failure_ = SQLITE_OK;
  int failure_extended_ = SQLITE_OK;
  std::string failure_message_;
};

Napi::Value Statement::AllAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (database_ == nullptr || !database_->threaded()) {
    throw Napi::Error::New(env, "allAsync: the database was not opened threaded");
  }
  Bind(env, info[0]);
  auto* worker = new QueryWorker(env, this, Value());
  query_under_way_ = true;
  worker->Queue();
  return worker->Promise();
}

Napi::Value Database::Prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "prepare: expects SQL text");
  Napi::Object object = Statement::constructor->New({});
  Statement* statement = Statement::Unwrap(object);
  statement->Prepare(env, this, Value(), info[0].As<Napi::String>());
  statements_.insert(statement);
  return object;
}

void Database::CloseNow() {
  for (Statement* statement : statements_) statement->Orphan();
  statements_.clear();
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

}  // namespace

Napi::Object DefineSqlite(Napi::Env env, Napi::Object exports) {
  Statement::constructor = new Napi::FunctionReference(Napi::Persistent(Statement::Define(env)));
  exports.Set("Database", Database::Define(env));
  exports.Set("sqliteVersion", Napi::String::New(env, sqlite3_libversion()));
  return exports;
}

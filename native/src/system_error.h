// The one error type of native/: a failed step, told in words a user can act
// on, with the errno behind it. The binding (bindings.h, ToJsError) turns it
// into a JavaScript Error that carries `errno` and `code`.
#pragma once

#include <stdexcept>
#include <string>

class SystemError : public std::runtime_error {
 public:
  SystemError(int error_number, const std::string& message)
      : std::runtime_error(message), error_number_(error_number) {}
  int error_number() const { return error_number_; }

 private:
  int error_number_;
};

// "Operation not permitted (EPERM)": the C library's text and the errno's name.
std::string ErrnoText(int error_number);

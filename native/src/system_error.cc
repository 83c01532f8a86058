#include "system_error.h"

#include <cstring>

std::string ErrnoText(int error_number) {
  const char* name = strerrorname_np(error_number);
  return std::string(strerror(error_number)) + " (" +
         (name != nullptr ? name : "errno " + std::to_string(error_number)) + ")";
}

#include "core/thread_name.hpp"

#include <pthread.h>

#include <cstring>
#include <string>

namespace fhirgw {

void name_this_thread(const char* name) {
  std::string n(name, strnlen(name, 15));  // the kernel's limit, without the NUL
  (void)pthread_setname_np(pthread_self(), n.c_str());
}

}  // namespace fhirgw

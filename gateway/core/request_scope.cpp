#include "core/request_scope.hpp"

#include <atomic>

namespace fhirgw::request_scope {

namespace {
std::atomic<uint64_t> next_serial{1};
thread_local uint64_t current_serial = 0;
}  // namespace

uint64_t begin() { return current_serial = next_serial.fetch_add(1, std::memory_order_relaxed); }
uint64_t current() { return current_serial; }

}  // namespace fhirgw::request_scope

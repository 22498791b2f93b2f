#pragma once
// A serial number for the request a worker thread is serving, so per-request
// work (one governance snapshot per request, not one per resource checked)
// can be memoised without threading a context object through every layer.
#include <cstdint>

namespace fhirgw::request_scope {

// Starts a new request on this thread; returns its serial (never 0).
uint64_t begin();
// The serial of the request this thread serves (0 outside any request).
uint64_t current();

}  // namespace fhirgw::request_scope

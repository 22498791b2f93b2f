#pragma once
// Names the calling thread (at most 15 characters) so `top -H`, `perf` and
// /proc/PID/task/*/comm show which part of the gateway uses the CPU.
namespace fhirgw {

void name_this_thread(const char* name);

}  // namespace fhirgw

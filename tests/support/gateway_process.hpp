#pragma once
// Starts the real fhir-gateway binary as a child process for integration
// tests, waits until it prints its base URL, and stops it (SIGTERM, or
// SIGKILL to simulate a crash).
#include <sys/types.h>

#include <string>
#include <vector>

namespace fhirgw::testing {

class GatewayProcess {
 public:
  // args: everything after the binary name, e.g. {"serve", "--listen", "127.0.0.1:0", ...}
  explicit GatewayProcess(std::vector<std::string> args, std::string binary = {});
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  // Waits for "ready at URL" on stdout; false if the process exited first.
  bool wait_ready(int timeout_ms = 20000);
  const std::string& base_url() const { return base_url_; }
  const std::string& output() const { return output_; }  // stdout seen so far
  int stop();  // SIGTERM, wait; returns exit status
  void kill9();  // SIGKILL, wait
  pid_t pid() const { return pid_; }
  static std::string default_binary();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string base_url_, output_;
};

// Runs the binary to completion; returns exit code, output captured.
int run_command(const std::vector<std::string>& args, std::string* output, std::string binary = {});

// A fresh temporary directory, removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace fhirgw::testing

#include "validation/check_digits.hpp"

namespace fhirgw::validation {
namespace {

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

}  // namespace

bool nhs_number_valid(std::string_view digits) {
  if (digits.size() != 10 || !all_digits(digits)) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return false;
  return check == digits[9] - '0';
}

bool verhoeff_valid(std::string_view digits) {
  static constexpr unsigned char d[10][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
      {3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
      {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
      {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
  static constexpr unsigned char p[8][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
      {8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
      {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
  if (!all_digits(digits)) return false;
  int c = 0;
  size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) c = d[c][p[i % 8][digits[n - 1 - i] - '0']];
  return c == 0;
}

bool sctid_valid(std::string_view id) {
  if (id.size() < 6 || id.size() > 18 || !all_digits(id) || id[0] == '0') return false;
  // Partition identifier: 00 concept, 01 description, 02 relationship (short
  // format); 10, 11, 12 the same in the extension (long) format.
  std::string_view partition = id.substr(id.size() - 3, 2);
  if (partition != "00" && partition != "01" && partition != "02" && partition != "10" &&
      partition != "11" && partition != "12")
    return false;
  // A long-format id carries a 7-digit namespace before the partition.
  if (partition[0] == '1' && id.size() < 11) return false;
  return verhoeff_valid(id);
}

bool snomed_concept_id_valid(std::string_view id) {
  if (!sctid_valid(id)) return false;
  std::string_view partition = id.substr(id.size() - 3, 2);
  return partition == "00" || partition == "10";
}

}  // namespace fhirgw::validation

#pragma once
// Source keys of the rows the gateway writes back to a practice (partner
// writes exported as practice extract files), shared by the exporter that
// mints them and the importer that recognises them when the practice's own
// extract later echoes the rows back.
//
// A key is a pure function of (organisation, resource type, resource id,
// part): the same resource always gets the same key, whatever its version,
// so the practice's import of a later version updates its record in place
// and re-exporting is byte-stable. Keys cannot collide with the practice's:
//  - EMIS-style: an RFC 9562 version-8 (vendor-specific) UUID, upper case,
//    from SHA-256 of the inputs. Practice systems mint version-4 GUIDs.
//  - SystmOne-style: an integer in the reserved range
//    [kWritebackRowIdFirst, INT64_MAX] (about 2.2e17 values at the top of the
//    signed 64-bit space); practice row ids are far below it.
// Lookup codes the export needs (EMIS CodeId, SRMapping / SRQuestionnaire
// ids) come from the same reserved integer range.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mapping/format.hpp"

namespace fhirgw::adapters {

inline constexpr int64_t kWritebackRowIdFirst = 9'000'000'000'000'000'000LL;

// The table whose key identifies a written-back resource of this type:
// QuestionnaireResponse → CareRecord_Observation (the group header) /
// SRAnsweredQuestionnaire, Flag → CareRecord_Alert / SRSpecialNotes,
// CarePlan → CareRecord_CarePlan / SRCarePlan. nullopt for other types.
std::optional<std::string_view> writeback_table(Format format, std::string_view resource_type);

// part "" = the resource's own row; otherwise a child row ("item/q1/0",
// "activity/2") or a lookup ("code/<system>|<code>").
std::string writeback_guid(std::string_view organisation, std::string_view type, std::string_view id,
                           std::string_view part = {});
int64_t writeback_row_id(std::string_view organisation, std::string_view type, std::string_view id,
                         std::string_view part = {});
// EMIS: writeback_guid; SystmOne: writeback_row_id as decimal text.
std::string writeback_key(Format format, std::string_view organisation, std::string_view type,
                          std::string_view id, std::string_view part = {});

bool is_writeback_guid(std::string_view key);    // a version-8 UUID
bool is_writeback_row_id(std::string_view key);  // a decimal in the reserved range
bool is_writeback_key(Format format, std::string_view key);

}  // namespace fhirgw::adapters

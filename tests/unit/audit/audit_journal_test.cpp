// The journal file beneath the audit trail: its line format and how it reads
// around lines still being written.
#include "store/audit_journal.hpp"

#include <gtest/gtest.h>


#include "audit/audit_event.hpp"
#include "audit_samples.hpp"
#include "gateway_process.hpp"
#include "journal_file.hpp"

using namespace fhirgw;

namespace {

// A partner's read, its entry text replaced by one that needs escaping.
store::AuditRow row(int64_t seq) {
  store::AuditRow r = audit::to_row(fhirgw::testing::sample_audit_record(static_cast<int>(seq)),
                                    1700000000000 + seq, seq);
  r.entry = R"([2,"quotes \" and a\nnewline","é"])";
  return r;
}

TEST(AuditJournal, ALineHoldsEveryFieldAndNoRawNewline) {
  store::AuditRow r = row(3);
  r.prev_hash = "p";
  r.hash = "h";
  std::string line = store::encode_journal_line(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = store::decode_journal_line(line);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(store::encode_journal_line(*back), line);
  EXPECT_EQ(back->entry, r.entry);
  EXPECT_EQ(back->status, 200);
  EXPECT_FALSE(store::decode_journal_line(R"({"seq":"1"})").ok());
  EXPECT_FALSE(store::decode_journal_line("[]").ok());
  EXPECT_FALSE(store::decode_journal_line(line.substr(0, line.size() / 2)).ok());
}

TEST(AuditJournal, AppendsChainAndReadsBackWithOffsets) {
  fhirgw::testing::TempDir dir;
  auto j = store::AuditJournal::open(dir.file("a.journal"));
  ASSERT_TRUE(j.ok());
  std::vector<store::AuditRow> rows{row(0), row(0), row(0)};  // numbered by the journal
  ASSERT_TRUE((*j)->append(rows).ok());
  EXPECT_EQ(rows[2].seq, 3);
  EXPECT_EQ(rows[1].prev_hash, rows[0].hash);
  auto all = (*j)->read(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[1].offset, (*all)[0].length);
  auto second = (*j)->read_at((*all)[1].offset, (*all)[1].length);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->seq, 2);
  EXPECT_FALSE((*j)->read_at((*all)[1].offset + 1, (*all)[1].length).ok());  // not a line: refused
  EXPECT_EQ((*(*j)->last())->row.seq, 3);
}

TEST(AuditJournal, ALineStillBeingWrittenIsNoEntryYet) {
  fhirgw::testing::TempDir dir;
  const std::string path = dir.file("a.journal");
  auto j = store::AuditJournal::open(path);
  std::vector<store::AuditRow> rows{row(0), row(0)};
  ASSERT_TRUE((*j)->append(rows).ok());
  std::string partial = store::encode_journal_line(row(3)).substr(0, 40);
  fhirgw::testing::append_to_journal(path, partial);
  EXPECT_EQ((*j)->read(0, 10)->size(), 2u);
  EXPECT_EQ((*(*j)->last())->row.seq, 2);
  // The next appender cuts the torn line off before it writes.
  std::vector<store::AuditRow> more{row(0)};
  ASSERT_TRUE((*j)->append(more).ok());
  auto all = (*j)->read(0, 10);
  ASSERT_TRUE(all.ok()) << all.error().message();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].row.seq, 3);
  EXPECT_EQ((*all)[2].row.prev_hash, (*all)[1].row.hash);
}

TEST(AuditJournal, AnEntryLongerThanOneReadBlockReadsWhole) {
  fhirgw::testing::TempDir dir;
  auto j = store::AuditJournal::open(dir.file("a.journal"));
  std::vector<store::AuditRow> rows{row(0), row(0), row(0)};
  rows[1].entities.assign(600 * 1024, 'x');  // a search page with very many ids
  ASSERT_TRUE((*j)->append(rows).ok());
  auto all = (*j)->read(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[1].row.entities.size(), 600u * 1024);
  EXPECT_EQ((*(*j)->last())->row.seq, 3);
}

TEST(AuditJournal, AnUnreadableLineIsAnErrorThatNamesWhereItIs) {
  fhirgw::testing::TempDir dir;
  const std::string path = dir.file("a.journal");
  auto j = store::AuditJournal::open(path);
  std::vector<store::AuditRow> rows{row(0)};
  ASSERT_TRUE((*j)->append(rows).ok());
  fhirgw::testing::append_to_journal(path, "not json\n");
  auto all = (*j)->read(0, 10);
  ASSERT_FALSE(all.ok());
  EXPECT_NE(all.error().message().find("at byte"), std::string::npos) << all.error().message();
  std::vector<store::AuditRow> more{row(0)};
  EXPECT_FALSE((*j)->append(more).ok());  // fails closed: no entry chains onto what it cannot read
}

}  // namespace

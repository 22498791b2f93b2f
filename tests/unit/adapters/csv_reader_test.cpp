#include "csv/reader.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "csv/encoding.hpp"
#include "csv/writer.hpp"

using namespace fhirgw::adapters::csv;

namespace {

struct Parsed {
  std::vector<Row> rows;
  std::vector<std::string> columns;
};

Parsed parse(const std::string& text, Encoding enc = Encoding::utf8) {
  std::istringstream in(text);
  Reader r(in, "test.csv", enc);
  EXPECT_TRUE(r.read_header().ok());
  Parsed p;
  p.columns = r.columns();
  Row row;
  while (r.next(row)) p.rows.push_back(row);
  return p;
}

}  // namespace

TEST(CsvReader, QuotedCommasQuotesAndEmbeddedNewlinesWithPhysicalLines) {
  auto p = parse("\"a\",\"b\"\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\"line1\r\nline2\nline3\",\"z\"\r\n\"last\",\"\"\r\n");
  ASSERT_EQ(p.rows.size(), 3u);
  EXPECT_EQ(p.rows[0].fields[0], "x,y");
  EXPECT_EQ(p.rows[0].fields[1], "say \"hi\"");
  EXPECT_EQ(p.rows[0].line, 2);
  EXPECT_EQ(p.rows[1].fields[0], "line1\r\nline2\nline3");
  EXPECT_EQ(p.rows[1].line, 3);
  EXPECT_EQ(p.rows[2].line, 6);  // the record above spans lines 3-5
  EXPECT_FALSE(p.rows[2].error);
}

TEST(CsvReader, LfLineEndsAndUnquotedFields) {
  auto p = parse("a,b\n1,2\n3,4");
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[1].fields[1], "4");
  EXPECT_EQ(p.rows[1].line, 3);
}

TEST(CsvReader, ColumnsByNameInAnyOrderEmptyIsAbsentUnknownIgnored) {
  std::istringstream in("\"Extra\",\"B\",\"A\"\r\n\"zz\",\"\",\"1\"\r\n");
  Reader r(in, "f.csv", Encoding::utf8);
  ASSERT_TRUE(r.read_header().ok());
  Row row;
  ASSERT_TRUE(r.next(row));
  EXPECT_EQ(r.get(row, "A"), "1");
  EXPECT_FALSE(r.get(row, "B"));        // empty string = absent
  EXPECT_FALSE(r.get(row, "Missing"));  // column not in the file
}

TEST(CsvReader, RaggedRowsAreRowErrorsAndReadingContinues) {
  auto p = parse("a,b\n1\n1,2,3\n4,5\n");
  ASSERT_EQ(p.rows.size(), 3u);
  ASSERT_TRUE(p.rows[0].error);
  EXPECT_EQ(p.rows[0].error->message, "expected 2 fields, found 1");
  EXPECT_EQ(p.rows[0].error->column, "");
  ASSERT_TRUE(p.rows[1].error);
  EXPECT_EQ(p.rows[1].error->message, "expected 2 fields, found 3");
  EXPECT_FALSE(p.rows[2].error);
}

TEST(CsvReader, UnterminatedQuoteNamesLineAndColumn) {
  auto p = parse("a,b\n1,2\n3,\"open\nstill open\n");
  ASSERT_EQ(p.rows.size(), 2u);
  ASSERT_TRUE(p.rows[1].error);
  EXPECT_EQ(p.rows[1].error->column, "b");
  EXPECT_EQ(p.rows[1].error->message, "unterminated quoted field opened at line 3, column 3");
  EXPECT_EQ(p.rows[1].line, 3);
}

TEST(CsvReader, CharacterAfterClosingQuoteIsAnError) {
  auto p = parse("a,b\n\"x\"y,2\n");
  ASSERT_TRUE(p.rows[0].error);
  EXPECT_EQ(p.rows[0].error->column, "a");
  EXPECT_NE(p.rows[0].error->message.find("after closing quote at line 2, column 4"), std::string::npos);
}

TEST(CsvReader, Utf8BomIsSkipped) {
  auto p = parse("\xEF\xBB\xBF\"PatientGuid\",\"B\"\r\n\"1\",\"2\"\r\n");
  EXPECT_EQ(p.columns[0], "PatientGuid");
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].line, 2);
}

TEST(CsvReader, InvalidUtf8IsARowErrorNeverReplaced) {
  auto p = parse("a,b\n\"ok\",\"bad \xC3\x28\"\n\"over\xC0\xAF\",\"x\"\n\"fine é\",\"y\"\n");
  ASSERT_EQ(p.rows.size(), 3u);
  ASSERT_TRUE(p.rows[0].error);
  EXPECT_EQ(p.rows[0].error->column, "b");
  EXPECT_EQ(p.rows[0].error->message, "invalid UTF-8 byte 0xC3 at byte 5 of the field");
  ASSERT_TRUE(p.rows[1].error);  // overlong encoding
  EXPECT_EQ(p.rows[1].error->column, "a");
  EXPECT_FALSE(p.rows[2].error);
  EXPECT_EQ(p.rows[2].fields[0], "fine é");
}

TEST(CsvReader, Cp1252IsConvertedAndUndefinedBytesAreRowErrors) {
  auto p = parse("a,b\n\"Zo\xEB\",\"\x80 5 \x93quoted\x94\"\n\"x\x81y\",\"z\"\n", Encoding::cp1252);
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].fields[0], "Zoë");
  EXPECT_EQ(p.rows[0].fields[1], "€ 5 “quoted”");
  ASSERT_TRUE(p.rows[1].error);
  EXPECT_EQ(p.rows[1].error->column, "a");
  EXPECT_EQ(p.rows[1].error->message, "byte 0x81 is undefined in Windows-1252 at byte 2 of the field");
  for (unsigned char b : {0x81, 0x8D, 0x8F, 0x90, 0x9D}) {
    std::string out;
    EXPECT_TRUE(decode(std::string(1, static_cast<char>(b)), Encoding::cp1252, out)) << int(b);
  }
}

TEST(CsvReader, MissingRequiredColumnNamesFileAndColumn) {
  std::istringstream in("\"PatientGuid\",\"Sex\"\r\n");
  Reader r(in, "1-2_Admin_Patient_x.csv", Encoding::utf8);
  ASSERT_TRUE(r.read_header().ok());
  auto st = r.require({"PatientGuid", "Surname"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "1-2_Admin_Patient_x.csv: missing required column Surname");
  EXPECT_TRUE(r.require({"Sex"}).ok());
}

TEST(CsvReader, EmptyFileHasNoHeader) {
  std::istringstream in("");
  Reader r(in, "e.csv", Encoding::utf8);
  EXPECT_FALSE(r.read_header().ok());
}

TEST(CsvReader, RecordsSpanningChunkBoundariesStream) {
  // Bigger than the 64 KiB read chunk, with a CRLF split across a boundary.
  std::string text = "a,b\r\n";
  int rows = 0;
  while (text.size() < 300000) {
    text += "\"" + std::string(static_cast<size_t>(rows % 97), 'x') + "\",\"v" + std::to_string(rows) + "\"\r\n";
    ++rows;
  }
  auto p = parse(text);
  ASSERT_EQ(static_cast<int>(p.rows.size()), rows);
  for (int i = 0; i < rows; ++i) {
    ASSERT_FALSE(p.rows[i].error) << i;
    ASSERT_EQ(p.rows[i].fields[1], "v" + std::to_string(i));
    ASSERT_EQ(p.rows[i].line, i + 2);
  }
}

TEST(CsvReader, ReusedFieldsNeverLeakFromTheRecordBefore) {
  // Each record is read into the same Row: a short record after a long one,
  // and empty fields after full ones, must not keep the earlier contents.
  auto p = parse("a,b,c\nlong-value-1,long-value-2,long-value-3\nx,,\n,y\n\"\",\"\",z\n");
  ASSERT_EQ(p.rows.size(), 4u);
  EXPECT_EQ(p.rows[1].fields, (std::vector<std::string>{"x", "", ""}));
  ASSERT_TRUE(p.rows[2].error);
  EXPECT_EQ(p.rows[2].fields, (std::vector<std::string>{"", "y"}));
  EXPECT_EQ(p.rows[3].fields, (std::vector<std::string>{"", "", "z"}));
  EXPECT_EQ(p.rows[3].raw, "\"\",\"\",z\n");
}

TEST(CsvReader, PositionsAfterLongPlainRunsAreExact) {
  // Plain content is copied a run at a time: columns and lines of errors
  // found after such runs still count every byte.
  auto p = parse("a,b\nabcdefghij,klm\"no\nfine,\"quoted \"x\n");
  ASSERT_EQ(p.rows.size(), 2u);
  ASSERT_TRUE(p.rows[0].error);
  EXPECT_EQ(p.rows[0].error->column, "b");
  EXPECT_EQ(p.rows[0].error->message, "quote inside an unquoted field at line 2, column 15");
  EXPECT_EQ(p.rows[0].fields[1], "klm\"no");
  ASSERT_TRUE(p.rows[1].error);
  EXPECT_EQ(p.rows[1].error->column, "b");
  EXPECT_EQ(p.rows[1].error->message, "unexpected character after closing quote at line 3, column 15");
  EXPECT_EQ(p.rows[1].line, 3);
}

TEST(CsvReader, LongUnquotedFieldsAcrossChunkBoundaries) {
  // Unquoted fields longer than the 64 KiB read chunk, and a raw record
  // capped at kRawCap.
  std::string big(150000, 'q');
  auto p = parse("a,b\n" + big + ",1\nz," + big + "\n");
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].fields[0], big);
  EXPECT_EQ(p.rows[0].fields[1], "1");
  EXPECT_EQ(p.rows[0].raw.size(), Reader::kRawCap);
  EXPECT_EQ(p.rows[1].fields[1], big);
  EXPECT_EQ(p.rows[1].line, 3);
}

TEST(CsvReader, AsciiFieldsAndConvertedFieldsInOneRecord) {
  // ASCII fields are taken as they are; a cp1252 field beside them is converted.
  auto p = parse("a,b,c\nplain,Zo\xEB,\x80 5\n", Encoding::cp1252);
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_FALSE(p.rows[0].error);
  EXPECT_EQ(p.rows[0].fields, (std::vector<std::string>{"plain", "Zoë", "€ 5"}));
}

TEST(CsvWriter, QuotesEveryFieldUsesCrlfAndRoundTrips) {
  std::ostringstream out;
  Writer w(out);
  ASSERT_TRUE(w.write_row({"a", "b,c"}).ok());
  ASSERT_TRUE(w.write_row({"say \"x\"", "two\nlines"}).ok());
  EXPECT_EQ(out.str(), "\"a\",\"b,c\"\r\n\"say \"\"x\"\"\",\"two\nlines\"\r\n");
  auto p = parse(out.str());
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].fields[1], "two\nlines");
}

TEST(CsvWriter, Cp1252OutputAndUnrepresentableCharacters) {
  std::ostringstream out;
  Writer w(out, Encoding::cp1252);
  ASSERT_TRUE(w.write_row({"Zoë €"}).ok());
  EXPECT_EQ(out.str(), "\"Zo\xEB \x80\"\r\n");
  EXPECT_FALSE(w.write_row({"日本"}).ok());
}

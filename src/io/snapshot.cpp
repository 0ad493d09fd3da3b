// Binary snapshots of landscapes (keten/snapshot.hpp, docs/formats.md "Snapshots").
#include "keten/snapshot.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <random>
#include <streambuf>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <xxhash.h>
#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>

#include "files.hpp"
#include "keten/error.hpp"
#include "keten/io.hpp"

namespace keten {

namespace {

// The archives are opened without Boost's own header: the envelope carries the versioning, and
// Boost's header reader sizes a string by an unchecked length from the input. No codecvt: bytes
// are bytes.
constexpr unsigned archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

constexpr std::size_t offset_version = 8;
constexpr std::size_t offset_reserved = 12;
constexpr std::size_t offset_length = 16;
constexpr std::size_t offset_checksum = 24;

// The fewest payload bytes an element can take, for checking a count before allocating.
constexpr std::size_t min_string = 4;                                  // length
constexpr std::size_t min_category = min_string + 1 + 2 * min_string;  // id, form, labels
constexpr std::size_t min_partner = 4 * min_string;
constexpr std::size_t min_offering = 3 * min_string   // id, partner, name
                                     + 4              // categories
                                     + 4 + 4 + 1      // municipalities, postcodes, radius flag
                                     + 2 + 4 + 4 + 1  // ages, households, languages, referrer
                                     + 5 * 4;         // capacity
constexpr std::size_t min_complementarity = 2 * min_string + 8;
constexpr std::size_t min_precedence = 2 * min_string;
constexpr std::size_t min_chain_term = 3 * min_string;
constexpr std::size_t min_chain = 2 * min_string  // id, name
                                  + 3 * 4         // municipalities, partners, initiators
                                  + 4 + 1 + 1     // started: year, month, day
                                  + min_string;   // form
constexpr std::size_t min_initiator = 1 + min_string;

void put_le(std::string& out, std::size_t at, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i)
    out[at + i] = static_cast<char>((value >> (8 * i)) & 0xffU);
}

std::uint64_t get_le(std::string_view in, std::size_t at, std::size_t bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes; ++i)
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return value;
}

void require_little_endian(std::string_view source_name) {
  if constexpr (std::endian::native != std::endian::little)
    throw parse_error(error_code::unsupported_format,
                      "keten snapshots are read and written on little-endian machines only",
                      {.file = std::string(source_name)});
}

// --- writing ---------------------------------------------------------------------------------

/// Appends everything written to it to a string.
class string_sink : public std::streambuf {
 public:
  explicit string_sink(std::string& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof()))
      out_.push_back(traits_type::to_char_type(c));
    return traits_type::not_eof(c);
  }

 private:
  std::string& out_;
};

class writer {
 public:
  explicit writer(std::string& out) : sink_(out), ar_(sink_, archive_flags) {}

  void u8(std::uint8_t v) { ar_ << v; }
  void u16(std::uint16_t v) { ar_ << v; }
  void u32(std::uint32_t v) { ar_ << v; }
  void i32(std::int32_t v) { ar_ << v; }
  void f64(double v) { ar_ << v; }
  void count(std::size_t n) {
    if (n > std::numeric_limits<std::uint32_t>::max())
      throw validation_error(error_code::invalid_value,
                             fmt::format("{} elements are too many for a snapshot", n));
    u32(static_cast<std::uint32_t>(n));
  }
  void string(const std::string& s) {
    count(s.size());
    if (!s.empty()) ar_.save_binary(s.data(), s.size());
  }
  void strings(const std::vector<std::string>& list) {
    count(list.size());
    for (const std::string& s : list)
      string(s);
  }

 private:
  string_sink sink_;
  boost::archive::binary_oarchive ar_;
};

void write_payload(writer& w, const landscape& l) {
  w.string(l.name());
  const taxonomy& standard = taxonomy::standard();
  std::vector<const need_category*> extra;
  for (const need_category& c : l.categories().categories())
    if (!standard.find(c.id)) extra.push_back(&c);
  w.count(extra.size());
  for (const need_category* c : extra) {
    w.string(c->id);
    w.u8(static_cast<std::uint8_t>(c->form));
    w.string(c->label_nl);
    w.string(c->label_en);
  }
  w.count(l.partners().size());
  for (const partner& p : l.partners()) {
    w.string(p.id);
    w.string(p.member);
    w.string(p.branch);
    w.string(p.municipality);
  }
  w.count(l.offerings().size());
  for (const offering& o : l.offerings()) {
    w.string(o.id);
    w.string(o.partner);
    w.string(o.name);
    w.strings(o.categories);
    w.strings(o.area.municipalities);
    w.count(o.area.postcodes.size());
    for (pc4 p : o.area.postcodes)
      w.u16(p);
    w.u8(o.area.radius ? 1 : 0);
    if (o.area.radius) {
      w.f64(o.area.radius->center.lat);
      w.f64(o.area.radius->center.lon);
      w.f64(o.area.radius->km);
    }
    w.u8(o.rules.ages.min);
    w.u8(o.rules.ages.max);
    w.count(o.rules.households.size());
    for (household_type h : o.rules.households)
      w.u8(static_cast<std::uint8_t>(h));
    w.strings(o.rules.languages);
    w.u8(o.rules.requires_professional_referrer ? 1 : 0);
    w.i32(o.units.units_per_period);
    w.i32(o.units.period_days);
    w.i32(o.units.free_units);
    w.i32(o.units.typical_duration_days);
    w.i32(o.units.intake_wait_days);
  }
  w.count(l.complementarities().size());
  for (const complementarity& c : l.complementarities()) {
    w.string(c.a);
    w.string(c.b);
    w.f64(c.weight);
  }
  w.count(l.precedences().size());
  for (const precedence& p : l.precedences()) {
    w.string(p.before);
    w.string(p.after);
  }
  // Version 2: the chain vocabularies beyond the standard terms, and the chains.
  const auto terms = [&](std::span<const chain_term> all, std::size_t built_in) {
    w.count(all.size() - built_in);
    for (std::size_t i = built_in; i < all.size(); ++i) {
      w.string(all[i].id);
      w.string(all[i].label_nl);
      w.string(all[i].label_en);
    }
  };
  terms(l.cooperation_forms(), standard_cooperation_forms().size());
  terms(l.initiator_roles(), standard_initiator_roles().size());
  w.count(l.chains().size());
  for (const local_chain& c : l.chains()) {
    w.string(c.id);
    w.string(c.name);
    w.strings(c.municipalities);
    w.strings(c.partners);
    w.count(c.initiators.size());
    for (const chain_initiator& who : c.initiators) {
      w.u8(who.partner.empty() ? 1 : 0);  // 0: a partner, 1: a role
      w.string(who.partner.empty() ? who.role : who.partner);
    }
    w.i32(static_cast<int>(c.started.year()));
    w.u8(static_cast<std::uint8_t>(static_cast<unsigned>(c.started.month())));
    w.u8(static_cast<std::uint8_t>(static_cast<unsigned>(c.started.day())));
    w.string(c.form);
  }
}

// --- reading ---------------------------------------------------------------------------------

/// Reads from a block of bytes in place and knows how many remain.
class view_source : public std::streambuf {
 public:
  explicit view_source(std::string_view bytes) {
    // The get area is only read, never written.
    char* begin = const_cast<char*>(bytes.data());
    setg(begin, begin, begin + bytes.size());
  }
  [[nodiscard]] std::size_t consumed() const { return static_cast<std::size_t>(gptr() - eback()); }
  [[nodiscard]] std::size_t remaining() const { return static_cast<std::size_t>(egptr() - gptr()); }
};

class reader {
 public:
  reader(std::string_view payload, std::string_view source_name)
      : source_(payload), ar_(source_, archive_flags), name_(source_name) {}

  /// Where the next byte is, counted from the start of the file.
  [[nodiscard]] std::size_t offset() const { return snapshot_header_size + source_.consumed(); }
  [[nodiscard]] std::size_t remaining() const { return source_.remaining(); }

  [[noreturn]] void corrupt(const std::string& message, std::size_t at) const {
    throw parse_error(error_code::snapshot_corrupt,
                      fmt::format("corrupt snapshot at byte offset {}: {}", at, message),
                      {.file = std::string(name_)});
  }

  template <class T>
  T fixed(const char* what) {
    const std::size_t at = offset();
    if (remaining() < sizeof(T)) corrupt(fmt::format("payload ends inside {}", what), at);
    T value{};
    ar_ >> value;
    return value;
  }
  std::uint8_t u8(const char* what) { return fixed<std::uint8_t>(what); }
  bool flag(const char* what) {
    const std::size_t at = offset();
    const std::uint8_t v = u8(what);
    if (v > 1) corrupt(fmt::format("{} is {}, expected 0 or 1", what, v), at);
    return v == 1;
  }
  /// A count of elements of at least `min_size` bytes each, checked against what remains.
  std::size_t count(std::size_t min_size, const char* what) {
    const std::size_t at = offset();
    const std::uint32_t n = fixed<std::uint32_t>(what);
    if (n > remaining() / min_size)
      corrupt(fmt::format("{} says {} elements of at least {} bytes, but only {} bytes remain",
                          what, n, min_size, remaining()),
              at);
    return n;
  }
  /// A string of UTF-8 text: the JSON writers cannot write anything else (nlohmann throws), and
  /// error messages quote these strings.
  std::string string(const char* what) {
    const std::size_t n = count(1, what);
    const std::size_t at = offset();
    std::string s(n, '\0');
    if (n > 0) ar_.load_binary(s.data(), n);
    if (!detail::is_valid_utf8(s)) corrupt(fmt::format("{} is not valid UTF-8", what), at);
    return s;
  }
  std::vector<std::string> strings(const char* what) {
    const std::size_t n = count(min_string, what);
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
      out.push_back(string(what));
    return out;
  }

 private:
  view_source source_;
  boost::archive::binary_iarchive ar_;
  std::string_view name_;
};

/// Format version 1, and 2 with the chains after it: see write_payload, which writes version 2.
void read_payload(reader& r, landscape_builder& b, std::uint32_t version) {
  b.set_name(r.string("name"));
  const std::size_t categories = r.count(min_category, "category count");
  for (std::size_t i = 0; i < categories; ++i) {
    need_category c;
    c.id = r.string("category id");
    const std::size_t at = r.offset();
    const std::uint8_t form = r.u8("help form");
    if (form >= help_form_count)
      r.corrupt(fmt::format("help form {} of category '{}' is not one of 0–4", form,
                            detail::printable(c.id)),
                at);
    c.form = static_cast<help_form>(form);
    c.label_nl = r.string("label_nl");
    c.label_en = r.string("label_en");
    b.add_category(std::move(c));
  }
  const std::size_t partners = r.count(min_partner, "partner count");
  for (std::size_t i = 0; i < partners; ++i) {
    partner p;
    p.id = r.string("partner id");
    p.member = r.string("partner member");
    p.branch = r.string("partner branch");
    p.municipality = r.string("partner municipality");
    b.add_partner(std::move(p));
  }
  const std::size_t offerings = r.count(min_offering, "offering count");
  for (std::size_t i = 0; i < offerings; ++i) {
    offering o;
    o.id = r.string("offering id");
    o.partner = r.string("offering partner");
    o.name = r.string("offering name");
    o.categories = r.strings("offering categories");
    o.area.municipalities = r.strings("area municipalities");
    const std::size_t postcodes = r.count(sizeof(pc4), "area postcodes");
    o.area.postcodes.reserve(postcodes);
    for (std::size_t k = 0; k < postcodes; ++k)
      o.area.postcodes.push_back(r.fixed<std::uint16_t>("postcode"));
    if (r.flag("radius flag")) {
      radius_area radius;
      radius.center.lat = r.fixed<double>("radius lat");
      radius.center.lon = r.fixed<double>("radius lon");
      radius.km = r.fixed<double>("radius km");
      o.area.radius = radius;
    }
    o.rules.ages.min = r.u8("age min");
    o.rules.ages.max = r.u8("age max");
    const std::size_t households = r.count(1, "households");
    o.rules.households.reserve(households);
    for (std::size_t k = 0; k < households; ++k) {
      const std::size_t at = r.offset();
      const std::uint8_t h = r.u8("household");
      if (h >= household_type_count)
        r.corrupt(fmt::format("household type {} of offering '{}' is not one of 0–4", h,
                              detail::printable(o.id)),
                  at);
      o.rules.households.push_back(static_cast<household_type>(h));
    }
    o.rules.languages = r.strings("languages");
    o.rules.requires_professional_referrer = r.flag("professional referrer flag");
    o.units.units_per_period = r.fixed<std::int32_t>("units_per_period");
    o.units.period_days = r.fixed<std::int32_t>("period_days");
    o.units.free_units = r.fixed<std::int32_t>("free_units");
    o.units.typical_duration_days = r.fixed<std::int32_t>("typical_duration_days");
    o.units.intake_wait_days = r.fixed<std::int32_t>("intake_wait_days");
    b.add_offering(std::move(o));
  }
  const std::size_t complements = r.count(min_complementarity, "complementarity count");
  for (std::size_t i = 0; i < complements; ++i) {
    complementarity c;
    c.a = r.string("complementarity a");
    c.b = r.string("complementarity b");
    c.weight = r.fixed<double>("complementarity weight");
    b.add_complementarity(std::move(c));
  }
  const std::size_t precedences = r.count(min_precedence, "precedence count");
  for (std::size_t i = 0; i < precedences; ++i) {
    precedence p;
    p.before = r.string("precedence before");
    p.after = r.string("precedence after");
    b.add_precedence(std::move(p));
  }
  if (version >= 2) {
    const std::size_t forms = r.count(min_chain_term, "cooperation form count");
    for (std::size_t i = 0; i < forms; ++i) {
      chain_term t;
      t.id = r.string("cooperation form id");
      t.label_nl = r.string("cooperation form label_nl");
      t.label_en = r.string("cooperation form label_en");
      b.add_cooperation_form(std::move(t));
    }
    const std::size_t roles = r.count(min_chain_term, "initiator role count");
    for (std::size_t i = 0; i < roles; ++i) {
      chain_term t;
      t.id = r.string("initiator role id");
      t.label_nl = r.string("initiator role label_nl");
      t.label_en = r.string("initiator role label_en");
      b.add_initiator_role(std::move(t));
    }
    const std::size_t chains = r.count(min_chain, "chain count");
    for (std::size_t i = 0; i < chains; ++i) {
      local_chain c;
      c.id = r.string("chain id");
      c.name = r.string("chain name");
      c.municipalities = r.strings("chain municipalities");
      c.partners = r.strings("chain partners");
      const std::size_t initiators = r.count(min_initiator, "chain initiators");
      for (std::size_t k = 0; k < initiators; ++k) {
        chain_initiator who;
        if (r.flag("initiator kind"))
          who.role = r.string("initiator role");
        else
          who.partner = r.string("initiator partner");
        c.initiators.push_back(std::move(who));
      }
      const std::size_t at = r.offset();
      const auto year = r.fixed<std::int32_t>("chain start year");
      const auto month = r.u8("chain start month");
      const auto day = r.u8("chain start day");
      c.started = date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
      if (!c.started.ok() || year < min_date_year || year > max_date_year)
        r.corrupt(fmt::format("start date {}-{}-{} of chain '{}' is not a day in {}–{}", year,
                              month, day, detail::printable(c.id), min_date_year, max_date_year),
                  at);
      c.form = r.string("chain form");
      b.add_chain(std::move(c));
    }
  }
  if (r.remaining() != 0)
    r.corrupt(fmt::format("{} bytes after the end of the landscape", r.remaining()), r.offset());
}

}  // namespace

std::string to_snapshot(const landscape& l) {
  require_little_endian("<snapshot>");
  std::string out(snapshot_header_size, '\0');
  {
    writer w(out);
    write_payload(w, l);
  }  // the archive is flushed and closed here
  const std::string_view payload = std::string_view(out).substr(snapshot_header_size);
  std::memcpy(out.data(), snapshot_magic.data(), snapshot_magic.size());
  put_le(out, offset_version, snapshot_format_version, 4);
  put_le(out, offset_reserved, 0, 4);
  put_le(out, offset_length, payload.size(), 8);
  put_le(out, offset_checksum, XXH64(payload.data(), payload.size(), 0), 8);
  return out;
}

bool is_snapshot(std::string_view bytes) noexcept {
  return bytes.substr(0, snapshot_magic.size()) == snapshot_magic;
}

landscape from_snapshot(std::string_view bytes, std::string_view source_name,
                        std::shared_ptr<const geography> places) {
  require_little_endian(source_name);
  const source_position file{.file = std::string(source_name)};
  const auto corrupt = [&](const std::string& message) {
    return parse_error(error_code::snapshot_corrupt, message, file);
  };
  // The whole envelope is checked before the payload is looked at.
  if (bytes.size() < snapshot_header_size)
    throw corrupt(fmt::format("truncated snapshot: {} bytes, shorter than the {}-byte header",
                              bytes.size(), snapshot_header_size));
  if (!is_snapshot(bytes))
    throw corrupt(fmt::format("not a keten snapshot: bytes 0–7 are '{}', expected '{}'",
                              detail::printable(bytes.substr(0, snapshot_magic.size())),
                              snapshot_magic));
  const auto version = static_cast<std::uint32_t>(get_le(bytes, offset_version, 4));
  if (version > snapshot_format_version)
    throw parse_error(error_code::unsupported_format,
                      fmt::format("snapshot format version {} is newer than this build of keten "
                                  "reads (versions 1 to {}); use a newer keten",
                                  version, snapshot_format_version),
                      file);
  if (version == 0)
    throw corrupt(
        fmt::format("format version 0 at byte offset {} (versions start at 1)", offset_version));
  if (const auto reserved = get_le(bytes, offset_reserved, 4); reserved != 0)
    throw corrupt(fmt::format("reserved field at byte offset {} is {:#x}, expected 0",
                              offset_reserved, reserved));
  const std::uint64_t length = get_le(bytes, offset_length, 8);
  const std::size_t actual = bytes.size() - snapshot_header_size;
  if (length != actual)
    throw corrupt(fmt::format(
        "payload length at byte offset {} says {} bytes, but {} bytes follow the header{}",
        offset_length, length, actual, length > actual ? " (truncated?)" : ""));
  const std::string_view payload = bytes.substr(snapshot_header_size);
  const std::uint64_t expected = get_le(bytes, offset_checksum, 8);
  const std::uint64_t computed = XXH64(payload.data(), payload.size(), 0);
  if (expected != computed)
    throw corrupt(fmt::format(
        "checksum mismatch: the header (byte offset {}) says {:016x}, the payload hashes to "
        "{:016x}",
        offset_checksum, expected, computed));

  landscape_builder builder(std::move(places));
  try {
    reader r(payload, source_name);
    read_payload(r, builder, version);  // 1 ≤ version ≤ snapshot_format_version: checked above
    return builder.build();
  } catch (const parse_error&) {
    throw;
  } catch (const error& e) {
    rethrow_with_position(e, file);
  } catch (const boost::archive::archive_exception& e) {
    throw corrupt(fmt::format("corrupt snapshot payload: {}", e.what()));
  } catch (const std::ios_base::failure& e) {
    throw corrupt(fmt::format("corrupt snapshot payload: {}", e.what()));
  }
}

void save_snapshot(const landscape& l, const std::filesystem::path& path) {
  detail::write_file_atomically(to_snapshot(l), path);
}

landscape load_snapshot(const std::filesystem::path& path,
                        std::shared_ptr<const geography> places) {
  return from_snapshot(read_file(path), path.string(), std::move(places));
}

landscape load_landscape(const std::filesystem::path& path,
                         std::shared_ptr<const geography> places) {
  const std::string bytes = read_file(path);
  if (is_snapshot(bytes)) return from_snapshot(bytes, path.string(), std::move(places));
  return parse_landscape_json(bytes, path.string(), std::move(places));
}

}  // namespace keten

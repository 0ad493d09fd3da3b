// keten._ext — the Python binding: a thin layer over the C++ API (no matching logic of its own).
//
// Bulk data leaves as numpy arrays inside a Table (a mapping of column name → 1-D array) that
// converts to a pandas DataFrame; matrices leave as numpy arrays without a copy (Eigen results are
// moved into the array's owner; the landscape's own matrices are read-only views that keep it
// alive). Every call that does real work releases the GIL.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "keten/keten.hpp"

#include "case_batch.hpp"

namespace py = pybind11;

namespace {

// --- errors ---------------------------------------------------------------------------------

/// Raises the keten.errors class that matches the C++ error, with its position as attributes.
void translate(const keten::error& e, const char* class_name) {
  const py::object cls = py::module_::import("keten.errors").attr(class_name);
  const keten::source_position& where = e.where();
  const py::object instance = cls(e.what());
  instance.attr("code") = e.id();
  instance.attr("message") = e.message();
  instance.attr("file") = where.file.empty() ? py::none() : py::cast(where.file);
  instance.attr("line") = where.line == 0 ? py::none() : py::cast(where.line);
  instance.attr("column") = where.column == 0 ? py::none() : py::cast(where.column);
  instance.attr("pointer") = where.pointer.empty() ? py::none() : py::cast(where.pointer);
  instance.attr("field") = where.field.empty() ? py::none() : py::cast(where.field);
  instance.attr("object_id") = where.object_id.empty() ? py::none() : py::cast(where.object_id);
  PyErr_SetObject(cls.ptr(), instance.ptr());
}

[[noreturn]] void invalid(std::string message, std::string field, std::string object_id = {}) {
  throw keten::validation_error(keten::error_code::invalid_value, std::move(message),
                                {.field = std::move(field), .object_id = std::move(object_id)});
}

// --- columns and tables ---------------------------------------------------------------------

/// A numpy array that owns the vector's buffer (moved, not copied).
template <class T>
py::array_t<T> column(std::vector<T>&& values) {
  auto* heap = new std::vector<T>(std::move(values));
  const py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(heap->size()), heap->data(), owner);
}

py::array_t<bool> bool_column(const std::vector<std::uint8_t>& values) {
  py::array_t<bool> out(static_cast<py::ssize_t>(values.size()));
  auto view = out.mutable_unchecked<1>();
  for (std::size_t i = 0; i < values.size(); ++i)
    view(static_cast<py::ssize_t>(i)) = values[i] != 0;
  return out;
}

/// A 1-D numpy array of Python objects (str, list or None), as pandas keeps text.
class object_column {
 public:
  explicit object_column(std::size_t n)
      : array_(py::dtype("O"), std::vector<py::ssize_t>{static_cast<py::ssize_t>(n)}) {}
  void set(std::size_t i, py::object value) {
    auto** slot = static_cast<PyObject**>(array_.mutable_data()) + i;
    Py_XDECREF(*slot);
    *slot = value.release().ptr();
  }
  void set(std::size_t i, const std::string& s) { set(i, py::str(s)); }
  py::array done() { return std::move(array_); }

 private:
  py::array array_;
};

py::array strings(const std::vector<std::string>& values) {
  object_column out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    out.set(i, values[i]);
  return out.done();
}

py::object import_pandas() {
  try {
    return py::module_::import("pandas");
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_ImportError)) throw;
    throw py::import_error(
        "to_pandas() needs pandas, which is not installed (pip install pandas); the same data is "
        "available without it as numpy arrays (to_dict())");
  }
}

/// Named columns of equal length: what keten hands out in bulk.
class table {
 public:
  table() = default;
  explicit table(const py::dict& columns) {
    const py::object asarray = py::module_::import("numpy").attr("asarray");
    for (const auto& [name, values] : columns)
      add(py::cast<std::string>(name), asarray(values));
  }
  void add(const std::string& name, py::object values) {
    const py::array array = py::reinterpret_borrow<py::array>(values);
    if (array.ndim() != 1) throw py::value_error("column '" + name + "' is not one-dimensional");
    const auto n = static_cast<std::size_t>(array.shape(0));
    if (names_.empty()) rows_ = n;
    if (n != rows_)
      throw py::value_error("column '" + name + "' has " + std::to_string(n) + " rows, not " +
                            std::to_string(rows_));
    if (columns_.contains(name)) throw py::value_error("column '" + name + "' given twice");
    names_.push_back(name);
    columns_[py::str(name)] = array;
  }
  [[nodiscard]] std::size_t rows() const { return rows_; }
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  [[nodiscard]] py::array get(const std::string& name) const {
    if (!columns_.contains(name)) throw py::key_error("no column '" + name + "'");
    return columns_[py::str(name)];
  }
  [[nodiscard]] py::dict to_dict() const {
    py::dict out;
    for (const auto& n : names_)
      out[py::str(n)] = columns_[py::str(n)];
    return out;
  }
  [[nodiscard]] py::object to_pandas() const {
    const py::object pandas = import_pandas();
    return pandas.attr("DataFrame")(to_dict(), py::arg("copy") = false);
  }

 private:
  std::vector<std::string> names_;
  py::dict columns_;
  std::size_t rows_{};
};

// --- taxonomy and geography -----------------------------------------------------------------

std::string label(keten::help_form f, const std::string& language) {
  if (language == "nl") return std::string(keten::label_nl(f));
  if (language == "en") return std::string(keten::label_en(f));
  throw py::value_error("language is 'nl' or 'en', not '" + language + "'");
}

table municipality_table(const keten::geography& places) {
  const auto all = places.municipalities();
  const std::size_t n = all.size();
  std::vector<std::string> code(n), name(n), province(n);
  std::vector<std::uint32_t> population(n), area(n);
  std::vector<double> lat(n), lon(n);
  for (std::size_t i = 0; i < n; ++i) {
    code[i] = all[i].code;
    name[i] = all[i].name;
    province[i] = all[i].province;
    population[i] = all[i].population;
    area[i] = all[i].area_km2;
    lat[i] = all[i].point.lat;
    lon[i] = all[i].point.lon;
  }
  table t;
  t.add("code", strings(code));
  t.add("name", strings(name));
  t.add("province", strings(province));
  t.add("population", column(std::move(population)));
  t.add("area_km2", column(std::move(area)));
  t.add("lat", column(std::move(lat)));
  t.add("lon", column(std::move(lon)));
  return t;
}

std::vector<keten::need_category> categories_of(const keten::taxonomy& t) {
  const auto cats = t.categories();
  return {cats.begin(), cats.end()};
}

// --- landscapes -----------------------------------------------------------------------------

table partner_table(const keten::landscape& l) {
  const auto partners = l.partners();
  std::vector<std::string> id, member, branch, municipality;
  std::vector<std::uint32_t> offerings(partners.size());
  for (const auto& p : partners) {
    id.push_back(p.id);
    member.push_back(p.member);
    branch.push_back(p.branch);
    municipality.push_back(p.municipality);
  }
  for (keten::offering_index o = 0; o < l.offerings().size(); ++o)
    ++offerings[l.partner_of(o)];
  table t;
  t.add("id", strings(id));
  t.add("member", strings(member));
  t.add("branch", strings(branch));
  t.add("municipality", strings(municipality));
  t.add("offerings", column(std::move(offerings)));
  return t;
}

/// The partner network's links as a table: a, b (partner ids), shared_municipalities.
table partner_network_table(const keten::landscape& l) {
  keten::partner_network net;
  {
    py::gil_scoped_release release;
    net = keten::build_partner_network(l);
  }
  std::vector<std::string> a, b;
  for (const auto& [x, y] : net.links) {
    a.push_back(l.partners()[x].id);
    b.push_back(l.partners()[y].id);
  }
  table t;
  t.add("a", strings(a));
  t.add("b", strings(b));
  t.add("shared_municipalities", column(std::move(net.shared_municipalities)));
  return t;
}

/// Network metrics per partner as a table: partner, degree, betweenness, component.
table partner_metrics_table(const keten::landscape& l) {
  keten::partner_metrics m;
  {
    py::gil_scoped_release release;
    m = keten::network_metrics(keten::build_partner_network(l));
  }
  std::vector<std::string> id;
  for (const auto& p : l.partners())
    id.push_back(p.id);
  table t;
  t.add("partner", strings(id));
  t.add("degree", column(std::move(m.degree)));
  t.add("betweenness", column(std::move(m.betweenness)));
  t.add("component", column(std::move(m.component)));
  return t;
}

table offering_table(const keten::landscape& l) {
  const auto all = l.offerings();
  const std::size_t n = all.size();
  object_column id(n), partner(n), name(n), categories(n), forms(n), municipalities(n),
      postcodes(n), households(n), languages(n);
  std::vector<std::int32_t> units(n), period(n), free(n), duration(n), wait(n), min_age(n),
      max_age(n);
  std::vector<std::uint8_t> professional(n);
  std::vector<double> radius_lat(n), radius_lon(n), radius_km(n);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < n; ++i) {
    const keten::offering& o = all[i];
    id.set(i, o.id);
    partner.set(i, o.partner);
    name.set(i, o.name);
    categories.set(i, py::cast(o.categories));
    std::vector<std::string> form_names;
    for (keten::category_index c : l.categories_of(static_cast<keten::offering_index>(i))) {
      const std::string f(keten::to_string(l.categories()[c].form));
      if (std::find(form_names.begin(), form_names.end(), f) == form_names.end())
        form_names.push_back(f);
    }
    forms.set(i, py::cast(form_names));
    municipalities.set(i, py::cast(o.area.municipalities));
    std::vector<int> pcs(o.area.postcodes.begin(), o.area.postcodes.end());
    postcodes.set(i, py::cast(pcs));
    units[i] = o.units.units_per_period;
    period[i] = o.units.period_days;
    free[i] = o.units.free_units;
    duration[i] = o.units.typical_duration_days;
    wait[i] = o.units.intake_wait_days;
    min_age[i] = o.rules.ages.min;
    max_age[i] = o.rules.ages.max;
    professional[i] = o.rules.requires_professional_referrer ? 1 : 0;
    std::vector<std::string> household_names;
    for (keten::household_type h : o.rules.households)
      household_names.emplace_back(keten::to_string(h));
    households.set(i, py::cast(household_names));
    languages.set(i, py::cast(o.rules.languages));
    radius_lat[i] = o.area.radius ? o.area.radius->center.lat : nan;
    radius_lon[i] = o.area.radius ? o.area.radius->center.lon : nan;
    radius_km[i] = o.area.radius ? o.area.radius->km : nan;
  }
  table t;
  t.add("id", id.done());
  t.add("partner", partner.done());
  t.add("name", name.done());
  t.add("categories", categories.done());
  t.add("help_forms", forms.done());
  t.add("units_per_period", column(std::move(units)));
  t.add("period_days", column(std::move(period)));
  t.add("free_units", column(std::move(free)));
  t.add("typical_duration_days", column(std::move(duration)));
  t.add("intake_wait_days", column(std::move(wait)));
  t.add("min_age", column(std::move(min_age)));
  t.add("max_age", column(std::move(max_age)));
  t.add("requires_professional_referrer", bool_column(professional));
  t.add("households", households.done());
  t.add("languages", languages.done());
  t.add("municipalities", municipalities.done());
  t.add("postcodes", postcodes.done());
  t.add("radius_lat", column(std::move(radius_lat)));
  t.add("radius_lon", column(std::move(radius_lon)));
  t.add("radius_km", column(std::move(radius_km)));
  return t;
}

/// capacity_by_municipality as a table: the municipality columns, then one column per help form,
/// each a view into the one matrix (no copy).
table capacity_table(const keten::landscape& l) {
  Eigen::MatrixXd* matrix = nullptr;
  {
    py::gil_scoped_release release;
    matrix = new Eigen::MatrixXd(keten::capacity_by_municipality(l));
  }
  const py::capsule owner(matrix, [](void* p) { delete static_cast<Eigen::MatrixXd*>(p); });
  table t = municipality_table(l.places());
  const auto rows = static_cast<py::ssize_t>(matrix->rows());
  for (keten::help_form f : keten::all_help_forms) {
    const double* first = matrix->data() + static_cast<std::size_t>(f) * matrix->rows();
    py::array_t<double> view({rows}, {static_cast<py::ssize_t>(sizeof(double))}, first, owner);
    py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    t.add(std::string(keten::to_string(f)), view);
  }
  return t;
}

table relation_table(const keten::landscape& l) {
  std::vector<std::string> a, b;
  std::vector<double> w;
  for (const auto& c : l.complementarities()) {
    a.push_back(c.a);
    b.push_back(c.b);
    w.push_back(c.weight);
  }
  table t;
  t.add("a", strings(a));
  t.add("b", strings(b));
  t.add("weight", column(std::move(w)));
  return t;
}

table precedence_table(const keten::landscape& l) {
  std::vector<std::string> before, after;
  for (const auto& p : l.precedences()) {
    before.push_back(p.before);
    after.push_back(p.after);
  }
  table t;
  t.add("before", strings(before));
  t.add("after", strings(after));
  return t;
}

table help_form_table(const keten::landscape_summary& s) {
  std::vector<std::string> form, label_nl, label_en, member;
  std::vector<std::uint64_t> offerings;
  std::vector<double> units, free;
  for (keten::help_form f : keten::all_help_forms) {
    const auto i = static_cast<std::size_t>(f);
    form.emplace_back(keten::to_string(f));
    label_nl.emplace_back(keten::label_nl(f));
    label_en.emplace_back(keten::label_en(f));
    member.emplace_back(keten::member_organisation(f));
    offerings.push_back(s.offerings_per_form[i]);
    units.push_back(s.units_per_year_per_form[i]);
    free.push_back(s.free_units_per_form[i]);
  }
  table t;
  t.add("help_form", strings(form));
  t.add("label_nl", strings(label_nl));
  t.add("label_en", strings(label_en));
  t.add("member", strings(member));
  t.add("offerings", column(std::move(offerings)));
  t.add("units_per_year", column(std::move(units)));
  t.add("free_units", column(std::move(free)));
  return t;
}

py::object json_loads(const std::string& text) {
  return py::module_::import("json").attr("loads")(text);
}

// --- cases ----------------------------------------------------------------------------------

using need_spec = std::variant<keten::need, std::string, std::tuple<std::string, int>,
                               std::tuple<std::string, int, double>>;

keten::need to_need(const need_spec& spec) {
  if (const auto* n = std::get_if<keten::need>(&spec)) return *n;
  if (const auto* s = std::get_if<std::string>(&spec)) return {.category = *s};
  if (const auto* t = std::get_if<std::tuple<std::string, int>>(&spec))
    return {.category = std::get<0>(*t), .urgency = std::get<1>(*t)};
  const auto& t = std::get<std::tuple<std::string, int, double>>(spec);
  return {.category = std::get<0>(t), .urgency = std::get<1>(t), .weight = std::get<2>(t)};
}

keten::help_case make_case(std::string id, const std::vector<need_spec>& needs,
                           const std::optional<std::string>& municipality,
                           const std::optional<std::variant<int, std::string>>& postcode,
                           const std::optional<std::pair<double, double>>& point,
                           const std::optional<std::pair<int, int>>& age,
                           const std::optional<std::string>& household,
                           std::vector<std::string> languages, const std::string& referrer,
                           bool consent, std::vector<std::string> excluded_partners) {
  keten::help_case c;
  c.id = std::move(id);
  for (const auto& n : needs)
    c.needs.push_back(to_need(n));
  if (municipality) c.location.municipality = *municipality;
  if (postcode) {
    if (const auto* text = std::get_if<std::string>(&*postcode)) {
      c.location.postcode = keten::parse_pc4(*text);
      if (!c.location.postcode)
        invalid("postcode '" + *text + "' is not a 4-digit PC4 area", "location.postcode", c.id);
    } else {
      const int value = std::get<int>(*postcode);
      if (!keten::is_valid_pc4(value))
        invalid("postcode " + std::to_string(value) + " is not a PC4 area (1000-9999)",
                "location.postcode", c.id);
      c.location.postcode = static_cast<keten::pc4>(value);
    }
  }
  if (point) c.location.point = keten::geo_point{point->first, point->second};
  if (age) {
    if (age->first < 0 || age->second > keten::max_age || age->first > age->second)
      invalid("age band must satisfy 0 <= min <= max <= 130", "profile.age", c.id);
    c.profile.age = keten::age_band{static_cast<std::uint8_t>(age->first),
                                    static_cast<std::uint8_t>(age->second)};
  }
  if (household) {
    c.profile.household = keten::parse_household_type(*household);
    if (!c.profile.household)
      invalid("unknown household type '" + *household +
                  "' (single, couple, single_parent, family, other)",
              "profile.household", c.id);
  }
  c.profile.languages = std::move(languages);
  const auto kind = keten::parse_referrer_kind(referrer);
  if (!kind)
    invalid("unknown referrer '" + referrer + "' (self, professional, partner, church, other)",
            "profile.referrer", c.id);
  c.profile.referrer = *kind;
  c.consent = consent;
  c.excluded_partners = std::move(excluded_partners);
  return c;
}

std::optional<std::string> case_municipality(const keten::help_case& c) {
  if (c.location.municipality.empty()) return std::nullopt;
  return c.location.municipality;
}
std::optional<int> case_postcode(const keten::help_case& c) {
  if (!c.location.postcode) return std::nullopt;
  return static_cast<int>(*c.location.postcode);
}
std::optional<std::pair<double, double>> case_point(const keten::help_case& c) {
  if (!c.location.point) return std::nullopt;
  return std::make_pair(c.location.point->lat, c.location.point->lon);
}
std::optional<std::pair<int, int>> case_age(const keten::help_case& c) {
  if (!c.profile.age) return std::nullopt;
  return std::make_pair(static_cast<int>(c.profile.age->min), static_cast<int>(c.profile.age->max));
}
std::optional<std::string> case_household(const keten::help_case& c) {
  if (!c.profile.household) return std::nullopt;
  return std::string(keten::to_string(*c.profile.household));
}

/// The keyword arguments that rebuild the case: Case(**case.to_dict()) == case.
py::dict case_kwargs(const keten::help_case& c) {
  py::list needs;
  for (const auto& n : c.needs)
    needs.append(py::make_tuple(n.category, n.urgency, n.weight));
  py::dict d;
  d["id"] = c.id;
  d["needs"] = needs;
  d["municipality"] = case_municipality(c);
  d["postcode"] = case_postcode(c);
  d["point"] = case_point(c);
  d["age"] = case_age(c);
  d["household"] = case_household(c);
  d["languages"] = c.profile.languages;
  d["referrer"] = std::string(keten::to_string(c.profile.referrer));
  d["consent"] = c.consent;
  d["excluded_partners"] = c.excluded_partners;
  return d;
}

using keten_python::case_batch;

std::size_t checked_index(std::ptrdiff_t i, std::size_t n) {
  const auto size = static_cast<std::ptrdiff_t>(n);
  if (i < 0) i += size;
  if (i < 0 || i >= size) throw py::index_error("index out of range");
  return static_cast<std::size_t>(i);
}

/// The cases as columns: one row per case; needs, urgencies and weights as lists.
table case_table(const std::vector<keten::help_case>& cases) {
  const std::size_t n = cases.size();
  object_column id(n), needs(n), urgencies(n), weights(n), municipality(n), household(n),
      languages(n), referrer(n), excluded(n);
  std::vector<std::int32_t> postcode(n), age_min(n), age_max(n);
  std::vector<double> lat(n), lon(n);
  std::vector<std::uint8_t> consent(n);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < n; ++i) {
    const keten::help_case& c = cases[i];
    id.set(i, c.id);
    std::vector<std::string> cats;
    std::vector<int> urg;
    std::vector<double> wts;
    for (const auto& need : c.needs) {
      cats.push_back(need.category);
      urg.push_back(need.urgency);
      wts.push_back(need.weight);
    }
    needs.set(i, py::cast(cats));
    urgencies.set(i, py::cast(urg));
    weights.set(i, py::cast(wts));
    municipality.set(i, py::cast(case_municipality(c)));
    postcode[i] = c.location.postcode ? *c.location.postcode : 0;
    lat[i] = c.location.point ? c.location.point->lat : nan;
    lon[i] = c.location.point ? c.location.point->lon : nan;
    age_min[i] = c.profile.age ? c.profile.age->min : -1;
    age_max[i] = c.profile.age ? c.profile.age->max : -1;
    household.set(i, py::cast(case_household(c)));
    languages.set(i, py::cast(c.profile.languages));
    referrer.set(i, std::string(keten::to_string(c.profile.referrer)));
    consent[i] = c.consent ? 1 : 0;
    excluded.set(i, py::cast(c.excluded_partners));
  }
  table t;
  t.add("id", id.done());
  t.add("needs", needs.done());
  t.add("urgencies", urgencies.done());
  t.add("weights", weights.done());
  t.add("municipality", municipality.done());
  t.add("postcode", column(std::move(postcode)));
  t.add("lat", column(std::move(lat)));
  t.add("lon", column(std::move(lon)));
  t.add("age_min", column(std::move(age_min)));
  t.add("age_max", column(std::move(age_max)));
  t.add("household", household.done());
  t.add("languages", languages.done());
  t.add("referrer", referrer.done());
  t.add("consent", bool_column(consent));
  t.add("excluded_partners", excluded.done());
  return t;
}

// --- matching -------------------------------------------------------------------------------

keten::match_options make_options(std::size_t top_k, std::size_t max_partners, bool allow_waitlist,
                                  const std::optional<keten::match_weights>& weights) {
  keten::match_options options;
  options.top_k = top_k;
  options.max_partners = max_partners;
  options.allow_waitlist = allow_waitlist;
  if (weights) options.weights = *weights;
  return options;
}

/// Matches every case, on `threads` threads (0: one per core) over one const landscape. The
/// results are in the order of the cases whatever the threads; on an error, the error of the
/// first failing case (in case order) is thrown. Call without the GIL.
std::vector<keten::match_result> run_batch(const keten::landscape& l,
                                           const std::vector<keten::help_case>& cases,
                                           const keten::match_options& options, bool exhaustive,
                                           std::size_t threads) {
  std::vector<keten::match_result> results(cases.size());
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  constexpr std::size_t chunk = 64;
  threads = std::min(threads, (cases.size() + chunk - 1) / chunk);
  std::atomic<std::size_t> next{0};
  std::vector<std::pair<std::size_t, std::exception_ptr>> failures(
      std::max<std::size_t>(threads, 1), {cases.size(), nullptr});
  const auto work = [&](std::size_t worker) {
    for (;;) {
      const std::size_t begin = next.fetch_add(chunk);
      if (begin >= cases.size()) return;
      const std::size_t end = std::min(cases.size(), begin + chunk);
      for (std::size_t i = begin; i < end; ++i) {
        try {
          results[i] = exhaustive ? keten::match_exhaustive(l, cases[i], options)
                                  : keten::match(l, cases[i], options);
        } catch (...) {
          if (i < failures[worker].first) failures[worker] = {i, std::current_exception()};
          next.store(cases.size());  // stop handing out work
          return;
        }
      }
    }
  };
  if (threads <= 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (std::size_t t = 1; t < threads; ++t)
      pool.emplace_back(work, t);
    work(0);
    for (auto& t : pool)
      t.join();
  }
  const auto first =
      std::min_element(failures.begin(), failures.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
  if (first->second) std::rethrow_exception(first->second);
  return results;
}

/// The results of a batch match, kept in C++ until asked for.
struct match_batch {
  keten::landscape land;
  case_batch cases;
  std::vector<keten::match_result> results;

  [[nodiscard]] std::pair<std::size_t, std::size_t> range(
      std::optional<std::ptrdiff_t> index) const {
    if (!index) return {0, results.size()};
    const std::size_t i = checked_index(*index, results.size());
    return {i, i + 1};
  }
};

/// Why need i is uncovered in a bundle (the rule of docs/matching.md, "Output").
std::string uncovered_reason(const keten::need_candidates& found) {
  if (!found.candidates.empty()) return "not_chosen";
  if (found.in_category == 0) return "no_offering_in_category";
  return std::string(
      keten::to_string(found.uncoverable_because().value_or(keten::rejection::out_of_area)));
}

table bundle_table(const match_batch& batch, std::optional<std::ptrdiff_t> index) {
  const auto [from, to] = batch.range(index);
  const keten::landscape& l = batch.land;
  std::vector<std::string> case_id;
  std::vector<std::int64_t> case_index, rank, covered, needs, partners, stages;
  std::vector<double> score, cover, distance, wait, capacity, complementarity, collaboration, extra;
  std::vector<py::object> offerings;
  for (std::size_t i = from; i < to; ++i) {
    const keten::help_case& c = batch.cases.get()[i];
    const auto& bundles = batch.results[i].bundles;
    for (std::size_t k = 0; k < bundles.size(); ++k) {
      const keten::bundle& b = bundles[k];
      case_id.push_back(c.id);
      case_index.push_back(static_cast<std::int64_t>(i));
      rank.push_back(static_cast<std::int64_t>(k + 1));
      score.push_back(keten::to_points(b.score));
      covered.push_back(static_cast<std::int64_t>(b.covered()));
      needs.push_back(static_cast<std::int64_t>(c.needs.size()));
      partners.push_back(static_cast<std::int64_t>(b.partner_count(l)));
      stages.push_back(static_cast<std::int64_t>(b.path.stage_count()));
      cover.push_back(keten::to_points(b.breakdown.cover));
      distance.push_back(keten::to_points(b.breakdown.distance));
      wait.push_back(keten::to_points(b.breakdown.wait));
      capacity.push_back(keten::to_points(b.breakdown.capacity));
      complementarity.push_back(keten::to_points(b.breakdown.complementarity));
      collaboration.push_back(keten::to_points(b.breakdown.collaboration));
      extra.push_back(keten::to_points(b.breakdown.extra_partners));
      py::list ids;
      for (const auto& o : b.assigned)
        ids.append(o ? py::object(py::str(l.offerings()[*o].id)) : py::object(py::none()));
      offerings.push_back(std::move(ids));
    }
  }
  object_column offering_lists(offerings.size());
  for (std::size_t r = 0; r < offerings.size(); ++r)
    offering_lists.set(r, std::move(offerings[r]));
  table t;
  t.add("case", strings(case_id));
  t.add("case_index", column(std::move(case_index)));
  t.add("rank", column(std::move(rank)));
  t.add("score", column(std::move(score)));
  t.add("needs", column(std::move(needs)));
  t.add("covered", column(std::move(covered)));
  t.add("partners", column(std::move(partners)));
  t.add("stages", column(std::move(stages)));
  t.add("cover", column(std::move(cover)));
  t.add("distance", column(std::move(distance)));
  t.add("wait", column(std::move(wait)));
  t.add("capacity", column(std::move(capacity)));
  t.add("complementarity", column(std::move(complementarity)));
  t.add("collaboration", column(std::move(collaboration)));
  t.add("extra_partners", column(std::move(extra)));
  t.add("offerings", offering_lists.done());
  return t;
}

table assignment_table(const match_batch& batch, std::optional<std::ptrdiff_t> index) {
  const auto [from, to] = batch.range(index);
  const keten::landscape& l = batch.land;
  std::vector<std::string> case_id, category;
  std::vector<std::int64_t> case_index, rank, need, urgency, stage;
  std::vector<double> weight, cover, distance, wait, capacity, total, km;
  std::vector<std::optional<std::string>> offering, partner, uncovered;
  std::vector<std::uint8_t> is_covered;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = from; i < to; ++i) {
    const keten::help_case& c = batch.cases.get()[i];
    const keten::match_result& r = batch.results[i];
    for (std::size_t k = 0; k < r.bundles.size(); ++k) {
      const keten::bundle& b = r.bundles[k];
      std::vector<std::int64_t> stage_of(c.needs.size(), -1);
      for (const auto& step : b.path.steps)
        for (std::size_t n : step.needs)
          stage_of[n] = static_cast<std::int64_t>(step.stage);
      for (std::size_t n = 0; n < c.needs.size(); ++n) {
        case_id.push_back(c.id);
        case_index.push_back(static_cast<std::int64_t>(i));
        rank.push_back(static_cast<std::int64_t>(k + 1));
        need.push_back(static_cast<std::int64_t>(n));
        category.push_back(c.needs[n].category);
        urgency.push_back(c.needs[n].urgency);
        weight.push_back(c.needs[n].weight);
        const auto& chosen = b.assigned[n];
        const keten::assignment_terms terms =
            b.reasons.empty() ? keten::assignment_terms{} : b.reasons[n].terms;
        is_covered.push_back(chosen ? 1 : 0);
        if (chosen) {
          offering.emplace_back(l.offerings()[*chosen].id);
          partner.emplace_back(l.partners()[l.partner_of(*chosen)].id);
          uncovered.emplace_back(std::nullopt);
          km.push_back(std::round(terms.distance_km * 1000.0) / 1000.0);
        } else {
          offering.emplace_back(std::nullopt);
          partner.emplace_back(std::nullopt);
          uncovered.emplace_back(r.needs.empty() ? std::string("not_chosen")
                                                 : uncovered_reason(r.needs[n]));
          km.push_back(nan);
        }
        cover.push_back(keten::to_points(terms.cover));
        distance.push_back(keten::to_points(terms.distance));
        wait.push_back(keten::to_points(terms.wait));
        capacity.push_back(keten::to_points(terms.capacity));
        total.push_back(keten::to_points(terms.total()));
        stage.push_back(stage_of[n]);
      }
    }
  }
  const auto optional_strings = [](const std::vector<std::optional<std::string>>& values) {
    object_column out(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      out.set(i, values[i] ? py::object(py::str(*values[i])) : py::object(py::none()));
    return out.done();
  };
  table t;
  t.add("case", strings(case_id));
  t.add("case_index", column(std::move(case_index)));
  t.add("rank", column(std::move(rank)));
  t.add("need", column(std::move(need)));
  t.add("category", strings(category));
  t.add("urgency", column(std::move(urgency)));
  t.add("weight", column(std::move(weight)));
  t.add("covered", bool_column(is_covered));
  t.add("offering", optional_strings(offering));
  t.add("partner", optional_strings(partner));
  t.add("uncovered", optional_strings(uncovered));
  t.add("cover", column(std::move(cover)));
  t.add("distance", column(std::move(distance)));
  t.add("wait", column(std::move(wait)));
  t.add("capacity", column(std::move(capacity)));
  t.add("total", column(std::move(total)));
  t.add("distance_km", column(std::move(km)));
  t.add("stage", column(std::move(stage)));
  return t;
}

table need_table(const match_batch& batch, std::optional<std::ptrdiff_t> index) {
  const auto [from, to] = batch.range(index);
  std::vector<std::string> case_id, category, status;
  std::vector<std::int64_t> case_index, need, urgency, in_category, in_reach, candidates, rejected;
  std::vector<double> weight;
  std::vector<std::optional<std::string>> uncoverable;
  std::vector<std::uint8_t> covered_best;
  for (std::size_t i = from; i < to; ++i) {
    const keten::help_case& c = batch.cases.get()[i];
    const keten::match_result& r = batch.results[i];
    for (std::size_t n = 0; n < c.needs.size(); ++n) {
      case_id.emplace_back(c.id);
      case_index.push_back(static_cast<std::int64_t>(i));
      status.emplace_back(keten::to_string(r.status));
      need.push_back(static_cast<std::int64_t>(n));
      category.push_back(c.needs[n].category);
      urgency.push_back(c.needs[n].urgency);
      weight.push_back(c.needs[n].weight);
      const bool known = !r.needs.empty();
      in_category.push_back(known ? static_cast<std::int64_t>(r.needs[n].in_category) : 0);
      in_reach.push_back(known ? static_cast<std::int64_t>(r.needs[n].in_reach()) : 0);
      candidates.push_back(known ? static_cast<std::int64_t>(r.needs[n].candidates.size()) : 0);
      rejected.push_back(known ? static_cast<std::int64_t>(r.needs[n].rejected.size()) : 0);
      if (known && r.needs[n].candidates.empty())
        uncoverable.emplace_back(uncovered_reason(r.needs[n]));
      else
        uncoverable.emplace_back(std::nullopt);
      covered_best.push_back(!r.bundles.empty() && r.bundles.front().assigned[n] ? 1 : 0);
    }
  }
  object_column why(uncoverable.size());
  for (std::size_t i = 0; i < uncoverable.size(); ++i)
    why.set(i, uncoverable[i] ? py::object(py::str(*uncoverable[i])) : py::object(py::none()));
  table t;
  t.add("case", strings(case_id));
  t.add("case_index", column(std::move(case_index)));
  t.add("status", strings(status));
  t.add("need", column(std::move(need)));
  t.add("category", strings(category));
  t.add("urgency", column(std::move(urgency)));
  t.add("weight", column(std::move(weight)));
  t.add("in_category", column(std::move(in_category)));
  t.add("in_reach", column(std::move(in_reach)));
  t.add("candidates", column(std::move(candidates)));
  t.add("rejected", column(std::move(rejected)));
  t.add("uncoverable", why.done());
  t.add("covered_by_best", bool_column(covered_best));
  return t;
}

// --- stable matching ------------------------------------------------------------------------

/// Preference lists from Python: indexes checked against [0, n) here, so that a negative index is
/// a ValidationError naming the list, not a TypeError of the conversion.
std::vector<std::vector<std::uint32_t>> preference_lists(
    const std::vector<std::vector<std::int64_t>>& lists, std::int64_t other_side, const char* field,
    const char* owner) {
  std::vector<std::vector<std::uint32_t>> out(lists.size());
  for (std::size_t i = 0; i < lists.size(); ++i)
    for (const std::int64_t v : lists[i]) {
      if (v < 0 || v >= other_side)
        throw keten::validation_error(
            keten::error_code::unknown_reference,
            "index " + std::to_string(v) + " is not in [0, " + std::to_string(other_side) + ")",
            {.field = field, .object_id = std::string(owner) + " " + std::to_string(i)});
      out[i].push_back(static_cast<std::uint32_t>(v));
    }
  return out;
}

keten::stable_instance stable_instance_of(const std::vector<std::vector<std::int64_t>>& residents,
                                          const std::vector<std::vector<std::int64_t>>& hospitals,
                                          const std::vector<std::int64_t>& capacities) {
  keten::stable_instance in;
  in.resident_prefs = preference_lists(residents, static_cast<std::int64_t>(hospitals.size()),
                                       "resident_prefs", "resident");
  in.hospital_prefs = preference_lists(hospitals, static_cast<std::int64_t>(residents.size()),
                                       "hospital_prefs", "hospital");
  for (std::size_t h = 0; h < capacities.size(); ++h) {
    const std::int64_t c = capacities[h];
    if (c < 0 || c > std::numeric_limits<std::int32_t>::max())
      throw keten::validation_error(
          c < 0 ? keten::error_code::negative_value : keten::error_code::invalid_value,
          "capacity " + std::to_string(c) + " is not in [0, 2^31)",
          {.field = "capacities", .object_id = "hospital " + std::to_string(h)});
    in.capacities.push_back(static_cast<std::int32_t>(c));
  }
  return in;
}

keten::stable_side stable_side_of(const std::string& side) {
  if (side == "residents") return keten::stable_side::residents;
  if (side == "hospitals") return keten::stable_side::hospitals;
  invalid("optimal is 'residents' or 'hospitals', not '" + side + "'", "optimal");
}

std::vector<std::optional<std::uint32_t>> matching_of(
    const std::vector<std::optional<std::int64_t>>& matching, std::size_t hospitals) {
  std::vector<std::optional<std::uint32_t>> out(matching.size());
  for (std::size_t r = 0; r < matching.size(); ++r)
    if (matching[r]) {
      const std::int64_t h = *matching[r];
      if (h < 0 || h >= static_cast<std::int64_t>(hospitals))
        throw keten::validation_error(
            keten::error_code::unknown_reference, "hospital " + std::to_string(h) + " is not known",
            {.field = "matching", .object_id = "resident " + std::to_string(r)});
      out[r] = static_cast<std::uint32_t>(h);
    }
  return out;
}

/// One row per need of the cases, assigned or not.
table stable_allocation_table(const keten::landscape& l, const std::vector<keten::help_case>& cases,
                              const keten::stable_allocation& a) {
  std::vector<std::size_t> first(cases.size() + 1, 0);
  for (std::size_t i = 0; i < cases.size(); ++i)
    first[i + 1] = first[i] + cases[i].needs.size();
  const std::size_t n = first.back();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::int64_t> case_index(n), need(n), queue(n, 0);
  std::vector<double> priority(n), fit(n, nan);
  object_column case_id(n), category(n), offering(n), reason(n), waiting_for(n);
  for (std::size_t ci = 0; ci < cases.size(); ++ci)
    for (std::size_t ni = 0; ni < cases[ci].needs.size(); ++ni) {
      const std::size_t row = first[ci] + ni;
      case_index[row] = static_cast<std::int64_t>(ci);
      need[row] = static_cast<std::int64_t>(ni);
      case_id.set(row, cases[ci].id);
      category.set(row, cases[ci].needs[ni].category);
    }
  for (const keten::assigned_need& x : a.assigned) {
    const std::size_t row = first[x.need.case_index] + x.need.need_index;
    offering.set(row, l.offerings()[x.offering].id);
    priority[row] = keten::to_points(x.priority);
    fit[row] = keten::to_points(x.fit);
    reason.set(row, py::none());
    waiting_for.set(row, py::none());
  }
  for (const keten::unmet_need& u : a.unmet) {
    const std::size_t row = first[u.need.case_index] + u.need.need_index;
    offering.set(row, py::none());
    priority[row] = keten::to_points(u.priority);
    reason.set(row, std::string(keten::to_string(u.reason)));
    waiting_for.set(row, u.waiting_for ? py::object(py::str(l.offerings()[*u.waiting_for].id))
                                       : py::object(py::none()));
    queue[row] = static_cast<std::int64_t>(u.queue_position);
  }
  table t;
  t.add("case", case_id.done());
  t.add("case_index", column(std::move(case_index)));
  t.add("need", column(std::move(need)));
  t.add("category", category.done());
  t.add("offering", offering.done());
  t.add("priority", column(std::move(priority)));
  t.add("fit", column(std::move(fit)));
  t.add("reason", reason.done());
  t.add("waiting_for", waiting_for.done());
  t.add("queue_position", column(std::move(queue)));
  return t;
}

}  // namespace

PYBIND11_MODULE(_ext, m) {
  m.doc() = "keten's C++ core. Use the `keten` package, not this module.";
  m.attr("__version__") = std::string(keten::version_string);
  m.attr("DEFAULT_SEED") = keten::default_seed;

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const keten::parse_error& e) {
      translate(e, "ParseError");
    } catch (const keten::validation_error& e) {
      translate(e, "ValidationError");
    } catch (const keten::not_found_error& e) {
      translate(e, "NotFoundError");
    } catch (const keten::io_error& e) {
      translate(e, "KetenIOError");
    } catch (const keten::error& e) {
      translate(e, "Error");
    }
  });

  // --- Table ------------------------------------------------------------------------------
  py::class_<table>(m, "Table",
                    "Named columns of equal length, each a 1-D numpy array (text as object "
                    "arrays, lists as object arrays of lists).")
      .def(py::init<const py::dict&>(), py::arg("columns"),
           "Builds a table from a mapping of column name to array-like. Raises ValueError if the "
           "lengths differ.")
      .def_property_readonly("columns", &table::names, "The column names, in order.")
      .def("__len__", &table::rows, "The number of rows.")
      .def("__getitem__", &table::get, py::arg("name"),
           "The column as a numpy array. Raises KeyError for an unknown name.")
      .def("__contains__",
           [](const table& t, const std::string& name) {
             return std::find(t.names().begin(), t.names().end(), name) != t.names().end();
           })
      .def("__iter__", [](const table& t) { return py::iter(py::cast(t.names())); })
      .def("to_dict", &table::to_dict, "The columns as a dict of numpy arrays (no copy).")
      .def("to_pandas", &table::to_pandas,
           "The table as a pandas.DataFrame. Raises ImportError if pandas is not installed.")
      .def("__repr__", [](const table& t) {
        std::string names;
        for (const auto& n : t.names())
          names += (names.empty() ? "" : ", ") + n;
        return "<Table " + std::to_string(t.rows()) + " rows: " + names + ">";
      });

  // --- taxonomy ---------------------------------------------------------------------------
  py::enum_<keten::help_form>(m, "HelpForm", "The five complementary help forms.")
      .value("money", keten::help_form::money)
      .value("neighbour", keten::help_form::neighbour)
      .value("work", keten::help_form::work)
      .value("group", keten::help_form::group)
      .value("youth", keten::help_form::youth);
  m.def(
      "help_forms",
      [] {
        return std::vector<keten::help_form>(keten::all_help_forms.begin(),
                                             keten::all_help_forms.end());
      },
      "The five help forms in their fixed order (money, neighbour, work, group, youth).");
  m.def("help_form_label", &label, py::arg("form"), py::arg("language") = "nl",
        "The Dutch ('nl') or English ('en') label of a help form. Raises ValueError for another "
        "language.");
  m.def(
      "member_organisation",
      [](keten::help_form f) { return std::string(keten::member_organisation(f)); },
      py::arg("form"), "The national member organisation that carries a help form.");

  py::class_<keten::need_category>(m, "NeedCategory", "A need category under one help form.")
      .def_readonly("id", &keten::need_category::id, "'<help form>.<name>', e.g. 'money.debts'.")
      .def_readonly("help_form", &keten::need_category::form)
      .def_readonly("label_nl", &keten::need_category::label_nl)
      .def_readonly("label_en", &keten::need_category::label_en)
      .def(
          "__eq__",
          [](const keten::need_category& a, const keten::need_category& b) { return a == b; },
          py::is_operator())
      .def("__repr__", [](const keten::need_category& c) { return "<NeedCategory " + c.id + ">"; });
  m.def(
      "standard_categories", [] { return categories_of(keten::taxonomy::standard()); },
      "The need categories of the standard taxonomy, in index order.");

  // --- geography --------------------------------------------------------------------------
  m.def(
      "municipalities", [] { return municipality_table(*keten::geography::netherlands()); },
      "The 342 Dutch municipalities of 2023 as a Table: code, name, province, population, "
      "area_km2, lat, lon.");
  m.def(
      "distance_km",
      [](std::pair<double, double> a, std::pair<double, double> b) {
        return keten::distance_km({a.first, a.second}, {b.first, b.second});
      },
      py::arg("a"), py::arg("b"), "Great-circle distance in km between two (lat, lon) points.");

  // --- analysis ---------------------------------------------------------------------------
  py::class_<keten::landscape_summary>(m, "Summary", "The headline figures of a landscape.")
      .def_readonly("name", &keten::landscape_summary::name)
      .def_readonly("partners", &keten::landscape_summary::partners)
      .def_readonly("offerings", &keten::landscape_summary::offerings)
      .def_readonly("categories", &keten::landscape_summary::categories)
      .def_readonly("member_organisations", &keten::landscape_summary::member_organisations)
      .def_readonly("municipalities_served", &keten::landscape_summary::municipalities_served,
                    "Municipalities with at least one offering serving them.")
      .def_readonly("municipalities_with_all_forms",
                    &keten::landscape_summary::municipalities_with_all_forms,
                    "Municipalities served by every one of the five help forms.")
      .def_readonly("complementarities", &keten::landscape_summary::complementarities)
      .def_readonly("precedences", &keten::landscape_summary::precedences)
      .def("help_forms", &help_form_table,
           "Per help form (5 rows): help_form, label_nl, label_en, member, offerings, "
           "units_per_year, free_units.")
      .def(
          "to_dict",
          [](const keten::landscape_summary& s) { return json_loads(keten::to_json(s, -1)); },
          "The summary as the dict that `keten info --json` prints.")
      .def("__str__", [](const keten::landscape_summary& s) { return keten::to_text(s); })
      .def("__repr__", [](const keten::landscape_summary& s) {
        return "<Summary '" + s.name + "': " + std::to_string(s.partners) + " partners, " +
               std::to_string(s.offerings) + " offerings, " +
               std::to_string(s.municipalities_served) + " municipalities served>";
      });

  // --- landscapes -------------------------------------------------------------------------
  py::class_<keten::landscape>(
      m, "Landscape", "An immutable landscape of partners and offerings. Thread-safe to read.")
      .def_property_readonly("name", &keten::landscape::name)
      .def_property_readonly("partner_count",
                             [](const keten::landscape& l) { return l.partners().size(); })
      .def_property_readonly("offering_count",
                             [](const keten::landscape& l) { return l.offerings().size(); })
      .def_property_readonly("partner_ids",
                             [](const keten::landscape& l) {
                               std::vector<std::string> ids;
                               for (const auto& p : l.partners())
                                 ids.push_back(p.id);
                               return ids;
                             })
      .def_property_readonly("offering_ids",
                             [](const keten::landscape& l) {
                               std::vector<std::string> ids;
                               for (const auto& o : l.offerings())
                                 ids.push_back(o.id);
                               return ids;
                             })
      .def(
          "categories", [](const keten::landscape& l) { return categories_of(l.categories()); },
          "The landscape's need categories: the standard ones and any it adds, in index order.")
      .def(
          "category_index",
          [](const keten::landscape& l, const std::string& id) {
            return l.categories().index_of(id);
          },
          py::arg("id"),
          "The dense index of a category (its row/column in complementarity_matrix). Raises "
          "NotFoundError (a KeyError).")
      .def(
          "offering_index",
          [](const keten::landscape& l, const std::string& id) {
            const auto found = l.find_offering(id);
            if (!found)
              throw keten::not_found_error("no offering '" + id + "' in the landscape",
                                           {.object_id = id});
            return *found;
          },
          py::arg("id"),
          "The row of an offering in offerings(). Raises NotFoundError (a KeyError).")
      .def(
          "partner_index",
          [](const keten::landscape& l, const std::string& id) {
            const auto found = l.find_partner(id);
            if (!found)
              throw keten::not_found_error("no partner '" + id + "' in the landscape",
                                           {.object_id = id});
            return *found;
          },
          py::arg("id"), "The row of a partner in partners(). Raises NotFoundError (a KeyError).")
      .def("partners", &partner_table,
           "The partners as a Table: id, member, branch, municipality, offerings (count).")
      .def("offerings", &offering_table,
           "The offerings as a Table: id, partner, name, categories, help_forms, capacity "
           "(units_per_period, period_days, free_units, typical_duration_days, "
           "intake_wait_days), eligibility (min_age, max_age, requires_professional_referrer, "
           "households, languages; empty lists: everyone) "
           "and area (municipalities, postcodes, radius_lat/lon/km, NaN without a circle).")
      .def(
          "municipalities",
          [](const keten::landscape& l) { return municipality_table(l.places()); },
          "The landscape's geography as a Table (see keten.municipalities()).")
      .def("complementarities", &relation_table,
           "The complementarity graph's edges as a Table: a, b, weight.")
      .def("precedences", &precedence_table,
           "The precedence graph's edges as a Table: before, after.")
      .def_property_readonly(
          "complementarity_matrix",
          [](const keten::landscape& l) -> const Eigen::MatrixXd& {
            return l.complementarity_matrix();
          },
          py::return_value_policy::reference_internal,
          "Categories × categories complementarity weights (0 = none), in category index order: "
          "a read-only view into the landscape (no copy), which it keeps alive.")
      .def(
          "capacity_by_municipality",
          [](const keten::landscape& l) {
            py::gil_scoped_release release;
            return keten::capacity_by_municipality(l);
          },
          "Capacity units per year serving each municipality per help form: a float64 array of "
          "shape (municipalities, 5), rows in municipalities() order, columns in help_forms() "
          "order. Returned without a copy.")
      .def("capacity_table", &capacity_table,
           "capacity_by_municipality() beside the municipalities: code, name, province, "
           "population, area_km2, lat, lon, then one column per help form (views into the one "
           "matrix).")
      .def("partner_network", &partner_network_table,
           "The partner network's links (docs/analysis.md): a, b (partner ids), "
           "shared_municipalities — two partners are linked when, in a municipality both serve, a "
           "category of one complements a category of the other. Releases the GIL.")
      .def("partner_metrics", &partner_metrics_table,
           "Per partner, in partners() order: degree, betweenness (Brandes, normalised as "
           "networkx's betweenness_centrality) and component of the partner network. Releases the "
           "GIL.")
      .def(
          "summary",
          [](const keten::landscape& l) {
            py::gil_scoped_release release;
            return keten::summarize(l);
          },
          "Headline figures: partners, offerings, municipalities served, capacity per help form.")
      .def(
          "to_json",
          [](const keten::landscape& l, int indent) {
            py::gil_scoped_release release;
            return keten::to_json(l, indent);
          },
          py::arg("indent") = 1,
          "The landscape as a keten.landscape JSON document (indent < 0: one line).")
      .def(
          "save_json",
          [](const keten::landscape& l, const std::filesystem::path& path, int indent) {
            py::gil_scoped_release release;
            keten::save_landscape_json(l, path, indent);
          },
          py::arg("path"), py::arg("indent") = 1,
          "Writes the landscape as JSON, atomically. Raises KetenIOError (an OSError).")
      .def(
          "to_snapshot",
          [](const keten::landscape& l) {
            std::string bytes;
            {
              py::gil_scoped_release release;
              bytes = keten::to_snapshot(l);
            }
            return py::bytes(bytes);
          },
          "The landscape as binary snapshot bytes (docs/formats.md, 'Snapshots').")
      .def(
          "save_snapshot",
          [](const keten::landscape& l, const std::filesystem::path& path) {
            py::gil_scoped_release release;
            keten::save_snapshot(l, path);
          },
          py::arg("path"),
          "Writes the landscape as a snapshot, atomically and durably. Raises KetenIOError.")
      .def(
          "__eq__", [](const keten::landscape& a, const keten::landscape& b) { return a == b; },
          py::is_operator())
      .def(py::pickle([](const keten::landscape& l) { return py::bytes(keten::to_snapshot(l)); },
                      [](const py::bytes& state) {
                        return keten::from_snapshot(std::string(state), "<pickle>");
                      }))
      .def("__repr__", [](const keten::landscape& l) {
        return "<Landscape '" + l.name() + "': " + std::to_string(l.partners().size()) +
               " partners, " + std::to_string(l.offerings().size()) + " offerings>";
      });

  m.def(
      "load_landscape",
      [](const std::filesystem::path& path) {
        py::gil_scoped_release release;
        return keten::load_landscape(path);
      },
      py::arg("path"),
      "Reads a landscape file: a snapshot if it starts with the snapshot magic, else a "
      "keten.landscape JSON document. Raises ParseError, ValidationError, KetenIOError.");
  m.def(
      "load_snapshot",
      [](const std::filesystem::path& path) {
        py::gil_scoped_release release;
        return keten::load_snapshot(path);
      },
      py::arg("path"), "Reads a snapshot file. Raises ParseError, ValidationError, KetenIOError.");
  m.def(
      "landscape_from_snapshot",
      [](const py::bytes& data, const std::string& source_name) {
        const std::string bytes(data);
        py::gil_scoped_release release;
        return keten::from_snapshot(bytes, source_name);
      },
      py::arg("data"), py::arg("source_name") = "<bytes>",
      "Reads snapshot bytes. Raises ParseError (with the byte offset) or ValidationError.");
  m.def(
      "parse_landscape",
      [](const std::string& text, const std::string& source_name) {
        py::gil_scoped_release release;
        return keten::parse_landscape_json(text, source_name);
      },
      py::arg("text"), py::arg("source_name") = "<string>",
      "Parses a keten.landscape JSON document. Raises ParseError or ValidationError.");
  m.def(
      "generate_national_landscape",
      [](std::uint64_t seed) {
        py::gil_scoped_release release;
        return keten::generate_national_landscape(keten::geography::netherlands(), seed);
      },
      py::arg("seed") = keten::default_seed,
      "The synthetic national landscape for a seed (the default seed gives "
      "data/national_landscape.json).");

  // --- cases ------------------------------------------------------------------------------
  py::class_<keten::need>(m, "Need", "One need of a case: a category, its urgency and weight.")
      .def(py::init([](std::string category, int urgency, double weight) {
             return keten::need{std::move(category), urgency, weight};
           }),
           py::arg("category"), py::arg("urgency") = 3, py::arg("weight") = 1.0,
           "urgency 1 (can wait) to 5 (crisis); weight > 0, relative within the case. Checked "
           "when the case is validated or matched.")
      .def_readonly("category", &keten::need::category)
      .def_readonly("urgency", &keten::need::urgency)
      .def_readonly("weight", &keten::need::weight)
      .def(
          "__eq__", [](const keten::need& a, const keten::need& b) { return a == b; },
          py::is_operator())
      .def("__repr__", [](const keten::need& n) {
        return "Need('" + n.category + "', urgency=" + std::to_string(n.urgency) + ")";
      });

  py::class_<keten::help_case>(m, "Case",
                               "One person or household: needs, location, profile. No names.")
      .def(py::init(&make_case), py::arg("id"), py::arg("needs"), py::kw_only(),
           py::arg("municipality") = py::none(), py::arg("postcode") = py::none(),
           py::arg("point") = py::none(), py::arg("age") = py::none(),
           py::arg("household") = py::none(), py::arg("languages") = std::vector<std::string>{},
           py::arg("referrer") = "self", py::arg("consent") = false,
           py::arg("excluded_partners") = std::vector<std::string>{},
           "A case. needs: Need objects, category ids, (category, urgency) or (category, "
           "urgency, weight) tuples. Location: a CBS municipality code, a PC4 postcode (int or "
           "str) and/or a (lat, lon) point. Profile: age band (min, max), household (single, "
           "couple, single_parent, family, other), ISO 639 languages, referrer (self, "
           "professional, partner, church, other). consent=False means nothing is proposed. "
           "Raises ValidationError for a malformed postcode, age band, household or referrer; "
           "the rest is checked by validate() and when matched.")
      .def_readonly("id", &keten::help_case::id)
      .def_readonly("needs", &keten::help_case::needs)
      .def_property_readonly("categories",
                             [](const keten::help_case& c) {
                               std::vector<std::string> out;
                               for (const auto& n : c.needs)
                                 out.push_back(n.category);
                               return out;
                             })
      .def_property_readonly("municipality", &case_municipality)
      .def_property_readonly("postcode", &case_postcode)
      .def_property_readonly("point", &case_point)
      .def_property_readonly("age", &case_age)
      .def_property_readonly("household", &case_household)
      .def_property_readonly("languages",
                             [](const keten::help_case& c) { return c.profile.languages; })
      .def_property_readonly("referrer",
                             [](const keten::help_case& c) {
                               return std::string(keten::to_string(c.profile.referrer));
                             })
      .def_readonly("consent", &keten::help_case::consent)
      .def_readonly("excluded_partners", &keten::help_case::excluded_partners)
      .def(
          "validate",
          [](const keten::help_case& c, const keten::landscape& l) {
            keten::validate(c, l.categories(), l.places());
          },
          py::arg("landscape"),
          "Checks the case against the landscape's taxonomy and geography. Raises "
          "ValidationError naming the field and the case id.")
      .def("to_dict", &case_kwargs,
           "The case as keyword arguments: Case(**case.to_dict()) == case.")
      .def(
          "__eq__", [](const keten::help_case& a, const keten::help_case& b) { return a == b; },
          py::is_operator())
      .def(py::pickle([](const keten::help_case& c) { return case_kwargs(c); },
                      [](const py::dict& d) {
                        return py::cast<keten::help_case>(
                            py::module_::import("keten._ext").attr("Case")(**d));
                      }))
      .def("__repr__", [](const keten::help_case& c) { return "<Case " + c.id + ">"; });

  py::class_<case_batch>(m, "Cases",
                         "An immutable batch of cases held in C++ (what match_batch reads "
                         "without conversion).")
      .def(py::init([](const std::vector<keten::help_case>& cases) { return case_batch(cases); }),
           py::arg("cases") = std::vector<keten::help_case>{})
      .def("__len__", [](const case_batch& b) { return b.get().size(); })
      .def(
          "__getitem__",
          [](const case_batch& b, std::ptrdiff_t i) {
            return b.get()[checked_index(i, b.get().size())];
          },
          py::arg("index"))
      .def(
          "__getitem__",
          [](const case_batch& b, const py::slice& range) {
            py::ssize_t start = 0, stop = 0, step = 0, length = 0;
            if (!range.compute(static_cast<py::ssize_t>(b.get().size()), &start, &stop, &step,
                               &length))
              throw py::error_already_set();
            std::vector<keten::help_case> out;
            out.reserve(static_cast<std::size_t>(length));
            for (py::ssize_t k = 0; k < length; ++k, start += step)
              out.push_back(b.get()[static_cast<std::size_t>(start)]);
            return case_batch(std::move(out));
          },
          py::arg("range"), "A new batch of the cases in the slice.")
      .def(
          "__iter__",
          [](const case_batch& b) {
            return py::make_iterator<py::return_value_policy::copy>(b.get().begin(), b.get().end());
          },
          py::keep_alive<0, 1>())
      .def_property_readonly("ids",
                             [](const case_batch& b) {
                               std::vector<std::string> ids;
                               for (const auto& c : b.get())
                                 ids.push_back(c.id);
                               return ids;
                             })
      .def(
          "validate",
          [](const case_batch& b, const keten::landscape& l) {
            py::gil_scoped_release release;
            for (const auto& c : b.get())
              keten::validate(c, l.categories(), l.places());
          },
          py::arg("landscape"),
          "Validates every case; raises ValidationError for the first bad one.")
      .def(
          "to_table", [](const case_batch& b) { return case_table(b.get()); },
          "One row per case: id, needs, urgencies, weights (lists), municipality, postcode (0 = "
          "none), lat, lon (NaN = none), age_min, age_max (-1 = unknown), household, languages, "
          "referrer, consent, excluded_partners.")
      .def(
          "to_pandas", [](const case_batch& b) { return case_table(b.get()).to_pandas(); },
          "to_table() as a pandas.DataFrame. Raises ImportError without pandas.")
      .def(
          "to_json",
          [](const case_batch& b, int indent) { return keten::to_json(b.get(), indent); },
          py::arg("indent") = 1, "The cases as a keten.cases JSON document.")
      .def(
          "save",
          [](const case_batch& b, const std::filesystem::path& path, int indent) {
            py::gil_scoped_release release;
            keten::save_cases_json(b.get(), path, indent);
          },
          py::arg("path"), py::arg("indent") = 1,
          "Writes the cases as a keten.cases JSON file. Raises KetenIOError.")
      .def(
          "__eq__", [](const case_batch& a, const case_batch& b) { return a.get() == b.get(); },
          py::is_operator())
      .def("__repr__", [](const case_batch& b) {
        return "<Cases: " + std::to_string(b.get().size()) + " cases>";
      });

  m.def(
      "load_cases",
      [](const std::filesystem::path& path, const keten::landscape& context) {
        py::gil_scoped_release release;
        return case_batch(keten::load_cases_json(path, context));
      },
      py::arg("path"), py::arg("landscape"),
      "Reads a keten.cases file, each case validated against the landscape. Raises ParseError, "
      "ValidationError, KetenIOError.");
  m.def(
      "parse_cases",
      [](const std::string& text, const keten::landscape& context, const std::string& source_name) {
        py::gil_scoped_release release;
        return case_batch(keten::parse_cases_json(text, context, source_name));
      },
      py::arg("text"), py::arg("landscape"), py::arg("source_name") = "<string>",
      "Parses a keten.cases JSON document, each case validated against the landscape.");
  m.def(
      "validate_cases",
      [](const std::filesystem::path& path, const keten::landscape& context) {
        std::vector<keten::help_case> cases;
        {
          py::gil_scoped_release release;
          cases = keten::load_cases_json(path, context);
        }
        std::vector<std::string> ids;
        for (const auto& c : cases)
          ids.push_back(c.id);
        return ids;
      },
      py::arg("path"), py::arg("landscape"),
      "Reads and validates a keten.cases file against a landscape; returns the case ids.");
  m.def(
      "generate_cases",
      [](const keten::landscape& l, std::size_t count, std::uint64_t seed,
         std::vector<std::string> municipalities, std::string id_prefix) {
        keten::case_generation options{.count = count,
                                       .seed = seed,
                                       .municipalities = std::move(municipalities),
                                       .id_prefix = std::move(id_prefix)};
        py::gil_scoped_release release;
        return case_batch(keten::generate_cases(l, options));
      },
      py::arg("landscape"), py::kw_only(), py::arg("count") = 100,
      py::arg("seed") = keten::default_seed, py::arg("municipalities") = std::vector<std::string>{},
      py::arg("id_prefix") = "case-",
      "Synthetic cases drawn in proportion to population (all municipalities, or the listed "
      "codes), deterministic for a seed. Raises NotFoundError for an unknown code.");

  // --- matching ---------------------------------------------------------------------------
  py::class_<keten::match_weights>(m, "MatchWeights",
                                   "The weights of the objective's terms, in points "
                                   "(docs/matching.md).")
      .def(py::init([](double cover, double distance, double distance_scale_km, double wait,
                       double wait_scale_days, double free_capacity, double waitlist,
                       double complementarity, double collaboration, double extra_partner) {
             return keten::match_weights{
                 cover,         distance, distance_scale_km, wait,          wait_scale_days,
                 free_capacity, waitlist, complementarity,   collaboration, extra_partner};
           }),
           py::kw_only(), py::arg("cover") = 100.0, py::arg("distance") = 20.0,
           py::arg("distance_scale_km") = 10.0, py::arg("wait") = 10.0,
           py::arg("wait_scale_days") = 90.0, py::arg("free_capacity") = 5.0,
           py::arg("waitlist") = 40.0, py::arg("complementarity") = 30.0,
           py::arg("collaboration") = 20.0, py::arg("extra_partner") = 15.0)
      .def_readwrite("cover", &keten::match_weights::cover)
      .def_readwrite("distance", &keten::match_weights::distance)
      .def_readwrite("distance_scale_km", &keten::match_weights::distance_scale_km)
      .def_readwrite("wait", &keten::match_weights::wait)
      .def_readwrite("wait_scale_days", &keten::match_weights::wait_scale_days)
      .def_readwrite("free_capacity", &keten::match_weights::free_capacity)
      .def_readwrite("waitlist", &keten::match_weights::waitlist)
      .def_readwrite("complementarity", &keten::match_weights::complementarity)
      .def_readwrite("collaboration", &keten::match_weights::collaboration)
      .def_readwrite("extra_partner", &keten::match_weights::extra_partner);

  py::class_<match_batch>(m, "MatchBatch",
                          "The results of matching a batch of cases, held in C++ until read.")
      .def("__len__", [](const match_batch& b) { return b.results.size(); })
      .def_property_readonly("landscape", [](const match_batch& b) { return b.land; })
      .def_property_readonly("cases", [](const match_batch& b) { return b.cases; })
      .def_property_readonly("case_ids",
                             [](const match_batch& b) {
                               std::vector<std::string> ids;
                               for (const auto& c : b.cases.get())
                                 ids.push_back(c.id);
                               return ids;
                             })
      .def_property_readonly(
          "bundle_counts",
          [](const match_batch& b) {
            std::vector<std::int64_t> counts;
            for (const auto& r : b.results)
              counts.push_back(static_cast<std::int64_t>(r.bundles.size()));
            return column(std::move(counts));
          },
          "The number of bundles found per case (numpy int64).")
      .def_property_readonly(
          "best_scores",
          [](const match_batch& b) {
            std::vector<double> scores;
            for (const auto& r : b.results)
              scores.push_back(r.bundles.empty() ? std::numeric_limits<double>::quiet_NaN()
                                                 : keten::to_points(r.bundles.front().score));
            return column(std::move(scores));
          },
          "The best bundle's score per case in points (NaN if none), numpy float64.")
      .def(
          "result_json",
          [](const match_batch& b, std::ptrdiff_t i, int indent) {
            const std::size_t k = checked_index(i, b.results.size());
            return keten::to_json(b.results[k], b.land, b.cases.get()[k], indent);
          },
          py::arg("index"), py::arg("indent") = -1,
          "One case's result in the per-case shape of the keten.matches format.")
      .def(
          "to_json",
          [](const match_batch& b, int indent) {
            py::gil_scoped_release release;
            return keten::matches_to_json(b.results, b.cases.get(), b.land, indent);
          },
          py::arg("indent") = 1, "The whole batch as a keten.matches JSON document.")
      .def("bundles", &bundle_table, py::arg("index") = py::none(),
           "One row per bundle (of one case, or of all): case, case_index, rank, score, needs, "
           "covered, partners, stages, the score terms in points, offerings (per need, None if "
           "uncovered).")
      .def("assignments", &assignment_table, py::arg("index") = py::none(),
           "One row per bundle and need: case, case_index, rank, need, category, urgency, "
           "weight, covered, offering, partner, uncovered (why not, or None), the terms in "
           "points, distance_km (NaN if uncovered), stage in the pathway (-1 if uncovered).")
      .def("needs", &need_table, py::arg("index") = py::none(),
           "One row per case and need: case, case_index, status, need, category, urgency, "
           "weight, in_category, in_reach, candidates, rejected (counts), uncoverable (why no "
           "offering can cover it, or None), covered_by_best.");

  void bind_cooperation(py::module_ & m);  // cooperation_ext.cpp: chains, scans, strengths
  bind_cooperation(m);
  m.def(
      "match_batch",
      [](const keten::landscape& l, const case_batch& cases, std::size_t top_k,
         std::size_t max_partners, bool allow_waitlist,
         const std::optional<keten::match_weights>& weights, bool exhaustive, std::size_t threads,
         const keten::collaboration_strengths* cooperation) {
        keten::match_options options = make_options(top_k, max_partners, allow_waitlist, weights);
        options.collaboration = cooperation;
        match_batch out{l, cases, {}};
        py::gil_scoped_release release;
        out.results = run_batch(l, cases.get(), options, exhaustive, threads);
        return out;
      },
      py::arg("landscape"), py::arg("cases"), py::kw_only(), py::arg("top_k") = 5,
      py::arg("max_partners") = 3, py::arg("allow_waitlist") = false,
      py::arg("weights") = py::none(), py::arg("exhaustive") = false, py::arg("threads") = 1,
      py::arg("cooperation") = py::none(),
      "Matches every case (see keten.match_batch). Releases the GIL.");
  m.def(
      "time_match_batch",
      [](const keten::landscape& l, const case_batch& cases, std::size_t top_k,
         std::size_t max_partners, bool allow_waitlist, bool exhaustive, std::size_t threads) {
        const keten::match_options options =
            make_options(top_k, max_partners, allow_waitlist, std::nullopt);
        py::gil_scoped_release release;
        const auto start = std::chrono::steady_clock::now();
        std::vector<keten::match_result> results =
            run_batch(l, cases.get(), options, exhaustive, threads);
        const auto stop = std::chrono::steady_clock::now();
        return std::chrono::duration<double>(stop - start).count();
      },
      py::arg("landscape"), py::arg("cases"), py::kw_only(), py::arg("top_k") = 5,
      py::arg("max_partners") = 3, py::arg("allow_waitlist") = false, py::arg("exhaustive") = false,
      py::arg("threads") = 1,
      "Benchmark aid: the seconds that the C++ work of match_batch takes for these cases, timed "
      "in C++ (no Python in the timed region).");

  // --- stable matching (keten/stable.hpp, docs/stable.md) ---------------------------------
  m.def(
      "stable_match",
      [](const std::vector<std::vector<std::int64_t>>& resident_prefs,
         const std::vector<std::vector<std::int64_t>>& hospital_prefs,
         const std::vector<std::int64_t>& capacities, const std::string& optimal) {
        const keten::stable_instance in =
            stable_instance_of(resident_prefs, hospital_prefs, capacities);
        const keten::stable_side side = stable_side_of(optimal);
        py::gil_scoped_release release;
        return keten::stable_match(in, side).hospital_of;
      },
      py::arg("resident_prefs"), py::arg("hospital_prefs"), py::arg("capacities"), py::kw_only(),
      py::arg("optimal") = "residents",
      "The resident-optimal (or, with optimal='hospitals', hospital-optimal) stable matching of a "
      "hospital-resident instance by deferred acceptance: per resident its hospital or None. Lists "
      "are indexes, most preferred first; only mutually listed pairs are acceptable. Raises "
      "ValidationError for a bad index, a repeat in a list or a negative capacity.");
  m.def(
      "find_blocking_pair",
      [](const std::vector<std::vector<std::int64_t>>& resident_prefs,
         const std::vector<std::vector<std::int64_t>>& hospital_prefs,
         const std::vector<std::int64_t>& capacities,
         const std::vector<std::optional<std::int64_t>>& matching)
          -> std::optional<std::pair<std::uint32_t, std::uint32_t>> {
        const keten::stable_instance in =
            stable_instance_of(resident_prefs, hospital_prefs, capacities);
        const auto of = matching_of(matching, in.hospital_prefs.size());
        const auto pair = keten::find_blocking_pair(in, of);
        if (!pair) return std::nullopt;
        return std::pair{pair->resident, pair->hospital};
      },
      py::arg("resident_prefs"), py::arg("hospital_prefs"), py::arg("capacities"),
      py::arg("matching"),
      "A blocking pair (resident, hospital) of the matching (per resident its hospital or None), "
      "or None if it is stable. Raises ValidationError if the matching is not a matching of the "
      "instance (unacceptable pair, over capacity).");
  m.def(
      "is_stable",
      [](const std::vector<std::vector<std::int64_t>>& resident_prefs,
         const std::vector<std::vector<std::int64_t>>& hospital_prefs,
         const std::vector<std::int64_t>& capacities,
         const std::vector<std::optional<std::int64_t>>& matching) {
        const keten::stable_instance in =
            stable_instance_of(resident_prefs, hospital_prefs, capacities);
        return keten::is_stable(in, matching_of(matching, in.hospital_prefs.size()));
      },
      py::arg("resident_prefs"), py::arg("hospital_prefs"), py::arg("capacities"),
      py::arg("matching"),
      "True if the matching is a matching of the instance without a blocking pair.");
  m.def(
      "allocate_stable",
      [](const keten::landscape& l, const case_batch& cases, const std::string& optimal,
         const std::optional<keten::match_weights>& weights, double waiting_day,
         const std::vector<int>& days_waiting) {
        keten::stable_policy policy;
        if (optimal == "needs")
          policy.optimal = keten::stable_side::residents;
        else if (optimal == "offerings")
          policy.optimal = keten::stable_side::hospitals;
        else
          invalid("optimal is 'needs' or 'offerings', not '" + optimal + "'", "optimal");
        if (weights) policy.weights = *weights;
        policy.waiting_day = waiting_day;
        keten::stable_allocation a;
        {
          py::gil_scoped_release release;
          a = keten::allocate_stable(l, cases.get(), policy, days_waiting);
        }
        return stable_allocation_table(l, cases.get(), a);
      },
      py::arg("landscape"), py::arg("cases"), py::kw_only(), py::arg("optimal") = "needs",
      py::arg("weights") = py::none(), py::arg("waiting_day") = 1.0,
      py::arg("days_waiting") = std::vector<int>{},
      "A stable assignment of every need of the cases to offerings under free capacity (see "
      "keten.allocate_stable). Releases the GIL.");

  void bind_flow(py::module_ & m);  // flow_ext.cpp: min-cost flow, allocation, HSDS
  bind_flow(m);
  void bind_ledger(py::module_ & m);  // ledger_ext.cpp: the referral ledger
  bind_ledger(m);
  void bind_gaps(py::module_ & m);  // gaps_ext.cpp: the gap analysis and new teams
  bind_gaps(m);
  void bind_simulation(py::module_ & m);  // simulation_ext.cpp: the what-if simulation
  bind_simulation(m);
}

// keten._ext — the Python binding: a thin layer over the C++ API (no logic of its own).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "keten/keten.hpp"

namespace py = pybind11;

namespace {

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

}  // namespace

PYBIND11_MODULE(_ext, m) {
  m.doc() = "keten's C++ core. Use the `keten` package, not this module.";
  m.attr("__version__") = std::string(keten::version_string);

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

  py::enum_<keten::help_form>(m, "HelpForm", "The five complementary help forms.")
      .value("money", keten::help_form::money)
      .value("neighbour", keten::help_form::neighbour)
      .value("work", keten::help_form::work)
      .value("group", keten::help_form::group)
      .value("youth", keten::help_form::youth);
  m.def(
      "help_form_label",
      [](keten::help_form f, const std::string& language) {
        if (language == "nl") return std::string(keten::label_nl(f));
        if (language == "en") return std::string(keten::label_en(f));
        throw py::value_error("language is 'nl' or 'en'");
      },
      py::arg("form"), py::arg("language") = "nl", "The Dutch or English label of a help form.");
  m.def(
      "member_organisation",
      [](keten::help_form f) { return std::string(keten::member_organisation(f)); },
      py::arg("form"), "The national member organisation that carries a help form.");

  py::class_<keten::need_category>(m, "NeedCategory", "A need category under one help form.")
      .def_readonly("id", &keten::need_category::id)
      .def_readonly("help_form", &keten::need_category::form)
      .def_readonly("label_nl", &keten::need_category::label_nl)
      .def_readonly("label_en", &keten::need_category::label_en)
      .def("__repr__", [](const keten::need_category& c) { return "<NeedCategory " + c.id + ">"; });
  m.def(
      "standard_categories",
      [] {
        const auto cats = keten::taxonomy::standard().categories();
        return std::vector<keten::need_category>(cats.begin(), cats.end());
      },
      "The need categories of the standard taxonomy.");

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
          "summary",
          [](const keten::landscape& l) {
            return py::module_::import("json").attr("loads")(
                keten::to_json(keten::summarize(l), -1));
          },
          "Headline figures: partners, offerings, municipalities served, capacity per help form.")
      .def(
          "to_json",
          [](const keten::landscape& l, int indent) { return keten::to_json(l, indent); },
          py::arg("indent") = 1, "The landscape as a keten.landscape JSON document.")
      .def("__eq__", [](const keten::landscape& a, const keten::landscape& b) { return a == b; })
      .def("__repr__", [](const keten::landscape& l) {
        return "<Landscape '" + l.name() + "': " + std::to_string(l.partners().size()) +
               " partners, " + std::to_string(l.offerings().size()) + " offerings>";
      });

  m.def(
      "load_landscape",
      [](const std::filesystem::path& path) {
        py::gil_scoped_release release;
        return keten::load_landscape_json(path);
      },
      py::arg("path"),
      "Reads a keten.landscape JSON file. Raises ParseError, ValidationError, OSError.");
  m.def(
      "parse_landscape",
      [](const std::string& text, const std::string& source_name) {
        py::gil_scoped_release release;
        return keten::parse_landscape_json(text, source_name);
      },
      py::arg("text"), py::arg("source_name") = "<string>",
      "Parses a keten.landscape JSON document.");
  m.def(
      "generate_national_landscape",
      [](std::uint64_t seed) {
        py::gil_scoped_release release;
        return keten::generate_national_landscape(keten::geography::netherlands(), seed);
      },
      py::arg("seed") = keten::default_seed, "The synthetic national landscape for a seed.");
  py::class_<keten::help_case>(m, "Case",
                               "One person or household: needs, location, profile. No names.")
      .def_readonly("id", &keten::help_case::id)
      .def_property_readonly("categories",
                             [](const keten::help_case& c) {
                               std::vector<std::string> out;
                               for (const auto& n : c.needs)
                                 out.push_back(n.category);
                               return out;
                             })
      .def("__repr__", [](const keten::help_case& c) { return "<Case " + c.id + ">"; });
  m.def(
      "load_cases",
      [](const std::filesystem::path& path, const keten::landscape& context) {
        py::gil_scoped_release release;
        return keten::load_cases_json(path, context);
      },
      py::arg("path"), py::arg("landscape"),
      "Reads a keten.cases file, each case validated against the landscape.");
  m.def(
      "parse_cases",
      [](const std::string& text, const keten::landscape& context, const std::string& source_name) {
        py::gil_scoped_release release;
        return keten::parse_cases_json(text, context, source_name);
      },
      py::arg("text"), py::arg("landscape"), py::arg("source_name") = "<string>",
      "Parses a keten.cases JSON document.");
  m.def(
      "_match_json",
      [](const keten::landscape& l, const keten::help_case& c, std::size_t top_k,
         std::size_t max_partners, bool allow_waitlist, bool exhaustive) {
        keten::match_options options;
        options.top_k = top_k;
        options.max_partners = max_partners;
        options.allow_waitlist = allow_waitlist;
        py::gil_scoped_release release;
        const keten::match_result r =
            exhaustive ? keten::match_exhaustive(l, c, options) : keten::match(l, c, options);
        return keten::to_json(r, l, c, -1);
      },
      py::arg("landscape"), py::arg("case"), py::arg("top_k"), py::arg("max_partners"),
      py::arg("allow_waitlist"), py::arg("exhaustive"));
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
}

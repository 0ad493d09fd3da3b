# Install rules and the CMake package config, so that a consumer writes
#   find_package(keten CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE keten::keten)
include(CMakePackageConfigHelpers)

set(KETEN_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/keten")

install(TARGETS keten EXPORT keten-targets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(DIRECTORY include/keten DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
if(TARGET keten_cli)
  install(TARGETS keten_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
endif()
install(FILES data/nl_municipalities.csv data/national_landscape.json data/national_scan.json
        DESTINATION "${CMAKE_INSTALL_DATADIR}/keten/data")
install(DIRECTORY data/example DESTINATION "${CMAKE_INSTALL_DATADIR}/keten/data")

install(EXPORT keten-targets NAMESPACE keten:: DESTINATION "${KETEN_CMAKE_DIR}")
# The build tree is a package too: find_package(keten) with keten_DIR=<build dir>.
export(EXPORT keten-targets NAMESPACE keten:: FILE "${PROJECT_BINARY_DIR}/keten-targets.cmake")

configure_package_config_file(cmake/keten-config.cmake.in
  "${PROJECT_BINARY_DIR}/keten-config.cmake" INSTALL_DESTINATION "${KETEN_CMAKE_DIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/keten-config-version.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/keten-config.cmake" "${PROJECT_BINARY_DIR}/keten-config-version.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/Findlibcsv.cmake" "${PROJECT_SOURCE_DIR}/cmake/Findxxhash.cmake"
        DESTINATION "${KETEN_CMAKE_DIR}")

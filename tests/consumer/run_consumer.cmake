# Builds and runs the consumer app. Run with cmake -P; see CMakeLists.txt beside this file.
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGV}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
if(MODE STREQUAL "find_package")
  set(prefix "${WORK_DIR}/prefix")
  run("${CMAKE_COMMAND}" --install "${KETEN_BUILD_DIR}" --prefix "${prefix}")
  if(NOT EXISTS "${prefix}/lib/cmake/keten/keten-config.cmake" AND NOT EXISTS "${prefix}/lib64/cmake/keten/keten-config.cmake"
     AND NOT EXISTS "${prefix}/lib/x86_64-linux-gnu/cmake/keten/keten-config.cmake")
    file(GLOB_RECURSE found "${prefix}/*keten-config.cmake")
    if(NOT found)
      message(FATAL_ERROR "no keten-config.cmake installed under ${prefix}")
    endif()
  endif()
  run("${CMAKE_COMMAND}" -S "${APP_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
      "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=Release)
elseif(LAUNCHER)
  # With the compiler launcher (ccache) and the flags of the build that runs this test, the
  # library's objects come from that build's cache: this test is about the build wiring (targets,
  # include paths, dependencies), and the library is compiled and tested there already.
  run("${CMAKE_COMMAND}" -S "${APP_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
      "-DKETEN_SOURCE_DIR=${KETEN_SOURCE_DIR}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
      "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}" "-DKETEN_WARNINGS_AS_ERRORS=${WARNINGS_AS_ERRORS}")
else()
  # Without a launcher the whole library is compiled again here; without optimisation or debug
  # information (an empty build type), since this test is about the build wiring.
  run("${CMAKE_COMMAND}" -S "${APP_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
      "-DKETEN_SOURCE_DIR=${KETEN_SOURCE_DIR}" "-DCMAKE_BUILD_TYPE=")
endif()
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer")
if(NOT last_output MATCHES "consumer ok: 342 municipalities, 1 partner, 1 offering")
  message(FATAL_ERROR "unexpected output of the consumer:\n${last_output}")
endif()
message(STATUS "${last_output}")

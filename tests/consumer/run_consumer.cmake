# Builds and runs the consumer app. Run with cmake -P; see CMakeLists.txt beside this file.
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGV}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

# The examples of the pages in DOCS: each is marked "<!-- example: NAME.cpp -->", followed by a
# ```cpp block (the program) and a ```text block (what it prints), up to "<!-- end of example -->".
# Each program goes to WORK_DIR/examples/NAME.cpp, its output to example_output_NAME.
set(example_names)
function(extract_examples doc)
  file(READ "${doc}" text)
  set(marker "<!-- example: ")
  string(LENGTH "${marker}" marker_length)
  set(names ${example_names})
  while(TRUE)
    string(FIND "${text}" "${marker}" at)
    if(at EQUAL -1)
      break()
    endif()
    math(EXPR at "${at} + ${marker_length}")
    string(SUBSTRING "${text}" ${at} -1 text)
    string(FIND "${text}" " -->" name_end)
    string(SUBSTRING "${text}" 0 ${name_end} file_name)
    string(FIND "${text}" "<!-- end of example -->" end)
    string(SUBSTRING "${text}" 0 ${end} block)
    string(SUBSTRING "${text}" ${end} -1 text)
    foreach(kind cpp text)
      string(FIND "${block}" "```${kind}\n" open)
      if(open EQUAL -1)
        message(FATAL_ERROR "${doc}: the example ${file_name} has no ```${kind} block")
      endif()
      string(LENGTH "```${kind}\n" open_length)
      math(EXPR open "${open} + ${open_length}")
      string(SUBSTRING "${block}" ${open} -1 block)
      string(FIND "${block}" "\n```" close)
      math(EXPR close "${close} + 1")
      string(SUBSTRING "${block}" 0 ${close} content_${kind})
    endforeach()
    get_filename_component(name "${file_name}" NAME_WE)
    file(WRITE "${WORK_DIR}/examples/${file_name}" "${content_cpp}")
    set(example_output_${name} "${content_text}" PARENT_SCOPE)
    list(APPEND names ${name})
  endwhile()
  set(example_names ${names} PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
foreach(doc ${DOCS})
  extract_examples("${doc}")
endforeach()
if(DOCS AND NOT example_names)
  message(FATAL_ERROR "no examples found in ${DOCS}")
endif()
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
      "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=Release
      "-DKETEN_EXAMPLES_DIR=${WORK_DIR}/examples")
elseif(LAUNCHER)
  # With the compiler launcher (ccache) and the flags of the build that runs this test, the
  # library's objects come from that build's cache: this test is about the build wiring (targets,
  # include paths, dependencies), and the library is compiled and tested there already.
  run("${CMAKE_COMMAND}" -S "${APP_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
      "-DKETEN_SOURCE_DIR=${KETEN_SOURCE_DIR}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
      "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}" "-DKETEN_WARNINGS_AS_ERRORS=${WARNINGS_AS_ERRORS}"
      "-DKETEN_EXAMPLES_DIR=${WORK_DIR}/examples")
else()
  # Without a launcher the whole library is compiled again here; without optimisation or debug
  # information (an empty build type), since this test is about the build wiring.
  run("${CMAKE_COMMAND}" -S "${APP_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
      "-DKETEN_SOURCE_DIR=${KETEN_SOURCE_DIR}" "-DCMAKE_BUILD_TYPE="
      "-DKETEN_EXAMPLES_DIR=${WORK_DIR}/examples")
endif()
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer")
if(NOT last_output MATCHES "consumer ok: 342 municipalities, 1 partner, 1 offering")
  message(FATAL_ERROR "unexpected output of the consumer:\n${last_output}")
endif()
message(STATUS "${last_output}")
foreach(name ${example_names})
  run("${WORK_DIR}/build/${name}")
  if(NOT last_output STREQUAL example_output_${name})
    message(FATAL_ERROR "the example ${name} printed\n${last_output}\nwhere its page shows\n"
                        "${example_output_${name}}")
  endif()
  message(STATUS "example ${name}: output as on its page")
endforeach()

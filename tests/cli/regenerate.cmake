# Regenerates a committed data file (WHAT: landscape, the default, or scan; LANDSCAPE: the
# landscape of a scan, default the national one) and compares it byte for byte with COMMITTED.
if(NOT WHAT)
  set(WHAT landscape)
endif()
set(extra)
if(LANDSCAPE)
  set(extra --landscape "${LANDSCAPE}")
endif()
execute_process(COMMAND "${PROGRAM}" generate ${WHAT} ${extra} -o "${OUTPUT}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "keten generate ${WHAT} failed (${status})")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${OUTPUT}" "${COMMITTED}" RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
  message(FATAL_ERROR "${COMMITTED} differs from the generator's output; "
                      "run: keten generate ${WHAT} ${extra} -o ${COMMITTED}")
endif()

# Regenerates the national landscape and compares it byte for byte with the committed file.
execute_process(COMMAND "${PROGRAM}" generate landscape -o "${OUTPUT}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "keten generate landscape failed (${status})")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${OUTPUT}" "${COMMITTED}" RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
  message(FATAL_ERROR "data/national_landscape.json differs from the generator's output; "
                      "run: keten generate landscape -o data/national_landscape.json")
endif()

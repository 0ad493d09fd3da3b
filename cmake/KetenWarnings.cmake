# keten_set_warnings(target): the project's warning level, applied to its own targets only.
function(keten_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                             -Wno-sign-conversion
                                             # designated initializers leave members out on purpose
                                             -Wno-missing-field-initializers)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC 12's flow-sensitive warnings report false positives inside Boost.Graph and
      # std::vector once inlined at -O2/-O3 (GCC bugs 105651, 107138); the sanitizer build checks
      # the real thing.
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized -Wno-free-nonheap-object)
    endif()
    if(KETEN_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()

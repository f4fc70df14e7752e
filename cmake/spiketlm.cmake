# Project-wide helpers. Warnings as errors apply to the project's own targets only; third-party
# headers (SystemC, Verilator, Catch2) come in as SYSTEM includes.
function(spiketlm_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()

# spiketlm_library(<name> <folder> [DEPS ...]): an OBJECT library from every .cpp below <folder>
# (OBJECT so that parameter and factory registrations in every object reach every program),
# with alias spiketlm::<name>. The repository root is the include root: #include "sw/cfg/config.h".
function(spiketlm_library name folder)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${folder}/*.cpp)
  if(NOT srcs)
    add_library(spiketlm_${name} INTERFACE)
    target_include_directories(spiketlm_${name} INTERFACE ${CMAKE_SOURCE_DIR})
    target_link_libraries(spiketlm_${name} INTERFACE ${ARG_DEPS})
  else()
    add_library(spiketlm_${name} OBJECT ${srcs})
    target_include_directories(spiketlm_${name} PUBLIC ${CMAKE_SOURCE_DIR})
    target_link_libraries(spiketlm_${name} PUBLIC ${ARG_DEPS})
    spiketlm_warnings(spiketlm_${name})
  endif()
  add_library(spiketlm::${name} ALIAS spiketlm_${name})
endfunction()

# The test sources themselves (not the libraries they test, which keep the build type's flags) are
# compiled -O1 in Release: Catch2's expanded assertions make them the largest share of the build,
# -O1 compiles them in ~35 % less time than -O3, and the work the tests drive runs in the -O3
# libraries (docs/testing.md, "Build time").
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  set(SPIKETLM_TEST_OPT -O1)
else()
  set(SPIKETLM_TEST_OPT "")
endif()

# spiketlm_test(<name> <folder> LIBS ... [SYSTEMC]): one Catch2 binary from tests/<folder>/*.cpp,
# every TEST_CASE its own ctest entry (one process each: SystemC elaborates once per process).
function(spiketlm_test name folder)
  cmake_parse_arguments(ARG "SYSTEMC" "" "LIBS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/${folder}/*.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(${name} ${srcs})
  target_link_libraries(${name} PRIVATE spiketlm_test_main)
  if(ARG_SYSTEMC)
    target_link_libraries(${name} PRIVATE spiketlm_test_main_sc)
  endif()
  target_compile_options(${name} PRIVATE ${SPIKETLM_TEST_OPT})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} Catch2::Catch2)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    SPIKETLM_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    SPIKETLM_CLI="$<TARGET_FILE:spiketlm>")
  # The tests run the CLI: linking a test waits for bin/spiketlm (a file dependency of the link
  # step only; add_dependencies would hold back every test object until the CLI is linked).
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS $<TARGET_FILE:spiketlm>)
  spiketlm_warnings(${name})
  # Catch2 tags become ctest labels: unit, system, rtl, slow (slow wins over the others).
  set(env "SPIKETLM_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")
  foreach(pair "[unit]~[slow]|unit" "[system]~[slow]|system" "[rtl]~[slow]|rtl" "[slow]|slow"
               "~[unit]~[system]~[rtl]~[slow]|untagged")
    string(REPLACE "|" ";" parts "${pair}")
    list(GET parts 0 spec)
    list(GET parts 1 label)
    # `-w NoTests`: a ctest entry whose name no longer matches its test case (a name CTest cuts,
    # e.g. at a ';') fails instead of passing without running anything.
    catch_discover_tests(${name} TEST_SPEC "${spec}" EXTRA_ARGS -w NoTests
      WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
      PROPERTIES LABELS ${label} ENVIRONMENT "${env}")
  endforeach()
endfunction()

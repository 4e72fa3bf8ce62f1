# Builds TARGET in BINARY_DIR and succeeds only if the build FAILS with output
# matching EXPECT_REGEX. Used for headers that must not compile in some setups.
#
#   cmake -DBINARY_DIR=... -DTARGET=... [-DCONFIG=...] -DEXPECT_REGEX=... -P expect_build_failure.cmake
cmake_minimum_required(VERSION 3.21)

foreach(_var IN ITEMS BINARY_DIR TARGET EXPECT_REGEX)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "expect_build_failure.cmake: ${_var} is not set")
  endif()
endforeach()

set(_config_args)
if(CONFIG)
  set(_config_args --config ${CONFIG})
endif()

execute_process(
  COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} --target ${TARGET} ${_config_args}
  RESULT_VARIABLE _result
  OUTPUT_VARIABLE _output
  ERROR_VARIABLE _output)

if(_result EQUAL 0)
  message(FATAL_ERROR "building ${TARGET} succeeded, but it was expected to fail:\n${_output}")
endif()
if(NOT _output MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR
    "building ${TARGET} failed as expected, but the output does not match "
    "'${EXPECT_REGEX}':\n${_output}")
endif()
message(STATUS "building ${TARGET} failed as expected (output matches '${EXPECT_REGEX}')")
